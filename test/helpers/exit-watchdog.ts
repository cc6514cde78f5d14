/**
 * A mocha root hook (in .mocharc.json): after the last test, the run must end on its own. Something a test
 * left open (a router, a NATS connection reconnecting forever, a child's pipe) keeps Node alive after mocha's
 * summary, and CI then waits until its own timeout with every test passed. If the process is still here
 * WAIT_MS after the last test, this names what is keeping it and exits with status 1, so the leak fails the
 * run instead of hanging it. The timer is unreferenced: a clean run exits at once, as before.
 */
const WAIT_MS = 30_000

export function mochaGlobalTeardown(): void {
  setTimeout(() => {
    const resources = process.getActiveResourcesInfo().filter((type) => type !== 'TTYWrap')
    process.stderr.write(`\nmocha: the process was still running ${WAIT_MS / 1000} s after the last test, kept alive by: ${resources.join(', ')}.\n`
      + 'A test left something open (a router, a client connection, a child process): close it in an after hook.\n')
    // Mocha sets the exit code to its failure count on 'exit'; this listener, added later, runs after its.
    process.on('exit', () => {
      process.exitCode = 1
    })
    process.exit(1)
  }, WAIT_MS).unref()
}
