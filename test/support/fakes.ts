/**
 * Shared fakes for the client's unit tests: a recording fake `HttpClient`, canned answers, test ids and
 * credentials, and one sample call per operation.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as CognitoSync from "../../src/CognitoSync.js"
import type * as CognitoSyncError from "../../src/CognitoSyncError.js"
import type * as Operations from "../../src/Operations.js"

// ---------------------------------------------------------------------------------------------------------------
// Test ids and credentials
// ---------------------------------------------------------------------------------------------------------------

export const POOL_ID = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000"
export const POOL_ID_ENCODED = "us-east-1%3A0f1e2d3c-aaaa-bbbb-cccc-000000000000"
export const IDENTITY_ID = "us-east-1:11111111-2222-3333-4444-555555555555"
export const IDENTITY_ID_ENCODED = "us-east-1%3A11111111-2222-3333-4444-555555555555"
export const DATASET = "settings"

export const ACCESS_KEY_ID = "AKIDFAKETESTKEY00001"
/** Distinctive strings, so a test can check that they never show up in an error. */
export const SECRET_ACCESS_KEY = "sEcReT+aCcEsS/KeY-MUST-NOT-LEAK"
export const SESSION_TOKEN = "SeSsIoN-ToKeN-MUST-NOT-LEAK"

/** Options of a client over the fake transport, in us-east-1 with static credentials. */
export const defaultOptions = {
  region: "us-east-1",
  credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY }
} satisfies CognitoSync.Options

// ---------------------------------------------------------------------------------------------------------------
// Recording fake HttpClient
// ---------------------------------------------------------------------------------------------------------------

/** A request as the fake transport saw it. */
export interface RecordedRequest {
  readonly method: string
  /** The URL exactly as the client built it (path and query percent-encoded). */
  readonly url: string
  /** Origin of the URL, for example `https://cognito-sync.us-east-1.amazonaws.com`. */
  readonly origin: string
  /** The percent-encoded path, as sent. */
  readonly path: string
  /** The percent-encoded query string without `?`, "" when there is none. */
  readonly search: string
  /** The decoded query parameters. */
  readonly query: Readonly<Record<string, string>>
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as text; undefined when the request has none. */
  readonly body: string | undefined
}

/** A canned answer. `body`: a string is sent as is, anything else as JSON, undefined as an empty body. */
export interface CannedResponse {
  readonly _tag?: "Response"
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
}

/** What the fake does with a request. */
export type Reply =
  | CannedResponse
  /** The request fails in the transport (connection refused, DNS, TLS). */
  | { readonly _tag: "TransportError"; readonly message: string }
  /** The status line and headers arrive, then the body breaks off. */
  | { readonly _tag: "BrokenBody"; readonly status: number; readonly message: string }
  /** No answer, ever. */
  | { readonly _tag: "Never" }

export type Responder = (request: RecordedRequest, index: number) => Reply

export interface FakeTransport {
  readonly client: HttpClient.HttpClient
  /** Every request sent so far, in order. */
  readonly requests: ReadonlyArray<RecordedRequest>
  /** How many requests were sent so far. */
  readonly count: () => number
  /** The last request sent; throws when there was none. */
  readonly last: () => RecordedRequest
}

const decoder = new TextDecoder()

const bodyText = (request: HttpClientRequest.HttpClientRequest): string | undefined => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return undefined
    case "Uint8Array":
      return decoder.decode(body.body)
    case "Raw":
      return typeof body.body === "string" ? body.body : String(body.body)
    default:
      return `<${body._tag} body>`
  }
}

const record = (request: HttpClientRequest.HttpClientRequest): RecordedRequest => {
  const question = request.url.indexOf("?")
  const base = question >= 0 ? request.url.slice(0, question) : request.url
  const search = question >= 0 ? request.url.slice(question + 1) : ""
  const url = new URL(base)
  return {
    method: request.method,
    url: request.url,
    origin: url.origin,
    // `new URL` keeps percent-escapes as they are, so this is the path as sent.
    path: base.slice(url.origin.length),
    search,
    query: Object.fromEntries(new URLSearchParams(search)),
    headers: { ...request.headers },
    body: bodyText(request)
  }
}

const toWeb = (reply: CannedResponse): Response => {
  const text = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body)
  return new Response(text, { status: reply.status ?? 200, headers: reply.headers ?? {} })
}

/**
 * A fake `HttpClient` that records every request and answers with `reply`: one answer for every request, a list
 * of answers in order (the last one repeats), or a function of the request and its index.
 */
export const makeFake = (reply: Responder | Reply | ReadonlyArray<Reply> = ok({})): FakeTransport => {
  const requests: Array<RecordedRequest> = []
  const responder: Responder = typeof reply === "function"
    ? reply
    : isReplyList(reply)
    ? (_, index) => reply[Math.min(index, reply.length - 1)] ?? ok({})
    : () => reply
  const client = HttpClient.make((request) =>
    Effect.suspend(() => {
      const recorded = record(request)
      const index = requests.length
      requests.push(recorded)
      const answer = responder(recorded, index)
      switch (answer._tag) {
        case "TransportError":
          return Effect.fail(
            new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error(answer.message) })
          )
        case "Never":
          return Effect.never
        case "BrokenBody": {
          const stream = new ReadableStream<Uint8Array>({
            start: (controller) => controller.error(new Error(answer.message))
          })
          return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(stream, { status: answer.status })))
        }
        default:
          return Effect.succeed(HttpClientResponse.fromWeb(request, toWeb(answer)))
      }
    })
  )
  return {
    client,
    requests,
    count: () => requests.length,
    last: () => {
      const last = requests[requests.length - 1]
      if (last === undefined) throw new Error("no request was sent")
      return last
    }
  }
}

const isReplyList = (reply: Reply | ReadonlyArray<Reply>): reply is ReadonlyArray<Reply> => Array.isArray(reply)

/** The service over a fake transport. */
export const makeService = (
  fake: FakeTransport,
  options: CognitoSync.Options = defaultOptions
): Effect.Effect<CognitoSync.Service> =>
  CognitoSync.make(options).pipe(Effect.provideService(HttpClient.HttpClient, fake.client))

// ---------------------------------------------------------------------------------------------------------------
// Canned answers
// ---------------------------------------------------------------------------------------------------------------

/** A 200 answer with a JSON body. */
export const ok = (body: unknown, headers: Readonly<Record<string, string>> = {}): CannedResponse => ({
  status: 200,
  headers: { "content-type": "application/json", ...headers },
  body
})

/**
 * An error answer as the service sends it: `x-amzn-ErrorType: Code:<uri>` (or the bare code, or no header), a
 * JSON body with `message`, and a request id.
 */
export const awsError = (
  status: number,
  code: string,
  message: string = `${code} message`,
  options: {
    readonly form?: "uri" | "bare" | "none"
    readonly requestId?: string
    readonly headers?: Readonly<Record<string, string>>
  } = {}
): CannedResponse => {
  const form = options.form ?? "uri"
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers }
  if (form === "uri") {
    headers["x-amzn-errortype"] = `${code}:http://internal.amazon.com/coral/com.amazonaws.cognito.sync.model/`
  }
  if (form === "bare") headers["x-amzn-errortype"] = code
  headers["x-amzn-requestid"] = options.requestId ?? "req-error-1"
  return { status, headers, body: { message } }
}

export const transportError = (message = "connect ECONNREFUSED 127.0.0.1:1"): Reply => ({
  _tag: "TransportError",
  message
})

export const brokenBody = (status = 200, message = "socket hang up"): Reply => ({ _tag: "BrokenBody", status, message })

export const never: Reply = { _tag: "Never" }

// ---------------------------------------------------------------------------------------------------------------
// One sample call per operation
// ---------------------------------------------------------------------------------------------------------------

export interface SampleCall {
  readonly operation: Operations.OperationName
  readonly call: (service: CognitoSync.Service) => Effect.Effect<unknown, CognitoSyncError.CognitoSyncError>
}

const pool = { IdentityPoolId: POOL_ID }
const identity = { IdentityPoolId: POOL_ID, IdentityId: IDENTITY_ID }
const dataset = { ...identity, DatasetName: DATASET }

/** A valid call of each of the 17 operations. */
export const sampleCalls: ReadonlyArray<SampleCall> = [
  { operation: "BulkPublish", call: (s) => s.bulkPublish(pool) },
  { operation: "DeleteDataset", call: (s) => s.deleteDataset(dataset) },
  { operation: "DescribeDataset", call: (s) => s.describeDataset(dataset) },
  { operation: "DescribeIdentityPoolUsage", call: (s) => s.describeIdentityPoolUsage(pool) },
  { operation: "DescribeIdentityUsage", call: (s) => s.describeIdentityUsage(identity) },
  { operation: "GetBulkPublishDetails", call: (s) => s.getBulkPublishDetails(pool) },
  { operation: "GetCognitoEvents", call: (s) => s.getCognitoEvents(pool) },
  { operation: "GetIdentityPoolConfiguration", call: (s) => s.getIdentityPoolConfiguration(pool) },
  { operation: "ListDatasets", call: (s) => s.listDatasets(identity) },
  { operation: "ListIdentityPoolUsage", call: (s) => s.listIdentityPoolUsage({}) },
  { operation: "ListRecords", call: (s) => s.listRecords({ ...dataset, LastSyncCount: 0 }) },
  { operation: "RegisterDevice", call: (s) => s.registerDevice({ ...identity, Platform: "GCM", Token: "push-token" }) },
  {
    operation: "SetCognitoEvents",
    call: (s) =>
      s.setCognitoEvents({ ...pool, Events: { SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:f" } })
  },
  { operation: "SetIdentityPoolConfiguration", call: (s) => s.setIdentityPoolConfiguration(pool) },
  { operation: "SubscribeToDataset", call: (s) => s.subscribeToDataset({ ...dataset, DeviceId: "device-1" }) },
  { operation: "UnsubscribeFromDataset", call: (s) => s.unsubscribeFromDataset({ ...dataset, DeviceId: "device-1" }) },
  {
    operation: "UpdateRecords",
    call: (s) =>
      s.updateRecords({
        ...dataset,
        SyncSessionToken: "sst",
        RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
      })
  }
]

/**
 * Passes a value the types would refuse, as a JavaScript caller could, to check the runtime validation.
 */
export const untyped = <Name extends Operations.OperationName>(value: unknown): CognitoSync.Input<Name> =>
  value as CognitoSync.Input<Name>
