// Child processes of the benchmarks, spoken to over IPC (fork).

/** Resolves with the first IPC message from a child, or rejects if it exits before sending one. */
export const nextMessage = (child) => new Promise((resolve, reject) => {
  const exited = (code) => reject(new Error(`child ${child.pid} exited (${code}) before answering`))
  child.once('exit', exited)
  child.once('message', (message) => {
    child.off('exit', exited)
    resolve(message)
  })
})
