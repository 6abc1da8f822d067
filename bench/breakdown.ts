/**
 * Where this client's CPU per call goes, without sockets: the calls run against an in-memory `HttpClient` that
 * answers with the canned bodies of `bench/server.ts` (as web `Response`s through `HttpClientResponse.fromWeb`,
 * as `FetchHttpClient` does). The figures are CPU µs per operation, medians of interleaved rounds:
 *
 * - the whole call (`ours`) against the same in-memory client driven bare (`bare transport`, span on and off):
 *   their difference is what this library adds to the transport;
 * - its stages alone: input validation + encoding (`encodeRequest`), SigV4 signing (`sign`), response decoding
 *   (`decodeResponse`, and `JSON.parse` alone), and Effect's own costs (a `runPromise`, a span).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { CognitoSync, Operations } from "../src/index.js"
import * as RestJson from "../src/internal/restJson.js"
import { makeSigner } from "../src/internal/signer.js"
import { median } from "./cpu.js"
import { listInput, listRecordsBody, updateBody, updateInput, updateRecordsBody } from "./fixtures.js"

export interface BreakdownRow {
  readonly name: string
  readonly listRecords: number
  readonly updateRecords: number
}

const headers = { "content-type": "application/json", "x-amzn-requestid": "b2f7c1de-8f3a-4c55-9a60-3c1d2e4f5a6b" }

/** An `HttpClient` that answers GETs with the ListRecords body and anything else with the UpdateRecords one. */
const cannedClient = HttpClient.make((request) =>
  Effect.sync(() =>
    HttpClientResponse.fromWeb(
      request,
      new Response(request.method === "GET" ? listRecordsBody : updateRecordsBody, { status: 200, headers })
    )
  )
)
const cannedLayer = Layer.succeed(HttpClient.HttpClient, cannedClient)

type Task = () => unknown

const measure = async (task: Task, count: number, maxMillis = 1_000): Promise<number> => {
  const deadline = performance.now() + maxMillis
  let done = 0
  const cpu0 = process.cpuUsage()
  while (done < count && (done < 10 || performance.now() < deadline)) {
    await task()
    done++
  }
  const cpu = process.cpuUsage(cpu0)
  return (cpu.user + cpu.system) / done
}

export const runBreakdown = async (
  options: { readonly rounds: number; readonly count: number; readonly maxBatchMillis: number }
) => {
  const endpoint = "http://127.0.0.1:4599"
  const credentials = { accessKeyId: "AKIDBENCHMARK", secretAccessKey: "benchmark-secret-key" }
  const runtime = ManagedRuntime.make(
    CognitoSync.layer({ region: "us-east-1", credentials, endpoint }).pipe(Layer.provide(cannedLayer))
  )
  const sync = await runtime.runPromise(CognitoSync.CognitoSync)
  const untraced = HttpClient.withTracerDisabledWhen(cannedClient, () => true)
  const datasetUrl = `${endpoint}/identitypools/us-east-1%3A0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10/identities/`
    + `us-east-1%3A2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90/datasets/settings`
  const listRequest = HttpClientRequest.get(`${datasetUrl}/records?lastSyncCount=39`)
  const updateRequest = HttpClientRequest.post(datasetUrl).pipe(
    HttpClientRequest.bodyText(updateBody, "application/json")
  )
  const encodedList = RestJson.encodeRequest(Operations.ListRecords, listInput)
  const encodedUpdate = RestJson.encodeRequest(Operations.UpdateRecords, updateInput)
  if (encodedList._tag === "Left" || encodedUpdate._tag === "Left") throw new Error("the bench inputs are invalid")
  const signer = makeSigner(
    { accessKeyId: credentials.accessKeyId, secretAccessKey: Redacted.make(credentials.secretAccessKey) },
    "us-east-1"
  )
  const url = new URL(endpoint)
  const rawList = { status: 200, headers, body: listRecordsBody }
  const rawUpdate = { status: 200, headers, body: updateRecordsBody }
  const spanned = Effect.withSpan(Effect.void, "CognitoSync.ListRecords", {
    kind: "client",
    captureStackTrace: false,
    attributes: { "rpc.system": "aws-api", "rpc.service": "CognitoSync", "rpc.method": "ListRecords" }
  })

  const rows: ReadonlyArray<readonly [string, Task, Task]> = [
    [
      "ours: the whole call (in-memory transport)",
      () => runtime.runPromise(sync.listRecords(listInput)),
      () => runtime.runPromise(sync.updateRecords(updateInput))
    ],
    [
      "bare transport, platform span on: execute + json",
      () => runtime.runPromise(Effect.flatMap(cannedClient.execute(listRequest), (r) => r.json)),
      () => runtime.runPromise(Effect.flatMap(cannedClient.execute(updateRequest), (r) => r.json))
    ],
    [
      "bare transport, platform span off",
      () => runtime.runPromise(Effect.flatMap(untraced.execute(listRequest), (r) => r.json)),
      () => runtime.runPromise(Effect.flatMap(untraced.execute(updateRequest), (r) => r.json))
    ],
    [
      "encodeRequest (validate input + encode)",
      () => RestJson.encodeRequest(Operations.ListRecords, listInput),
      () => RestJson.encodeRequest(Operations.UpdateRecords, updateInput)
    ],
    [
      "sign (SigV4, node:crypto)",
      () => signer.sign(url, encodedList.right, new Date()),
      () => signer.sign(url, encodedUpdate.right, new Date())
    ],
    [
      "decodeResponse (JSON.parse + Schema decode)",
      () => RestJson.decodeResponse(Operations.ListRecords, rawList),
      () => RestJson.decodeResponse(Operations.UpdateRecords, rawUpdate)
    ],
    ["JSON.parse alone", () => JSON.parse(listRecordsBody), () => JSON.parse(updateRecordsBody)],
    ["runPromise(Effect.void)", () => runtime.runPromise(Effect.void), () => runtime.runPromise(Effect.void)],
    ["runPromise(withSpan(Effect.void))", () => runtime.runPromise(spanned), () => runtime.runPromise(spanned)]
  ]
  try {
    for (const [, list, update] of rows) {
      await measure(list, options.count / 4)
      await measure(update, options.count / 4)
    }
    const samples = rows.map(() => ({ list: [] as Array<number>, update: [] as Array<number> }))
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < rows.length; i++) {
        const [, list, update] = rows[i]!
        samples[i]!.list.push(await measure(list, options.count, options.maxBatchMillis))
        samples[i]!.update.push(await measure(update, options.count, options.maxBatchMillis))
      }
    }
    return rows.map(([name], i): BreakdownRow => ({
      name,
      listRecords: median(samples[i]!.list),
      updateRecords: median(samples[i]!.update)
    }))
  } finally {
    await runtime.dispose()
  }
}
