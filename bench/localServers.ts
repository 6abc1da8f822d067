/**
 * The server process of `bench/local.ts` (compiled by it to `.bench-out/local-server.mjs` and run with plain
 * `node`): `node local-server.mjs emulator` runs the emulator (`LocalServer.start`, accepting the credentials of
 * `bench/fixtures.ts`), `node local-server.mjs bare` a bare `node:http` server that answers a GET with the canned
 * ListRecords page of `bench/fixtures.ts` and anything else with the canned UpdateRecords answer (no signature
 * check, no state), the same server as `bench/server.ts`.
 *
 * Both bind `127.0.0.1` on port 0 and send `{ port }` to the parent over IPC. On "cpu" they answer
 * `{ cpu: process.cpuUsage() }`, so the parent measures the server's CPU over a batch; on "stop", on disconnect
 * and on SIGTERM they stop.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as LocalServer from "../src/local/Server.js"
import { credentials, makeCannedServer } from "./fixtures.js"

const mode = process.argv[2]

const send = (message: unknown) => {
  if (process.connected) process.send?.(message)
}

let close: () => Promise<void> = async () => {}

const startBare = () =>
  new Promise<number>((resolve) => {
    const server = makeCannedServer()
    close = () =>
      new Promise((done) => {
        server.close(() => done())
        server.closeAllConnections()
      })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resolve(address !== null && typeof address === "object" ? address.port : 0)
    })
  })

const startEmulator = async () => {
  const scope = Effect.runSync(Scope.make())
  const running = await Effect.runPromise(
    LocalServer.start({ port: 0, credentials: [credentials] }).pipe(Scope.extend(scope))
  )
  close = () => Effect.runPromise(Scope.close(scope, Exit.void))
  return running.port
}

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  void close().finally(() => {
    if (process.connected) process.disconnect()
    process.exit(0)
  })
  // Whatever is still open, the process ends.
  setTimeout(() => process.exit(0), 500).unref()
}

process.on("message", (message) => {
  if (message === "stop") stop()
  else if (message === "cpu") send({ cpu: process.cpuUsage() })
})
process.on("disconnect", stop)
process.on("SIGTERM", stop)

const started = mode === "emulator" ? startEmulator() : mode === "bare" ? startBare() : Promise.reject(
  new Error(`unknown mode ${mode}`)
)
started.then((port) => send({ port }), (error) => {
  console.error(error)
  process.exit(1)
})
