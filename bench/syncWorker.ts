/**
 * The measuring process of `bench/sync.ts` (compiled by it to `.bench-out/sync-worker.mjs` and run with plain
 * `node`). It forks the emulator (`.bench-out/local-server.mjs emulator`, its own process, port 0) and drives two
 * devices, two `SyncManager`s with their own in-memory `LocalStore`, through this library's client on
 * `NodeHttpClient.layerUndici`. A `transformClient` counts every HTTP request (each attempt) by operation.
 *
 * Per repetition, on a fresh identity: device A puts 1024 records (a 5-character key and 1000 ASCII characters
 * each, 1,029,120 bytes in all, under the 1 MB quota) and synchronizes (the push of the full dataset); device B's
 * first synchronize pulls it; A changes one record and synchronizes; B synchronizes again. Each step reports wall
 * time, the CPU of this process and of the server process, and the requests by operation. The one-record steps
 * must cost exactly 1 ListRecords + 1 UpdateRecords (A) and 1 ListRecords (B): anything else fails the run.
 *
 * `node sync-worker.mjs <options as JSON>`; the result goes back over IPC as `{ result }`.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { type ChildProcess, fork } from "node:child_process"
import * as CognitoSync from "../src/CognitoSync.js"
import * as LocalStore from "../src/sync/LocalStore.js"
import * as SyncManager from "../src/sync/SyncManager.js"
import { credentials, IdentityPoolId, region } from "./fixtures.js"

export const recordCount = 1024
export const valueLength = 1000
export const steps = [
  "A: first sync (push 1024)",
  "B: first sync (pull 1024)",
  "A: one-record change",
  "B: pull the change"
] as const
export type Step = (typeof steps)[number]

export interface StepResult {
  readonly millis: number
  readonly clientCpuMicros: number
  readonly serverCpuMicros: number
  readonly requests: Readonly<Record<string, number>>
}

export interface SyncOptions {
  readonly repetitions: number
  readonly budgetMillis: number
  readonly serverPath: string
}

const key = (i: number) => `r${String(i).padStart(4, "0")}`
const value = (i: number, version: number) => `${version}:${i}:`.padEnd(valueLength, "x")

const counts = new Map<string, number>()
const operationOf = (method: string, url: string) => {
  const path = new URL(url).pathname
  if (method === "GET" && /\/datasets\/[^/]+\/records$/.test(path)) return "ListRecords"
  if (method === "POST" && /\/identities\/[^/]+\/datasets\/[^/]+$/.test(path)) return "UpdateRecords"
  return `${method} ${path}`
}
const countRequest = (client: HttpClient.HttpClient) =>
  HttpClient.tapRequest(client, (request) =>
    Effect.sync(() => {
      const operation = operationOf(request.method, request.url)
      counts.set(operation, (counts.get(operation) ?? 0) + 1)
    }))

const ask = (child: ChildProcess, key: string, message?: string) =>
  new Promise<unknown>((resolve, reject) => {
    const onMessage = (reply: unknown) => {
      if (typeof reply === "object" && reply !== null && key in reply) {
        child.off("message", onMessage)
        child.off("exit", onExit)
        resolve((reply as Record<string, unknown>)[key])
      }
    }
    const onExit = () => reject(new Error(`the server ended while waiting for ${key}`))
    child.on("message", onMessage)
    child.once("exit", onExit)
    if (message !== undefined) child.send(message)
  })

const serverCpu = async (server: ChildProcess) => {
  const usage = await ask(server, "cpu", "cpu") as NodeJS.CpuUsage
  return usage.user + usage.system
}

export const runSyncBench = async (options: SyncOptions): Promise<Record<Step, Array<StepResult>>> => {
  const server = fork(options.serverPath, ["emulator"], {
    execArgv: [],
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })
  try {
    const port = await ask(server, "port") as number
    const runtime = ManagedRuntime.make(
      CognitoSync.layer({ region, credentials, endpoint: `http://127.0.0.1:${port}`, transformClient: countRequest })
        .pipe(Layer.provide(NodeHttpClient.layerUndici))
    )
    const device = (identityId: string) =>
      runtime.runPromise(
        Effect.flatMap(LocalStore.makeMemory, (store) =>
          SyncManager.make({ identityPoolId: IdentityPoolId, identityId }).pipe(
            Effect.provideService(LocalStore.LocalStore, store)
          ))
      )
    const measure = async <A>(work: () => Promise<A>): Promise<[A, StepResult]> => {
      counts.clear()
      const server0 = await serverCpu(server)
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      const result = await work()
      const millis = performance.now() - t0
      const cpu = process.cpuUsage(cpu0)
      const server1 = await serverCpu(server)
      return [result, {
        millis,
        clientCpuMicros: cpu.user + cpu.system,
        serverCpuMicros: server1 - server0,
        requests: Object.fromEntries(counts)
      }]
    }
    const expect = (step: Step, result: StepResult, expected: Readonly<Record<string, number>>) => {
      const actual = JSON.stringify(Object.fromEntries(Object.entries(result.requests).sort()))
      const wanted = JSON.stringify(Object.fromEntries(Object.entries(expected).sort()))
      if (actual !== wanted) throw new Error(`${step}: expected the requests ${wanted}, got ${actual}`)
    }

    const results: Record<Step, Array<StepResult>> = {
      "A: first sync (push 1024)": [],
      "B: first sync (pull 1024)": [],
      "A: one-record change": [],
      "B: pull the change": []
    }
    const t0 = performance.now()
    // Repetition 0 is a warm-up and is not reported.
    for (let rep = 0; rep <= options.repetitions; rep++) {
      if (rep > 1 && performance.now() - t0 > options.budgetMillis) break
      const identityId = `us-east-1:00000000-0000-4000-9000-${rep.toString(16).padStart(12, "0")}`
      const a = await device(identityId)
      const b = await device(identityId)
      const datasetA = await runtime.runPromise(a.openDataset("bench"))
      const datasetB = await runtime.runPromise(b.openDataset("bench"))
      await runtime.runPromise(
        datasetA.putAll(Array.from({ length: recordCount }, (_, i) => [key(i), value(i, 0)] as const))
      )
      const run = <A, E>(effect: Effect.Effect<A, E>) => () => runtime.runPromise(effect)
      const [, pushAll] = await measure(run(datasetA.synchronize()))
      const [, pullAll] = await measure(run(datasetB.synchronize()))
      const pulled = await runtime.runPromise(datasetB.getAll())
      if (pulled.size !== recordCount || pulled.get(key(recordCount - 1)) !== value(recordCount - 1, 0)) {
        throw new Error(`B pulled ${pulled.size} records, not the ${recordCount} of A`)
      }
      await runtime.runPromise(datasetA.put(key(7), value(7, 1)))
      const [, pushOne] = await measure(run(datasetA.synchronize()))
      expect("A: one-record change", pushOne, { ListRecords: 1, UpdateRecords: 1 })
      const [, pullOne] = await measure(run(datasetB.synchronize()))
      expect("B: pull the change", pullOne, { ListRecords: 1 })
      const changed = await runtime.runPromise(datasetB.get(key(7)))
      if (changed._tag !== "Some" || changed.value !== value(7, 1)) throw new Error("B did not get the change")
      if (rep > 0) {
        results["A: first sync (push 1024)"].push(pushAll)
        results["B: first sync (pull 1024)"].push(pullAll)
        results["A: one-record change"].push(pushOne)
        results["B: pull the change"].push(pullOne)
      }
    }
    await runtime.dispose()
    return results
  } finally {
    if (server.connected) {
      server.send("stop")
      server.disconnect()
    }
    setTimeout(() => {
      if (server.exitCode === null && server.signalCode === null) server.kill("SIGTERM")
    }, 500).unref()
  }
}

if (process.send !== undefined && process.argv[2] !== undefined) {
  runSyncBench(JSON.parse(process.argv[2]) as SyncOptions).then(
    (result) => process.send?.({ result }, undefined, {}, () => process.disconnect()),
    (error: unknown) => {
      console.error(error)
      process.send?.(
        { error: error instanceof Error ? error.message : String(error) },
        undefined,
        {},
        () => process.exit(1)
      )
    }
  )
}
