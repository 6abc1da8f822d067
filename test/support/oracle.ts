/**
 * Differential-testing harness: runs one operation through our client and through the official
 * `@aws-sdk/client-cognito-sync` (the oracle), each over a fake transport that records the request and answers
 * with a canned response, and returns both in one comparable shape.
 */
import * as Sdk from "@aws-sdk/client-cognito-sync"
import { HttpClient, HttpClientResponse } from "@effect/platform"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
// The SDK's own transport primitives (a dependency of the oracle): the response class its handlers return and
// the query-string builder its Node and fetch handlers put on the wire.
import { buildQueryString, type HttpRequest as SdkHttpRequest, HttpResponse } from "@smithy/core/protocols"
import { Cause, Effect, Exit, Option } from "effect"
import { Readable } from "node:stream"
import * as CognitoSync from "../../src/CognitoSync.js"
import * as E from "../../src/CognitoSyncError.js"
import type { OperationName } from "../../src/Operations.js"

export const region = "us-east-1"
export const endpoint = "http://127.0.0.1:4599"
export const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }

/** A canned HTTP answer. */
export interface CannedResponse {
  readonly status: number
  readonly headers?: { readonly [name: string]: string }
  readonly body: string
}

export const ok = (body: unknown): CannedResponse => ({ status: 200, body: JSON.stringify(body) })

/** The parts of a request that conformance compares. */
export interface WireRequest {
  readonly method: string
  /** The path exactly as sent (percent-encoded). */
  readonly path: string
  /** The query as `key=value` pairs exactly as sent (still percent-encoded), sorted. */
  readonly rawQuery: ReadonlyArray<string>
  /** The query pairs decoded, sorted by key. */
  readonly query: ReadonlyArray<readonly [string, string]>
  readonly clientContext: string | undefined
  readonly contentType: string | undefined
  readonly body: string | undefined
}

/** How a call ended, in a form both clients share. */
export type Result =
  | { readonly _tag: "Success"; readonly value: unknown }
  | {
    readonly _tag: "Failure"
    /** SDK: `error.name`. Ours: the AWS code of a service error, else the `_tag`. */
    readonly name: string
    /** SDK: the error's class name. Ours: the `_tag`. */
    readonly tag: string
    readonly message: string
    readonly status: number | undefined
    readonly requestId: string | undefined
  }

export interface Outcome {
  /** Every request the client sent (more than one would mean it retried). */
  readonly requests: ReadonlyArray<WireRequest>
  readonly result: Result
}

const rawPairs = (search: string): Array<string> => search === "" ? [] : search.split("&").sort()

const decodedPairs = (raw: ReadonlyArray<string>): Array<readonly [string, string]> =>
  raw.map((pair) => {
    const equals = pair.indexOf("=")
    const key = equals < 0 ? pair : pair.slice(0, equals)
    const value = equals < 0 ? "" : pair.slice(equals + 1)
    return [decodeURIComponent(key), decodeURIComponent(value)] as const
  }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

const utf8 = new TextDecoder("utf-8", { fatal: true })

// ---------------------------------------------------------------------------------------------------------------
// The official client
// ---------------------------------------------------------------------------------------------------------------

const sdkBody = (body: unknown): string | undefined => {
  if (body === undefined || body === null) return undefined
  if (typeof body === "string") return body
  if (body instanceof Uint8Array) return utf8.decode(body)
  throw new Error(`unexpected SDK request body: ${Object.prototype.toString.call(body)}`)
}

const headerOf = (headers: { readonly [name: string]: string | undefined }, name: string): string | undefined => {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value
  }
  return undefined
}

const sdkWire = (request: SdkHttpRequest): WireRequest => {
  // What the SDK's Node (and fetch) handler puts on the wire: `path` as is, `query` through buildQueryString.
  const rawQuery = rawPairs(buildQueryString(request.query))
  return {
    method: request.method,
    path: request.path,
    rawQuery,
    query: decodedPairs(rawQuery),
    clientContext: headerOf(request.headers, "x-amz-client-context"),
    contentType: headerOf(request.headers, "content-type"),
    body: sdkBody(request.body)
  }
}

type SdkCall<N extends OperationName> = (
  client: Sdk.CognitoSyncClient,
  input: CognitoSync.Input<N>
) => Promise<object>

// Our inputs use readonly arrays; the SDK's input types want mutable ones, hence the copies.
const sdkCalls: { readonly [N in OperationName]: SdkCall<N> } = {
  BulkPublish: (c, i) => c.send(new Sdk.BulkPublishCommand(i)),
  DeleteDataset: (c, i) => c.send(new Sdk.DeleteDatasetCommand(i)),
  DescribeDataset: (c, i) => c.send(new Sdk.DescribeDatasetCommand(i)),
  DescribeIdentityPoolUsage: (c, i) => c.send(new Sdk.DescribeIdentityPoolUsageCommand(i)),
  DescribeIdentityUsage: (c, i) => c.send(new Sdk.DescribeIdentityUsageCommand(i)),
  GetBulkPublishDetails: (c, i) => c.send(new Sdk.GetBulkPublishDetailsCommand(i)),
  GetCognitoEvents: (c, i) => c.send(new Sdk.GetCognitoEventsCommand(i)),
  GetIdentityPoolConfiguration: (c, i) => c.send(new Sdk.GetIdentityPoolConfigurationCommand(i)),
  ListDatasets: (c, i) => c.send(new Sdk.ListDatasetsCommand(i)),
  ListIdentityPoolUsage: (c, i) => c.send(new Sdk.ListIdentityPoolUsageCommand(i)),
  ListRecords: (c, i) => c.send(new Sdk.ListRecordsCommand(i)),
  RegisterDevice: (c, i) => c.send(new Sdk.RegisterDeviceCommand(i)),
  SetCognitoEvents: (c, i) => c.send(new Sdk.SetCognitoEventsCommand(i)),
  SetIdentityPoolConfiguration: (c, i) =>
    c.send(
      new Sdk.SetIdentityPoolConfigurationCommand({
        ...i,
        PushSync: i.PushSync === undefined ? undefined : {
          ...i.PushSync,
          ApplicationArns: i.PushSync.ApplicationArns === undefined ? undefined : [...i.PushSync.ApplicationArns]
        }
      })
    ),
  SubscribeToDataset: (c, i) => c.send(new Sdk.SubscribeToDatasetCommand(i)),
  UnsubscribeFromDataset: (c, i) => c.send(new Sdk.UnsubscribeFromDatasetCommand(i)),
  UpdateRecords: (c, i) =>
    c.send(
      new Sdk.UpdateRecordsCommand({
        ...i,
        RecordPatches: i.RecordPatches === undefined ? undefined : i.RecordPatches.map((patch) => ({ ...patch }))
      })
    )
}

let sdkPending: { response: CannedResponse; requests: Array<WireRequest> } | undefined

const sdkClient = new Sdk.CognitoSyncClient({
  region,
  endpoint,
  credentials,
  maxAttempts: 1,
  requestHandler: {
    handle: async (request: SdkHttpRequest) => {
      const pending = sdkPending
      if (pending === undefined) throw new Error("no canned response")
      pending.requests.push(sdkWire(request))
      return {
        response: new HttpResponse({
          statusCode: pending.response.status,
          // Node's http module hands header names over in lower case.
          headers: Object.fromEntries(
            Object.entries(pending.response.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])
          ),
          body: Readable.from([Buffer.from(pending.response.body, "utf8")])
        })
      }
    }
  }
})

const fieldOf = (u: object, key: string): unknown => (key in u ? Reflect.get(u, key) : undefined)

const withoutMetadata = (value: object): unknown =>
  Object.fromEntries(Object.entries(value).filter(([key]) => key !== "$metadata"))

/** Runs an operation through the official client. */
export const runSdk = <N extends OperationName>(
  name: N,
  input: CognitoSync.Input<N>,
  response: CannedResponse
): Effect.Effect<Outcome> =>
  Effect.promise(async (): Promise<Outcome> => {
    const pending = { response, requests: [] }
    sdkPending = pending
    try {
      const value = await sdkCalls[name](sdkClient, input)
      return { requests: pending.requests, result: { _tag: "Success", value: withoutMetadata(value) } }
    } catch (error) {
      if (!(error instanceof Error)) throw error
      const metadata = fieldOf(error, "$metadata")
      const status = typeof metadata === "object" && metadata !== null ? fieldOf(metadata, "httpStatusCode") : undefined
      const requestId = typeof metadata === "object" && metadata !== null ? fieldOf(metadata, "requestId") : undefined
      return {
        requests: pending.requests,
        result: {
          _tag: "Failure",
          name: error.name,
          tag: error.constructor.name,
          message: error.message,
          status: typeof status === "number" ? status : undefined,
          requestId: typeof requestId === "string" ? requestId : undefined
        }
      }
    } finally {
      sdkPending = undefined
    }
  })

// ---------------------------------------------------------------------------------------------------------------
// Our client
// ---------------------------------------------------------------------------------------------------------------

const ourBody = (request: HttpClientRequest.HttpClientRequest): { text?: string; contentType?: string } => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return {}
    case "Uint8Array":
      return { text: utf8.decode(body.body), contentType: body.contentType }
    default:
      throw new Error(`unexpected request body ${body._tag}`)
  }
}

const ourWire = (request: HttpClientRequest.HttpClientRequest, url: URL): WireRequest => {
  // `url` is the URL the platform client actually sends (after its own URL parsing), so this is the wire form.
  const rawQuery = rawPairs(url.search.replace(/^\?/, ""))
  const body = ourBody(request)
  return {
    method: request.method,
    path: url.pathname,
    rawQuery,
    query: decodedPairs(rawQuery),
    clientContext: request.headers["x-amz-client-context"],
    contentType: request.headers["content-type"] ?? body.contentType,
    body: body.text
  }
}

type OurCall<N extends OperationName> = (
  service: CognitoSync.Service,
  input: CognitoSync.Input<N>
) => Effect.Effect<CognitoSync.Output<N>, CognitoSync.Failure<N>>

const ourCalls: { readonly [N in OperationName]: OurCall<N> } = {
  BulkPublish: (s, i) => s.bulkPublish(i),
  DeleteDataset: (s, i) => s.deleteDataset(i),
  DescribeDataset: (s, i) => s.describeDataset(i),
  DescribeIdentityPoolUsage: (s, i) => s.describeIdentityPoolUsage(i),
  DescribeIdentityUsage: (s, i) => s.describeIdentityUsage(i),
  GetBulkPublishDetails: (s, i) => s.getBulkPublishDetails(i),
  GetCognitoEvents: (s, i) => s.getCognitoEvents(i),
  GetIdentityPoolConfiguration: (s, i) => s.getIdentityPoolConfiguration(i),
  ListDatasets: (s, i) => s.listDatasets(i),
  ListIdentityPoolUsage: (s, i) => s.listIdentityPoolUsage(i),
  ListRecords: (s, i) => s.listRecords(i),
  RegisterDevice: (s, i) => s.registerDevice(i),
  SetCognitoEvents: (s, i) => s.setCognitoEvents(i),
  SetIdentityPoolConfiguration: (s, i) => s.setIdentityPoolConfiguration(i),
  SubscribeToDataset: (s, i) => s.subscribeToDataset(i),
  UnsubscribeFromDataset: (s, i) => s.unsubscribeFromDataset(i),
  UpdateRecords: (s, i) => s.updateRecords(i)
}

const failureOf = (error: E.CognitoSyncError): Result => {
  if (E.isServiceError(error)) {
    return {
      _tag: "Failure",
      name: E.errorCode(error),
      tag: error._tag,
      message: error.message,
      status: error.status,
      requestId: error.requestId
    }
  }
  return {
    _tag: "Failure",
    name: error._tag,
    tag: error._tag,
    message: error._tag === "CognitoSyncValidationError" ? `${error.path}: ${error.message}` : error.message,
    status: undefined,
    requestId: undefined
  }
}

let ourPending: { response: CannedResponse; requests: Array<WireRequest> } | undefined

// One client for the whole run (as with the official client), answering whatever the current call is given.
const ourService = Effect.runSync(
  CognitoSync.make({ region, credentials, endpoint, maxAttempts: 1 }).pipe(
    Effect.provideService(
      HttpClient.HttpClient,
      HttpClient.make((request, url) =>
        Effect.sync(() => {
          const pending = ourPending
          if (pending === undefined) throw new Error("no canned response")
          pending.requests.push(ourWire(request, url))
          return HttpClientResponse.fromWeb(
            request,
            new Response(pending.response.body, {
              status: pending.response.status,
              headers: { ...pending.response.headers }
            })
          )
        })
      )
    )
  )
)

/** Runs an operation through our client (the public service, retries off) over a recording fake transport. */
export const runOurs = <N extends OperationName>(
  name: N,
  input: CognitoSync.Input<N>,
  response: CannedResponse
): Effect.Effect<Outcome> =>
  Effect.suspend(() => {
    const pending = { response, requests: [] }
    ourPending = pending
    return Effect.exit(ourCalls[name](ourService, input)).pipe(
      Effect.flatMap((exit): Effect.Effect<Outcome> => {
        if (Exit.isSuccess(exit)) {
          return Effect.succeed({ requests: pending.requests, result: { _tag: "Success", value: exit.value } })
        }
        const failure = Cause.failureOption(exit.cause)
        if (Option.isNone(failure)) return Effect.dieMessage(`defect: ${Cause.pretty(exit.cause)}`)
        return Effect.succeed({ requests: pending.requests, result: failureOf(failure.value) })
      }),
      Effect.ensuring(Effect.sync(() => {
        ourPending = undefined
      }))
    )
  })

/** Runs an operation through both clients with the same input and canned response. */
export const runBoth = <N extends OperationName>(
  name: N,
  input: CognitoSync.Input<N>,
  response: CannedResponse
): Effect.Effect<{ readonly ours: Outcome; readonly sdk: Outcome }> =>
  // One after the other: each client has one pending canned response at a time.
  Effect.all({ ours: runOurs(name, input, response), sdk: runSdk(name, input, response) }, { concurrency: 1 })

// ---------------------------------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------------------------------

/**
 * A value made comparable: `Date`s become `{ $date: epochMillis }` (and an invalid date `{ $date: NaN }`),
 * members whose value is `undefined` are dropped.
 */
export const normalize = (value: unknown): unknown => {
  if (value instanceof Date) return { $date: value.getTime() }
  if (Array.isArray(value)) return value.map(normalize)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, normalize(v)] as const)
    )
  }
  return value
}

/** The number literals of a JSON text, exactly as written, in order. */
export const jsonNumberTokens = (json: string): Array<string> => {
  const tokens: Array<string> = []
  let i = 0
  while (i < json.length) {
    const c = json[i]
    if (c === "\"") {
      i++
      while (i < json.length && json[i] !== "\"") i += json[i] === "\\" ? 2 : 1
      i++
    } else if (c !== undefined && /[-0-9]/.test(c)) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(json.slice(i))
      const token = match?.[0] ?? c
      tokens.push(token)
      i += token.length
    } else {
      i++
    }
  }
  return tokens
}
