/**
 * Where a real call's CPU goes above the bare transport: `npm run bench:ladder`. The same loopback server, driver
 * and interleaved rounds as `bench/cpu.ts`, with columns that each add one stage of this client's work to the one
 * before, from the bare transport of DESIGN.md's target up to this client itself:
 *
 * 1. `bare`: the bare transport (an unsigned `FetchHttpClient` request + `response.json`, the platform's span on);
 * 2. `span`: our operation span in place of the platform's (platform span off), `response.text` + `JSON.parse`;
 * 3. `signed`: + SigV4 signing of each request with this library's signer, its headers sent;
 * 4. `decoded`: + the Schema decoding of the answer (`decodeResponse`) in place of `JSON.parse`;
 * 5. `validated`: + the validation and encoding of the input (`encodeRequest`), its path, query and body sent;
 * 6. `client`: this client on `FetchHttpClient`, which adds its credential provider, the attempt's fiber and
 *    timeout, and the retry loop;
 * 7. `official`: `@aws-sdk/client-cognito-sync`, for reference.
 *
 * Steps 2-5 are built from the library's own internals (`encodeRequest`, the signer, `decodeResponse`), so each
 * measures the very code the client runs.
 */
import { FetchHttpClient } from "@effect/platform"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { Operations } from "../src/index.js"
import { toHttpRequest } from "../src/internal/httpInvoker.js"
import * as RestJson from "../src/internal/restJson.js"
import { makeSigner } from "../src/internal/signer.js"
import {
  bareTransportDriver,
  cellHeading,
  cells,
  type CpuOptions,
  type DriverFactory,
  median,
  officialDriver,
  type Operation,
  oursDriver,
  type Results,
  roundRatios,
  runColumns
} from "./cpu.js"
import { credentials, listInput, region, updateInput } from "./fixtures.js"

/** The ladder's columns, in order: each adds one stage to the one before. */
export const steps = ["bare", "span", "signed", "decoded", "validated", "client", "official"] as const
export type Step = (typeof steps)[number]

interface Stages {
  readonly sign: boolean
  readonly decode: boolean
  readonly validate: boolean
}

/** Steps 2-5: the client's stages by hand, under one span like the client's, without its retry and timeout. */
const stagesDriver = (stages: Stages): DriverFactory => async (endpoint) => {
  const runtime = ManagedRuntime.make(FetchHttpClient.layer)
  const client = HttpClient.withTracerDisabledWhen(await runtime.runPromise(HttpClient.HttpClient), () => true)
  const signer = makeSigner(
    { accessKeyId: credentials.accessKeyId, secretAccessKey: Redacted.make(credentials.secretAccessKey) },
    region
  )
  const origin = new URL(endpoint)
  const call = (op: Operations.Any, input: unknown) => {
    const encoded = RestJson.encodeRequest(op, input)
    if (Either.isLeft(encoded)) throw new Error(`ladder: the ${op.name} input is invalid`)
    const spanName = `CognitoSync.${op.name}`
    return () =>
      runtime.runPromise(Effect.useSpan(spanName, { kind: "client", captureStackTrace: false }, (span) => {
        let request = encoded.right
        if (stages.validate) {
          const again = RestJson.encodeRequest(op, input)
          if (Either.isLeft(again)) return Effect.fail(again.left)
          request = again.right
        }
        const url = `${endpoint}${request.path}${request.search === "" ? "" : `?${request.search}`}`
        const httpRequest = toHttpRequest(
          url,
          request,
          stages.sign ? signer.sign(origin, request, new Date()) : request.headers
        )
        return Effect.flatMap(client.execute(httpRequest), (response) =>
          Effect.flatMap(response.text, (body): Effect.Effect<unknown, Error> => {
            span.attribute("http.response.status_code", response.status)
            if (!stages.decode) {
              return Effect.succeed(JSON.parse(body))
            }
            const decoded = RestJson.decodeResponse(op, { status: response.status, headers: response.headers, body })
            return Either.isRight(decoded) ? Effect.succeed(decoded.right) : Effect.fail(decoded.left)
          }))
      }))
  }
  return {
    listRecords: call(Operations.ListRecords, listInput),
    updateRecords: call(Operations.UpdateRecords, updateInput),
    close: () => runtime.dispose()
  }
}

const ladderColumns: Record<Step, DriverFactory> = {
  bare: (endpoint) => bareTransportDriver(endpoint, false),
  span: stagesDriver({ sign: false, decode: false, validate: false }),
  signed: stagesDriver({ sign: true, decode: false, validate: false }),
  decoded: stagesDriver({ sign: true, decode: true, validate: false }),
  validated: stagesDriver({ sign: true, decode: true, validate: true }),
  client: (endpoint) => oursDriver(endpoint, FetchHttpClient.layer),
  official: officialDriver
}

/** The ladder of `npm run bench:ladder`. */
export const runLadderBench = (options: CpuOptions) => runColumns(ladderColumns, options)

const labels: Record<Step, string> = {
  bare: "1. bare transport (unsigned FetchHttpClient request + json, platform span on)",
  span: "2. our span in place of the platform's, text + JSON.parse",
  signed: "3. + SigV4 signing (headers sent)",
  decoded: "4. + Schema decoding of the answer",
  validated: "5. + validated encoding of the input",
  client: "6. this client (+ credentials, attempt fiber and timeout, retry loop)",
  official: "official @aws-sdk/client-cognito-sync (reference)"
}

/** The Markdown tables of a ladder run: CPU per call, and each step's ratio to the bare transport with its spread. */
export const ladderTables = (results: Results<Step>): string => {
  const header = `| step | ${cells.map(cellHeading).join(" | ")} |`
  const rule = `| --- | ${cells.map(() => "---:").join(" | ")} |`
  const quartiles = (step: Step, op: Operation, c: 1 | 64) => {
    const ratios = roundRatios(results[step][op][c], results.bare[op][c]).sort((a, b) => a - b)
    const at = (q: number) => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))]!
    return `${median(ratios).toFixed(2)}x (${at(0.25).toFixed(2)}-${at(0.75).toFixed(2)})`
  }
  return [
    "CPU per call, µs (median of the rounds):",
    "",
    header,
    rule,
    ...steps.map((step) =>
      `| ${labels[step]} | ${cells.map(([op, c]) => results[step][op][c].cpuMicros.toFixed(0)).join(" | ")} |`
    ),
    "",
    "Ratio to the bare transport: the median of the rounds' ratios, with the quartiles of those ratios:",
    "",
    header,
    rule,
    ...steps.map((step) => `| ${labels[step]} | ${cells.map(([op, c]) => quartiles(step, op, c)).join(" | ")} |`)
  ].join("\n")
}
