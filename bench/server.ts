/**
 * The canned loopback server of the CPU benchmark. It runs in its own process (`child_process.fork` from
 * `bench/cpu.ts`), so its CPU never counts against the client being measured.
 *
 * It binds `127.0.0.1` on port 0, sends `{ port }` to its parent over IPC, and answers every request with a
 * canned Cognito Sync answer (`bench/fixtures.ts`): a GET gets a ListRecords page of 10 records, anything else an UpdateRecords answer
 * of 2 records. Both carry `x-amzn-RequestId`, `Date` and `Content-Type` as the service's do. It does not check
 * signatures: it only reads the request body to the end. It stops when the parent sends "stop" or disconnects.
 */
import { makeCannedServer } from "./fixtures.js"

const server = makeCannedServer()

const stop = () => {
  server.close()
  server.closeAllConnections()
  if (process.connected) process.disconnect()
  // Whatever is still open, the process ends.
  setTimeout(() => process.exit(0), 200).unref()
}

if (process.send !== undefined) {
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    if (address !== null && typeof address === "object") process.send?.({ port: address.port })
  })
  process.on("message", (message) => {
    if (message === "stop") stop()
  })
  process.on("disconnect", stop)
  process.on("SIGTERM", stop)
}
