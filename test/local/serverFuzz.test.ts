/**
 * Bad-input fuzzing of the local server with fast-check: random methods, paths (random segments with '%', '..',
 * unicode, overlong labels), queries, headers (broken Authorization headers included) and bodies (random JSON,
 * random bytes, huge strings within the size limit, real inputs with wrong member types). Some requests are
 * signed validly so they get past SigV4 and reach input decoding; others are not. Every answer must be a 2xx or
 * a 4xx with the service's headers, never a 5xx or a dropped connection, and the server must still serve a valid
 * request afterwards.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import * as Net from "node:net"
import { modeledErrors } from "../../src/CognitoSyncError.js"
import { all as allOperations } from "../../src/Operations.js"
import {
  datasetPath,
  hasCommonHeaders,
  identityA,
  jsonBody,
  poolId,
  rawRequestPromise,
  signedRequest,
  signHeaders,
  startServer
} from "./serverSupport.js"

const maxBodyBytes = 64 * 1024
const modeledNames: ReadonlySet<string> = new Set(modeledErrors.map((error) => error._tag))

/** Percent-encodes what Node refuses to put in a request line (controls, space, non-ASCII), keeping the rest raw. */
const wireSafe = (text: string): string =>
  Array.from(text, (char) => {
    const code = char.codePointAt(0)!
    if (code > 0x20 && code < 0x7f && char !== "?" && char !== "#") return char
    if (code >= 0xd800 && code <= 0xdfff) return "%ED%A0%80" // a lone surrogate, as its (invalid) UTF-8 bytes
    return Array.from(Buffer.from(char, "utf8"), (byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`)
      .join("")
  }).join("")

const nastySegment = fc.oneof(
  fc.constantFrom(
    "%",
    "%2",
    "%zz",
    "%00",
    "%2F",
    "%252F",
    "%E0%A4%A",
    "%C0%AF",
    "..",
    ".",
    "",
    ":",
    "é",
    "日本語",
    "😀",
    "\u0000",
    "x".repeat(300),
    "identitypools",
    "identities",
    "datasets",
    "records",
    "configuration",
    "events",
    "bulkpublish",
    "subscriptions",
    poolId,
    encodeURIComponent(identityA)
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 12 })
)

const validPool = encodeURIComponent(poolId)
const validIdentity = encodeURIComponent(identityA)

/** A real route with its own method (mostly), each label valid (mostly) or nasty. */
const routeRequest = fc.tuple(
  fc.constantFrom(...allOperations),
  fc.array(fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: nastySegment, weight: 1 }), {
    minLength: 4,
    maxLength: 4
  }),
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, {
    arbitrary: fc.constantFrom("GET", "POST", "DELETE", "PUT", "HEAD"),
    weight: 1
  })
).map(([op, segments, otherMethod]) => {
  let index = 0
  const path = op.uri.replace(/\{([A-Za-z]+)\}/g, (_, label: string) => {
    const nasty = segments[index++]
    if (nasty !== undefined) return wireSafe(nasty)
    return label === "IdentityPoolId" ? validPool : label === "IdentityId" ? validIdentity : label === "DeviceId"
      ? "device-1"
      : "settings"
  })
  return { method: otherMethod ?? op.method, path }
})

/** A path of random segments. */
const randomPath = fc.array(fc.tuple(fc.constantFrom("/", "//", "/./", "/../"), nastySegment), { maxLength: 8 }).map(
  (parts) => parts.map(([separator, segment]) => separator + wireSafe(segment)).join("") || "/"
)

const queryValue = fc.oneof(
  fc.constantFrom("0", "-1", "1.5", "1e400", "abc", "", "%", "%zz", "99999999999999999999", "1"),
  fc.string({ maxLength: 30 })
)
const query = fc.dictionary(
  fc.oneof(
    fc.constantFrom("maxResults", "nextToken", "lastSyncCount", "syncSessionToken"),
    fc.string({ maxLength: 8 })
  ),
  queryValue,
  { maxKeys: 4 }
)

const anyJson = fc.jsonValue({ maxDepth: 4 })
const patchLike = fc.record({
  Op: fc.oneof(fc.constantFrom("replace", "remove"), anyJson),
  Key: fc.oneof(fc.string({ maxLength: 40 }), anyJson),
  Value: fc.oneof(fc.string({ maxLength: 40 }), anyJson),
  SyncCount: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), fc.string({ maxLength: 4 }), anyJson),
  DeviceLastModifiedDate: fc.oneof(fc.double(), fc.string({ maxLength: 12 }), anyJson)
}, { requiredKeys: [] })
const inputLike = fc.record({
  SyncSessionToken: fc.oneof(fc.string({ maxLength: 20 }), anyJson),
  RecordPatches: fc.oneof(fc.array(patchLike, { maxLength: 4 }), anyJson),
  DeviceId: fc.oneof(fc.string({ maxLength: 300 }), anyJson),
  Platform: fc.oneof(fc.constantFrom("GCM", "APNS", "WINDOWS"), anyJson),
  Token: fc.oneof(fc.string({ maxLength: 20 }), anyJson),
  Events: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }), anyJson),
  PushSync: fc.oneof(fc.record({ ApplicationArns: anyJson, RoleArn: anyJson }, { requiredKeys: [] }), anyJson),
  CognitoStreams: fc.oneof(
    fc.record({ StreamName: anyJson, RoleArn: anyJson, StreamingStatus: anyJson }, { requiredKeys: [] }),
    anyJson
  )
}, { requiredKeys: [] })

const body = fc.oneof(
  { arbitrary: fc.constant<string | Uint8Array | undefined>(undefined), weight: 2 },
  { arbitrary: inputLike.map((input) => JSON.stringify(input)), weight: 6 },
  { arbitrary: anyJson.map((json) => JSON.stringify(json)), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 2048 }), weight: 1 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
  {
    arbitrary: fc.integer({ min: 1, max: maxBodyBytes - 64 }).map((size) =>
      JSON.stringify({ SyncSessionToken: "x".repeat(size) })
    ),
    weight: 1
  },
  { arbitrary: fc.integer({ min: 1, max: maxBodyBytes - 64 }).map((size) => "{".repeat(size)), weight: 1 }
)

const headerValue = fc.string({ maxLength: 60 }).map((text) => text.replace(/[^\t\x20-\x7e]/g, ""))
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/)
const brokenAuthorization = fc.oneof(
  fc.constantFrom(
    "",
    "AWS4-HMAC-SHA256",
    "AWS4-HMAC-SHA256 Credential=",
    "Bearer token",
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-sync/aws4_request",
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-sync/aws4_request, SignedHeaders=, Signature=00",
    "AWS test:abc"
  ),
  headerValue,
  fc.tuple(
    fc.constantFrom("test", "nobody", "", "a/b"),
    fc.constantFrom("20260101", "99999999", "2026"),
    fc.constantFrom("us-east-1", "", "x"),
    fc.constantFrom("cognito-sync", "s3", ""),
    fc.constantFrom("host;x-amz-date", "host", "x-missing", "Host;X-Amz-Date", ";;", "authorization;host;x-amz-date"),
    hex64
  ).map(([key, date, region, service, signed, signature]) =>
    `AWS4-HMAC-SHA256 Credential=${key}/${date}/${region}/${service}/aws4_request, SignedHeaders=${signed}, Signature=${signature}`
  )
)
const extraHeaders = fc.record({
  authorization: brokenAuthorization,
  "x-amz-date": fc.oneof(fc.constantFrom("20260101T000000Z", "garbage", "99991340T256199Z", ""), headerValue),
  "content-type": fc.oneof(
    fc.constantFrom("application/json", "text/plain", "application/x-amz-json-1.1"),
    headerValue
  ),
  "x-amz-client-context": headerValue,
  "x-amz-security-token": headerValue,
  "x-amz-content-sha256": fc.oneof(fc.constant("UNSIGNED-PAYLOAD"), hex64, headerValue),
  origin: fc.constantFrom("http://app.example", "null")
}, { requiredKeys: [] })

/** Any method: mostly standard ones; tokens Node's parser does not know now and then. */
const anyMethod = fc.oneof(
  { arbitrary: fc.constantFrom("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"), weight: 5 },
  { arbitrary: fc.stringMatching(/^[A-Z]{1,8}$/), weight: 1 }
)

const fuzzRequest = fc.record({
  target: fc.oneof(
    { arbitrary: routeRequest, weight: 4 },
    { arbitrary: fc.record({ method: anyMethod, path: randomPath }), weight: 1 }
  ),
  query,
  body,
  headers: extraHeaders,
  signed: fc.boolean()
})

type FuzzRequest = typeof fuzzRequest extends fc.Arbitrary<infer A> ? A : never

const queryText = (q: { readonly [key: string]: string }): string => {
  const pairs = Object.entries(q).map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
  return pairs.length === 0 ? "" : `?${pairs.join("&")}`
}

const send = async (port: number, request: FuzzRequest) => {
  const { method, path: bare } = request.target
  const path = bare + queryText(request.query)
  if (!request.signed) return rawRequestPromise(port, { method, path, headers: request.headers, body: request.body })
  // Signed validly: the broken authorization and date are left out; the others are signed along.
  const { authorization: _a, "x-amz-date": _d, ...others } = request.headers
  const bodyText = request.body instanceof Uint8Array ? Buffer.from(request.body).toString("latin1") : request.body
  const headers = await signHeaders({
    port,
    method,
    path: bare,
    query: request.query,
    headers: others,
    ...(bodyText === undefined ? {} : { body: bodyText })
  })
  return rawRequestPromise(port, { method, path, headers, body: bodyText })
}

describe("local server: fuzzing", () => {
  it("answers 300 random requests with a 2xx or a 4xx, never a 5xx, and keeps serving", async () => {
    const { close, server } = await startServer({ maxBodyBytes })
    try {
      const statuses = new Map<number, number>()
      // Signed requests that got past SigV4 into decoding and the engine: answered 2xx or with a modeled error.
      let decoded = 0
      let invalidParameter = 0
      const details = await fc.check(
        fc.asyncProperty(fuzzRequest, async (request) => {
          const response = await send(server.port, request)
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
          const name = response.headers["x-amzn-errortype"]?.split(":")[0]
          if (request.signed && request.target.method !== "OPTIONS") {
            if (response.status >= 200 && response.status < 300) decoded++
            if (name !== undefined && modeledNames.has(name)) decoded++
            if (name === "InvalidParameterException") invalidParameter++
          }
          if (response.status < 200 || response.status >= 500 || (response.status >= 300 && response.status < 400)) {
            throw new Error(`status ${response.status}: ${response.text.slice(0, 300)}`)
          }
          if (!hasCommonHeaders(response)) throw new Error(`no x-amzn-RequestId or Date on a ${response.status}`)
          if (response.status >= 400 && request.target.method !== "HEAD") {
            const message = (jsonBody(response) as { message?: unknown } | undefined)?.message
            if (typeof message !== "string") throw new Error(`no JSON message on a ${response.status}`)
          }
        }),
        { numRuns: 300, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: false, endOnFailure: true }
      )
      if (details.failed) {
        throw new Error(
          `fuzzing failed (seed ${details.seed}, path ${details.counterexamplePath}): ${
            JSON.stringify(details.counterexample)?.slice(0, 2000)
          }\n${String(details.errorInstance)}`
        )
      }
      expect(details.numRuns).toBeGreaterThanOrEqual(100)
      // The generators reach the interesting places: successes, client errors, and decoding behind SigV4.
      expect([...statuses.keys()].some((status) => status >= 200 && status < 300)).toBe(true)
      expect([...statuses.keys()].some((status) => status >= 400)).toBe(true)
      expect(decoded).toBeGreaterThanOrEqual(Math.floor(details.numRuns / 15))
      expect(invalidParameter).toBeGreaterThanOrEqual(Math.floor(details.numRuns / 30))

      // Still serving: a valid read and write.
      const listed = await Effect.runPromise(
        signedRequest({ port: server.port, method: "GET", path: datasetPath("after-fuzz") + "/records" })
      )
      expect(listed.status).toBe(200)
      const token = (jsonBody(listed) as { SyncSessionToken: string }).SyncSessionToken
      const written = await Effect.runPromise(signedRequest({
        port: server.port,
        method: "POST",
        path: datasetPath("after-fuzz"),
        body: JSON.stringify({
          SyncSessionToken: token,
          RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
        })
      }))
      expect(written.status).toBe(200)
      expect(jsonBody(written)).toMatchObject({ Records: [{ Key: "k", Value: "v", SyncCount: 1 }] })
    } finally {
      await close()
    }
  }, 60_000)
})

/** Writes raw bytes to a fresh connection, half-closes it, and returns the head of the answer ("" for none). */
const rawExchange = (port: number, bytes: Uint8Array): Promise<string> =>
  new Promise((resolve) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    const chunks: Array<Buffer> = []
    let settled = false
    const finish = () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(Buffer.concat(chunks).toString("latin1"))
    }
    const timer = setTimeout(finish, 5_000)
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
      const text = Buffer.concat(chunks).toString("latin1")
      const end = text.indexOf("\r\n\r\n")
      if (end >= 0) {
        const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))
        if (length === null || text.length >= end + 4 + Number(length[1])) finish()
      }
    })
    socket.on("error", finish)
    socket.on("close", finish)
    socket.on("connect", () => socket.end(bytes))
  })

const rawPath = fc.array(
  fc.oneof(
    fc.constantFrom("é", "日本", "😀", "%", "..", "%zz", " ", "\t", "\u0000", "\u00ff", "?", "#", "\\"),
    fc.string({ maxLength: 10 })
  ),
  { maxLength: 6 }
).map((segments) => "/" + segments.join("/"))
const rawHeaderLine = fc.oneof(
  fc.constantFrom(
    "Host: 127.0.0.1",
    "Content-Length: -1",
    "Content-Length: abc",
    "Content-Length: 5\r\nContent-Length: 6",
    "Transfer-Encoding: chunked",
    "Transfer-Encoding: gzip, chunked",
    "Authorization: AWS4-HMAC-SHA256 Credential=test/x/y/z/aws4_request, SignedHeaders=host, Signature=zz",
    "X-Amz-Date: \u00ff\u00fe",
    "Bad Header: x",
    ": empty name",
    "NoColon"
  ),
  fc.string({ maxLength: 30 }).map((text) => `X-Fuzz: ${text}`)
)
const rawMessage = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.tuple(
    fc.constantFrom("GET", "POST", "DELETE", "OPTIONS", "G\u00c9T", "", "BREW"),
    rawPath,
    fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9", ""),
    fc.array(rawHeaderLine, { maxLength: 5 }),
    fc.oneof(
      fc.constant(""),
      fc.constantFrom("0\r\n\r\n", "zz\r\nabc\r\n", "5\r\nab\r\n0\r\n\r\n"),
      fc.string({ maxLength: 40 })
    )
  ).map(([method, path, version, headers, body]) =>
    new Uint8Array(Buffer.from(`${method} ${path} ${version}\r\n${headers.join("\r\n")}\r\n\r\n${body}`, "utf8"))
  )
)

describe("local server: raw-socket fuzzing", () => {
  it("answers malformed HTTP with a 4xx (or not at all), never a 5xx, and keeps serving", async () => {
    const { close, server } = await startServer({})
    try {
      let answered = 0
      const details = await fc.check(
        fc.asyncProperty(rawMessage, async (bytes) => {
          const head = await rawExchange(server.port, bytes)
          if (head === "") return
          answered++
          const status = /^HTTP\/1\.[01] (\d{3}) /.exec(head)
          if (status === null) throw new Error(`not an HTTP answer: ${JSON.stringify(head.slice(0, 200))}`)
          const code = Number(status[1])
          if (!((code >= 200 && code < 300) || (code >= 400 && code < 500))) {
            throw new Error(`status ${code}: ${JSON.stringify(head.slice(0, 300))}`)
          }
          if (!/\r\nx-amzn-requestid: /i.test(head) || !/\r\ndate: /i.test(head)) {
            throw new Error(`no x-amzn-RequestId or Date: ${JSON.stringify(head.slice(0, 300))}`)
          }
        }),
        { numRuns: 100, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: false, endOnFailure: true }
      )
      if (details.failed) {
        throw new Error(
          `raw fuzzing failed (seed ${details.seed}, path ${details.counterexamplePath}): ${
            JSON.stringify(details.counterexample?.map((bytes) => Buffer.from(bytes).toString("latin1")))
          }\n${String(details.errorInstance)}`
        )
      }
      expect(details.numRuns).toBeGreaterThanOrEqual(30)
      expect(answered).toBeGreaterThan(details.numRuns / 2)
      const listed = await Effect.runPromise(
        signedRequest({ port: server.port, method: "GET", path: datasetPath("after-raw-fuzz") + "/records" })
      )
      expect(listed.status).toBe(200)
    } finally {
      await close()
    }
  }, 40_000)
})
