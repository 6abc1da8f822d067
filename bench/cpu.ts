/**
 * CPU per call and calls per second of listRecords and updateRecords, against the canned loopback server of
 * `bench/server.ts` (forked, so its CPU is not counted), at concurrency 1 and 64, for six columns:
 *
 * - `ours-fetch`: this client on `FetchHttpClient.layer`;
 * - `ours-undici`: this client on `NodeHttpClient.layerUndici` from `@effect/platform-node`;
 * - `official`: `@aws-sdk/client-cognito-sync` with its defaults (3 attempts, `NodeHttpHandler`);
 * - `bare-transport`: an unsigned `@effect/platform` `FetchHttpClient` request + `response.json`, with the
 *   platform's client span on (DESIGN's "bare transport"). Each call builds its request, as every program must (a
 *   URL and body of its own); the body text itself is a constant;
 * - `bare-transport-reused`: the same with one request built once and sent by every call, the baseline of the
 *   first sessions (a reference: no program can reuse one request for different inputs);
 * - `bare-fetch`: global `fetch` signed with `@smithy/signature-v4` and `@smithy/hash-node` (the reference floor).
 *
 * Every call is started as a promise by the same driver (`runBatch`): the Effect columns pay one
 * `ManagedRuntime.runPromise` per call, as a promise-based caller would. A batch runs a bounded number of calls
 * (and stops early after `maxBatchMillis`); CPU is `process.cpuUsage()` (user + system) of this process over the
 * batch divided by the calls made. Columns are interleaved in rounds, in a rotating order, and each figure is the
 * median over the rounds.
 */
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync"
import { FetchHttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Hash } from "@smithy/hash-node"
import { SignatureV4 } from "@smithy/signature-v4"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { fork } from "node:child_process"
import { CognitoSync } from "../src/index.js"
import {
  credentials,
  DatasetName,
  IdentityId,
  IdentityPoolId,
  listInput,
  region,
  updateBody,
  updateInput
} from "./fixtures.js"

export const columns = [
  "ours-fetch",
  "ours-undici",
  "official",
  "bare-transport",
  "bare-transport-reused",
  "bare-fetch"
] as const
export type Column = (typeof columns)[number]
export const operations = ["listRecords", "updateRecords"] as const
export type Operation = (typeof operations)[number]
export const concurrencies = [1, 64] as const

/** Every cell of a table, in order: each operation at each concurrency. */
export const cells = operations.flatMap((op) => concurrencies.map((c) => [op, c] as const))

/** A cell's column heading. */
export const cellHeading = ([op, c]: (typeof cells)[number]): string => `${op} c=${c}`

export interface CpuOptions {
  readonly rounds: number
  /** Calls per batch at concurrency 1 and at 64. */
  readonly calls: { readonly 1: number; readonly 64: number }
  readonly warmupCalls: number
  readonly maxBatchMillis: number
  /** The compiled server script (see {@link startServer}). */
  readonly serverPath: string
  /** The time the warm-up and the rounds may take: no round starts that would end after it. */
  readonly budgetMillis: number
  readonly log: (line: string) => void
}

export interface Cell {
  /** CPU µs per call (user + system), median over rounds. */
  readonly cpuMicros: number
  /** Calls per second, median over rounds. */
  readonly callsPerSecond: number
  /** Every round's CPU µs per call, in order. */
  readonly rounds: ReadonlyArray<number>
}

/** Every column's cells, by operation and concurrency. */
export type Results<K extends string> = Record<K, Record<Operation, Record<1 | 64, Cell>>>
export type CpuResults = Results<Column>

const enc = encodeURIComponent
/** The path of the benchmark's dataset, its labels encoded. */
export const datasetPath = `/identitypools/${enc(IdentityPoolId)}/identities/${enc(IdentityId)}/datasets/${DatasetName}`

type Call = () => Promise<unknown>
/** One column's calls, and how to release what it holds. */
export interface Driver {
  readonly listRecords: Call
  readonly updateRecords: Call
  readonly close: () => Promise<void>
}

/**
 * Starts the canned server (`bench/server.ts` compiled to plain JavaScript at `serverPath`) in a child process;
 * resolves with its port and a function that stops it.
 */
export const startServer = (
  serverPath: string
): Promise<{ readonly port: number; readonly stop: () => Promise<void> }> =>
  new Promise((resolve, reject) => {
    const child = fork(serverPath, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] })
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error("the bench server did not start within 10 s"))
    }, 10_000)
    child.once("error", reject)
    child.once("message", (message) => {
      clearTimeout(timer)
      const port = typeof message === "object" && message !== null && "port" in message ? message.port : undefined
      if (typeof port !== "number") return reject(new Error(`unexpected message from the server: ${String(message)}`))
      const stop = () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done()
          const kill = setTimeout(() => child.kill("SIGKILL"), 2_000)
          child.once("exit", () => {
            clearTimeout(kill)
            done()
          })
          if (child.connected) child.send("stop")
          else child.kill("SIGTERM")
        })
      resolve({ port, stop })
    })
  })

/** This client on the given `HttpClient` layer. */
export const oursDriver = async (
  endpoint: string,
  httpClient: Layer.Layer<HttpClient.HttpClient>
): Promise<Driver> => {
  const runtime = ManagedRuntime.make(
    CognitoSync.layer({ region, credentials, endpoint }).pipe(Layer.provide(httpClient))
  )
  const sync = await runtime.runPromise(CognitoSync.CognitoSync)
  return {
    listRecords: () =>
      runtime.runPromise(sync.listRecords(listInput)).then((page) => {
        if (page.Records?.length !== 10) throw new Error("ours: ListRecords did not decode 10 records")
      }),
    updateRecords: () =>
      runtime.runPromise(sync.updateRecords(updateInput)).then((out) => {
        if (out.Records?.length !== 2) throw new Error("ours: UpdateRecords did not decode 2 records")
      }),
    close: () => runtime.dispose()
  }
}

/** `@aws-sdk/client-cognito-sync` with its defaults. */
export const officialDriver = async (endpoint: string): Promise<Driver> => {
  const client = new CognitoSyncClient({ region, endpoint, credentials })
  return {
    listRecords: () =>
      client.send(new ListRecordsCommand(listInput)).then((page) => {
        if (page.Records?.length !== 10) throw new Error("official: ListRecords did not return 10 records")
      }),
    updateRecords: () =>
      client.send(new UpdateRecordsCommand(updateInput)).then((out) => {
        if (out.Records?.length !== 2) throw new Error("official: UpdateRecords did not return 2 records")
      }),
    close: async () => client.destroy()
  }
}

/** The bare transport: an unsigned `FetchHttpClient` request + `response.json`, with the platform's span on. */
export const bareTransportDriver = async (endpoint: string, reuseRequests: boolean): Promise<Driver> => {
  const runtime = ManagedRuntime.make(FetchHttpClient.layer)
  const client = await runtime.runPromise(HttpClient.HttpClient)
  const listRequest = () => HttpClientRequest.get(`${endpoint}${datasetPath}/records?lastSyncCount=39`)
  const updateRequest = () =>
    HttpClientRequest.post(`${endpoint}${datasetPath}`).pipe(HttpClientRequest.bodyText(updateBody, "application/json"))
  const call = (request: () => HttpClientRequest.HttpClientRequest) => {
    const reused = request()
    return () =>
      runtime.runPromise(
        Effect.flatMap(client.execute(reuseRequests ? reused : request()), (response) => response.json)
      )
  }
  return {
    listRecords: call(listRequest),
    updateRecords: call(updateRequest),
    close: () => runtime.dispose()
  }
}

const bareFetchDriver = async (endpoint: string): Promise<Driver> => {
  const url = new URL(endpoint)
  const signer = new SignatureV4({ service: "cognito-sync", region, sha256: Hash.bind(null, "sha256"), credentials })
  const call = async (method: "GET" | "POST", path: string, query: Record<string, string>, body?: string) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path,
      query,
      headers: body === undefined ? { host: url.host } : { host: url.host, "content-type": "application/json" },
      body
    })
    const { host: _host, ...headers } = signed.headers
    const search = new URLSearchParams(query).toString()
    const response = await fetch(`${endpoint}${path}${search === "" ? "" : `?${search}`}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body })
    })
    return response.json()
  }
  return {
    listRecords: () => call("GET", `${datasetPath}/records`, { lastSyncCount: "39" }),
    updateRecords: () => call("POST", datasetPath, {}, updateBody),
    close: async () => {}
  }
}

/** Makes a column's driver against the server at `endpoint`. */
export type DriverFactory = (endpoint: string) => Promise<Driver>

const cpuColumns: Record<Column, DriverFactory> = {
  "ours-fetch": (endpoint) => oursDriver(endpoint, FetchHttpClient.layer),
  "ours-undici": (endpoint) => oursDriver(endpoint, NodeHttpClient.layerUndici),
  official: officialDriver,
  "bare-transport": (endpoint) => bareTransportDriver(endpoint, false),
  "bare-transport-reused": (endpoint) => bareTransportDriver(endpoint, true),
  "bare-fetch": bareFetchDriver
}

/** Runs up to `calls` calls with `concurrency` workers, for at most about `maxMillis`. */
export const runBatch = async (call: Call, calls: number, concurrency: number, maxMillis: number) => {
  let started = 0
  let done = 0
  const t0 = performance.now()
  const deadline = t0 + maxMillis
  const worker = async () => {
    while (started < calls && (done < concurrency || performance.now() < deadline)) {
      started++
      await call()
      done++
    }
  }
  const cpu0 = process.cpuUsage()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const cpu = process.cpuUsage(cpu0)
  const wallMillis = performance.now() - t0
  return { cpuMicros: (cpu.user + cpu.system) / done, callsPerSecond: done / (wallMillis / 1000), calls: done }
}

/** Each round's ratio of one column's CPU to another's in one cell: the two ran within seconds of each other. */
export const roundRatios = (a: Cell, b: Cell): Array<number> => a.rounds.map((value, round) => value / b.rounds[round]!)

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Measures a set of columns: starts the server, warms every column up, runs the interleaved rounds and always
 * stops the server.
 */
export const runColumns = async <K extends string>(
  factories: Record<K, DriverFactory>,
  options: CpuOptions
): Promise<Results<K>> => {
  const columns = Object.keys(factories) as Array<K>
  const server = await startServer(options.serverPath)
  const endpoint = `http://127.0.0.1:${server.port}`
  const drivers = new Map<K, Driver>()
  const started = performance.now()
  try {
    for (const column of columns) drivers.set(column, await factories[column](endpoint))
    options.log(`server on ${endpoint}; warming up (${options.warmupCalls} calls per column and operation)`)
    for (const column of columns) {
      const driver = drivers.get(column)!
      for (const op of operations) {
        await runBatch(driver[op], options.warmupCalls / 2, 1, options.maxBatchMillis)
        await runBatch(driver[op], options.warmupCalls, 64, options.maxBatchMillis)
      }
    }
    const samples = new Map<string, { cpu: Array<number>; rate: Array<number> }>()
    for (let round = 0; round < options.rounds; round++) {
      const t0 = performance.now()
      // Stop before a round that would end past the budget (judged by the rounds so far); one round always runs.
      if (round > 0 && (t0 - started) * (round + 1) / round > options.budgetMillis) {
        options.log(`time budget of ${options.budgetMillis / 1000} s: stopping after ${round} rounds`)
        break
      }
      for (const op of operations) {
        for (const concurrency of concurrencies) {
          for (let i = 0; i < columns.length; i++) {
            const column = columns[(i + round) % columns.length]!
            const result = await runBatch(
              drivers.get(column)![op],
              options.calls[concurrency],
              concurrency,
              options.maxBatchMillis
            )
            const key = `${column}/${op}/${concurrency}`
            const sample = samples.get(key) ?? { cpu: [], rate: [] }
            sample.cpu.push(result.cpuMicros)
            sample.rate.push(result.callsPerSecond)
            samples.set(key, sample)
          }
        }
      }
      options.log(`round ${round + 1}/${options.rounds} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    }
    const cell = (column: K, op: Operation, concurrency: 1 | 64): Cell => {
      const sample = samples.get(`${column}/${op}/${concurrency}`)!
      return { cpuMicros: median(sample.cpu), callsPerSecond: median(sample.rate), rounds: sample.cpu }
    }
    const byOp = (column: K) =>
      Object.fromEntries(
        operations.map((op) => [op, { 1: cell(column, op, 1), 64: cell(column, op, 64) }])
      ) as Record<Operation, Record<1 | 64, Cell>>
    return Object.fromEntries(columns.map((column) => [column, byOp(column)])) as Results<K>
  } finally {
    for (const driver of drivers.values()) await driver.close().catch(() => {})
    await server.stop()
  }
}

/** The CPU benchmark of `npm run bench`: its six columns. */
export const runCpuBench = (options: CpuOptions): Promise<CpuResults> => runColumns(cpuColumns, options)
