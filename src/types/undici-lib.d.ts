// undici's own modules that src/api/undici.ts imports by path (the package's types describe its index only).
declare module 'undici/lib/dispatcher/agent.js' {
  const Agent: unknown
  export default Agent
}

declare module 'undici/lib/api/api-request.js' {
  const request: unknown
  export default request
}
