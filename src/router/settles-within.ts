/**
 * Whether `work` settles (resolves or rejects) within `ms`. For a router that is stopping: a step that waits on
 * a peer that is gone (NATS, a drain's receiver) gets that long, then the router goes on without it.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const settled = work.then(() => true, () => true)
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([settled, late])
  } finally {
    clearTimeout(timer)
  }
}
