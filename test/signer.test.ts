import { describe, expect, it } from "@effect/vitest"
import { SignatureV4 } from "@smithy/signature-v4"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { createHash, createHmac } from "node:crypto"
import { inspect } from "node:util"
import type * as CognitoSync from "../src/CognitoSync.js"
import * as E from "../src/CognitoSyncError.js"
import * as Credentials from "../src/Credentials.js"
import { type EncodedRequest, encodeUriComponent } from "../src/internal/restJson.js"
import * as Sha256Node from "../src/internal/sha256Node.js"
import * as Sha256Portable from "../src/internal/sha256Portable.js"
import { makeSigner } from "../src/internal/signer.js"
import {
  ACCESS_KEY_ID,
  brokenBody,
  DATASET,
  defaultOptions,
  IDENTITY_ID,
  makeFake,
  makeService,
  never,
  ok,
  POOL_ID,
  type RecordedRequest,
  SECRET_ACCESS_KEY,
  SESSION_TOKEN,
  transportError
} from "./support/fakes.js"

// ---------------------------------------------------------------------------------------------------------------
// An independent SigV4 implementation on node:crypto, written from the AWS documentation
// ---------------------------------------------------------------------------------------------------------------

const sha256Hex = (data: string): string => createHash("sha256").update(data, "utf8").digest("hex")
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest()

/** URI-encodes every byte except the unreserved characters A-Z a-z 0-9 - _ . ~ */
const uriEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** A query string as the codec builds one, its pairs in the order given (the signer orders them). */
const queryString = (query: Readonly<Record<string, string>>): string =>
  Object.entries(query).map(([name, value]) => `${uriEncode(name)}=${uriEncode(value)}`).join("&")

interface Signable {
  readonly method: string
  /** The path as sent on the wire: already percent-encoded once. */
  readonly path: string
  /** Decoded query parameters. */
  readonly query: ReadonlyArray<readonly [string, string]>
  /** Header names in lower case; `host` included. */
  readonly headers: Readonly<Record<string, string>>
  readonly signedHeaders: ReadonlyArray<string>
  readonly body: string | undefined
  readonly amzDate: string
  readonly region: string
  readonly service: string
  readonly secretAccessKey: string
}

const independentSignature = (input: Signable) => {
  // Every service but S3 encodes each path segment again, so `%3A` on the wire is `%253A` here.
  const canonicalUri = input.path.split("/").map(uriEncode).join("/")
  const canonicalQuery = input.query
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&")
  const signed = [...input.signedHeaders].sort()
  const canonicalHeaders = signed
    .map((name) => `${name}:${(input.headers[name] ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("")
  const canonicalRequest = [
    input.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    signed.join(";"),
    sha256Hex(input.body ?? "")
  ].join("\n")
  const date = input.amzDate.slice(0, 8)
  const scope = `${date}/${input.region}/${input.service}/aws4_request`
  const stringToSign = ["AWS4-HMAC-SHA256", input.amzDate, scope, sha256Hex(canonicalRequest)].join("\n")
  const key = hmac(hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, date), input.region), input.service), "aws4_request")
  return { canonicalRequest, scope, signature: hmac(key, stringToSign).toString("hex") }
}

const parseAuthorization = (header: string | undefined) => {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/
    .exec(header ?? "")
  if (match === null) throw new Error(`not a SigV4 Authorization header: ${header}`)
  return { accessKeyId: match[1], scope: match[2], signedHeaders: (match[3] ?? "").split(";"), signature: match[4] }
}

/** Recomputes the signature of a request the client sent, as a server would. */
const verify = (request: RecordedRequest, secretAccessKey: string, region = "us-east-1") => {
  const authorization = parseAuthorization(request.headers.authorization)
  const url = new URL(request.url)
  const headers = { ...request.headers, host: url.host }
  const expected = independentSignature({
    method: request.method,
    path: request.path,
    query: [...new URLSearchParams(request.search)],
    headers,
    signedHeaders: authorization.signedHeaders,
    body: request.body,
    amzDate: request.headers["x-amz-date"] ?? "",
    region,
    service: "cognito-sync",
    secretAccessKey
  })
  return { authorization, expected }
}

const signingTime = Date.UTC(2015, 7, 30, 12, 36, 0)

// ---------------------------------------------------------------------------------------------------------------
// AWS SigV4 test-suite vectors
// ---------------------------------------------------------------------------------------------------------------

const vectorCredentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }
const vectorAuthorization = (signature: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`

const vectors: ReadonlyArray<{
  readonly name: string
  readonly method: "GET" | "POST"
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly signature: string
}> = [
  {
    name: "get-vanilla",
    method: "GET",
    path: "/",
    query: {},
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
  },
  {
    name: "post-vanilla",
    method: "POST",
    path: "/",
    query: {},
    signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
  },
  {
    name: "get-vanilla-query-order-key-case",
    method: "GET",
    path: "/",
    query: { Param2: "value2", Param1: "value1" },
    signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
  },
  {
    // The suite's raw path is `/ሴ`, which the signer encodes once for the canonical URI.
    name: "get-utf8",
    method: "GET",
    path: "/\u1234",
    query: {},
    signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"
  }
]

describe("signer: AWS SigV4 test-suite vectors", () => {
  for (const vector of vectors) {
    for (const [hashName, hash] of [["node:crypto", Sha256Node], ["portable", Sha256Portable]] as const) {
      it(`${vector.name} with our signer and the ${hashName} SHA-256`, () => {
        const signer = makeSigner(Credentials.normalize(vectorCredentials), "us-east-1", {
          service: "service",
          applyChecksum: false, // the suite predates x-amz-content-sha256
          hash
        })
        const request: EncodedRequest = {
          method: vector.method,
          path: vector.path,
          search: queryString(vector.query),
          headers: {},
          body: undefined
        }
        const headers = signer.sign(new URL("https://example.amazonaws.com"), request, new Date(signingTime))
        expect(headers["x-amz-date"]).toBe("20150830T123600Z")
        expect(headers.authorization).toBe(vectorAuthorization(vector.signature))
        expect(headers.host).toBeUndefined()
      })
    }

    it(`${vector.name} with the independent implementation (checks the test's own oracle)`, () => {
      const { signature } = independentSignature({
        method: vector.method,
        // The oracle encodes the path it is given once more, as the suite does with its raw path.
        path: vector.path,
        query: Object.entries(vector.query),
        headers: { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" },
        signedHeaders: ["host", "x-amz-date"],
        body: undefined,
        amzDate: "20150830T123600Z",
        region: "us-east-1",
        service: "service",
        secretAccessKey: vectorCredentials.secretAccessKey
      })
      expect(signature).toBe(vector.signature)
    })
  }

  it("the documented signing key of the example secret", () => {
    const key = hmac(
      hmac(hmac(hmac(`AWS4${vectorCredentials.secretAccessKey}`, "20150830"), "us-east-1"), "iam"),
      "aws4_request"
    )
    expect(key.toString("hex")).toBe("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Our requests verify under an independent implementation
// ---------------------------------------------------------------------------------------------------------------

const dataset = { IdentityPoolId: POOL_ID, IdentityId: IDENTITY_ID, DatasetName: DATASET }

/** Sends one call at the signing time and returns what the fake saw. */
const sent = (
  call: (service: CognitoSync.Service) => Effect.Effect<unknown, E.CognitoSyncError>,
  options: CognitoSync.Options = defaultOptions
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(signingTime)
    const fake = makeFake(ok({}))
    const service = yield* makeService(fake, options)
    yield* call(service)
    return fake.last()
  })

const withSession = {
  ...defaultOptions,
  credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, sessionToken: SESSION_TOKEN }
} satisfies CognitoSync.Options

describe("signer: our signatures verify when recomputed independently", () => {
  const calls: ReadonlyArray<
    readonly [string, (service: CognitoSync.Service) => Effect.Effect<unknown, E.CognitoSyncError>]
  > = [
    ["a GET with labels and a sorted-differently query", (s) =>
      s.listRecords({
        ...dataset,
        LastSyncCount: 5,
        NextToken: "a/b+c= d",
        MaxResults: 10,
        SyncSessionToken: "s:t"
      })],
    ["a POST with a JSON body and a header", (s) =>
      s.updateRecords({
        ...dataset,
        SyncSessionToken: "sst",
        ClientContext: "  ctx   with  spaces ",
        RecordPatches: [{ Op: "replace", Key: "k€y", Value: "välue ✓", SyncCount: 0 }]
      })],
    [
      "a DELETE with a label that needs encoding",
      (s) => s.unsubscribeFromDataset({ ...dataset, DatasetName: "a:b.c", DeviceId: "dev/1 +x" })
    ],
    ["a POST without a body", (s) => s.bulkPublish({ IdentityPoolId: POOL_ID })]
  ]

  for (const [title, call] of calls) {
    it.effect(title, () =>
      Effect.gen(function*() {
        const request = yield* sent(call, withSession)
        const { authorization, expected } = verify(request, SECRET_ACCESS_KEY)
        expect(authorization.accessKeyId).toBe(ACCESS_KEY_ID)
        expect(authorization.scope).toBe("20150830/us-east-1/cognito-sync/aws4_request")
        expect(authorization.signedHeaders).toContain("host")
        expect(authorization.signedHeaders).toContain("x-amz-date")
        expect(authorization.signedHeaders).toContain("x-amz-security-token")
        expect(authorization.signedHeaders).toContain("x-amz-content-sha256")
        if (request.body !== undefined) expect(authorization.signedHeaders).toContain("content-type")
        expect(request.headers["x-amz-content-sha256"]).toBe(sha256Hex(request.body ?? ""))
        expect(authorization.signature).toBe(expected.signature)
      }))
  }

  it.effect("the independent check is strict: another body, path or secret gives another signature", () =>
    Effect.gen(function*() {
      const request = yield* sent((s) => s.updateRecords({ ...dataset, SyncSessionToken: "sst" }), withSession)
      const good = verify(request, SECRET_ACCESS_KEY).authorization.signature
      expect(verify({ ...request, body: `{"SyncSessionToken":"sst2"}` }, SECRET_ACCESS_KEY).expected.signature).not
        .toBe(good)
      expect(verify({ ...request, path: request.path + "x" }, SECRET_ACCESS_KEY).expected.signature).not.toBe(good)
      expect(verify(request, SECRET_ACCESS_KEY + "x").expected.signature).not.toBe(good)
      expect(verify(request, SECRET_ACCESS_KEY, "us-west-2").expected.signature).not.toBe(good)
    }))

  it.effect("the signature covers the custom endpoint's host, port and path prefix", () =>
    Effect.gen(function*() {
      const request = yield* sent((s) => s.listDatasets({ IdentityPoolId: POOL_ID, IdentityId: IDENTITY_ID }), {
        ...defaultOptions,
        region: "eu-west-1",
        endpoint: "http://127.0.0.1:4599/prefix/"
      })
      expect(request.url.startsWith("http://127.0.0.1:4599/prefix/identitypools/")).toBe(true)
      const { authorization, expected } = verify(request, SECRET_ACCESS_KEY, "eu-west-1")
      expect(authorization.scope).toBe("20150830/eu-west-1/cognito-sync/aws4_request")
      expect(authorization.signature).toBe(expected.signature)
    }))

  it("makeSigner signs for the cognito-sync service", () => {
    const signer = makeSigner(Credentials.normalize(vectorCredentials), "us-east-1")
    const headers = signer.sign(new URL("https://example.amazonaws.com"), {
      method: "GET",
      path: "/",
      search: "",
      headers: {},
      body: undefined
    }, new Date(signingTime))
    expect(headers.authorization).toContain("Credential=AKIDEXAMPLE/20150830/us-east-1/cognito-sync/aws4_request")
  })
})

describe("signer: the same headers as @smithy/signature-v4's SignatureV4.sign", () => {
  const text = fc.string({ unit: "grapheme", maxLength: 12 })
  const segment = fc.oneof(text.map(encodeUriComponent), fc.constantFrom(".", "..", "", "a%3Ab", "~-_."))
  const requests = fc.record({
    method: fc.constantFrom("GET" as const, "POST" as const, "DELETE" as const),
    path: fc.array(segment, { maxLength: 5 }).map((segments) => `/${segments.join("/")}`),
    query: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), text, { maxKeys: 3 }),
    headers: fc.dictionary(
      fc.constantFrom("content-type", "x-amz-client-context", "X-Custom", "user-agent", "content-length"),
      fc.string({ unit: fc.constantFrom("a", " ", "\t", "b", "="), maxLength: 10 }),
      { maxKeys: 3 }
    ),
    body: fc.option(text, { nil: undefined }),
    host: fc.constantFrom("cognito-sync.us-east-1.amazonaws.com", "127.0.0.1:4599", "[::1]:8080"),
    time: fc.integer({ min: 0, max: 4102444800000 }),
    sessionToken: fc.option(fc.string({ maxLength: 20 }), { nil: undefined })
  })

  it.effect.prop("for any request, date, host and credentials", [requests], ([request]) =>
    Effect.promise(async () => {
      const credentials = {
        ...vectorCredentials,
        ...(request.sessionToken === undefined ? {} : { sessionToken: request.sessionToken })
      }
      const url = new URL(`http://${request.host}`)
      const encoded: EncodedRequest = { ...request, search: queryString(request.query) }
      const ours = makeSigner(Credentials.normalize(credentials), "eu-west-1").sign(
        url,
        encoded,
        new Date(request.time)
      )
      const theirs = await new SignatureV4({
        service: "cognito-sync",
        region: "eu-west-1",
        sha256: Sha256Node.Sha256,
        credentials
      }).sign({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === "" ? {} : { port: Number(url.port) }),
        path: request.path,
        query: request.query,
        headers: { ...request.headers, host: url.host },
        body: request.body
      }, {
        signingDate: new Date(request.time),
        unsignableHeaders: new Set(["content-length", "user-agent", "traceparent", "b3"])
      })
      const { host: _host, ...expected } = theirs.headers
      expect(ours).toStrictEqual(expected)
    }), { fastCheck: { numRuns: 300 } })
})

describe("signer: time, session token", () => {
  it.effect("x-amz-date comes from Effect's Clock, so TestClock makes it deterministic", () =>
    Effect.gen(function*() {
      const first = yield* sent((s) => s.bulkPublish({ IdentityPoolId: POOL_ID }))
      expect(first.headers["x-amz-date"]).toBe("20150830T123600Z")
      const again = yield* sent((s) => s.bulkPublish({ IdentityPoolId: POOL_ID }))
      expect(again.headers.authorization).toBe(first.headers.authorization)
      yield* TestClock.setTime(signingTime + 61_000)
      const fake = makeFake(ok({}))
      yield* Effect.flatMap(makeService(fake), (s) => s.bulkPublish({ IdentityPoolId: POOL_ID }))
      expect(fake.last().headers["x-amz-date"]).toBe("20150830T123701Z")
    }))

  it.effect("the session token is sent as x-amz-security-token and signed", () =>
    Effect.gen(function*() {
      const request = yield* sent((s) => s.bulkPublish({ IdentityPoolId: POOL_ID }), withSession)
      expect(request.headers["x-amz-security-token"]).toBe(SESSION_TOKEN)
      expect(parseAuthorization(request.headers.authorization).signedHeaders).toContain("x-amz-security-token")
    }))

  it.effect("without a session token there is no x-amz-security-token", () =>
    Effect.gen(function*() {
      const request = yield* sent((s) => s.bulkPublish({ IdentityPoolId: POOL_ID }))
      expect(request.headers["x-amz-security-token"]).toBeUndefined()
      expect(parseAuthorization(request.headers.authorization).signedHeaders).not.toContain("x-amz-security-token")
    }))

  it.effect("the secret never travels: not in any header, URL or body", () =>
    Effect.gen(function*() {
      const request = yield* sent((s) => s.updateRecords({ ...dataset, SyncSessionToken: "sst" }), withSession)
      expect(JSON.stringify(request)).not.toContain(SECRET_ACCESS_KEY)
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Secrets never appear in errors
// ---------------------------------------------------------------------------------------------------------------

/** Every way an error could be printed or logged. */
const renderings = (error: unknown): ReadonlyArray<string> => [
  String(error),
  JSON.stringify(error),
  inspect(error, { depth: 10 }),
  error instanceof Error ? error.message : "",
  error instanceof Error ? error.stack ?? "" : "",
  Cause.pretty(Cause.fail(error))
]

const expectNoSecrets = (error: unknown, alsoAbsent: ReadonlyArray<string> = []) => {
  for (const text of renderings(error)) {
    for (const secret of [SECRET_ACCESS_KEY, SESSION_TOKEN, ...alsoAbsent]) {
      expect(text).not.toContain(secret)
    }
  }
  // The error holds plain values only: no request or response object that could print headers.
  for (const value of Object.values(error as object)) {
    expect(typeof value === "object" && value !== null).toBe(false)
  }
}

describe("signer: secrets never appear in errors", () => {
  it.effect("a transport failure (the platform's error carries the signed request)", () =>
    Effect.gen(function*() {
      const fake = makeFake(transportError("fetch failed"))
      const service = yield* makeService(fake, { ...withSession, maxAttempts: 1 })
      const error = yield* Effect.flip(service.listRecords({ ...dataset, SyncSessionToken: "sst" }))
      expect(error).toBeInstanceOf(E.CognitoSyncTransportError)
      expect(error.message).toContain("fetch failed")
      const signature = parseAuthorization(fake.last().headers.authorization).signature ?? "no-signature"
      expectNoSecrets(error, [signature])
    }))

  it.effect("an answer whose body breaks off", () =>
    Effect.gen(function*() {
      const fake = makeFake(brokenBody(200, "socket hang up"))
      const service = yield* makeService(fake, { ...withSession, maxAttempts: 1 })
      const error = yield* Effect.flip(service.bulkPublish({ IdentityPoolId: POOL_ID }))
      expect(error).toBeInstanceOf(E.CognitoSyncTransportError)
      expectNoSecrets(error)
    }))

  it.effect("a timeout", () =>
    Effect.gen(function*() {
      const fake = makeFake(never)
      const service = yield* makeService(fake, { ...withSession, maxAttempts: 1, timeout: "1 second" })
      const fiber = yield* Effect.fork(Effect.flip(service.bulkPublish({ IdentityPoolId: POOL_ID })))
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      expect(error).toBeInstanceOf(E.CognitoSyncTimeoutError)
      expectNoSecrets(error)
    }))

  it.effect("a credentials error after earlier credentials expired", () =>
    Effect.gen(function*() {
      let fetches = 0
      const provider = Credentials.refreshing(
        Effect.suspend(() => {
          fetches++
          return fetches === 1
            ? Effect.succeed({
              accessKeyId: ACCESS_KEY_ID,
              secretAccessKey: SECRET_ACCESS_KEY,
              sessionToken: SESSION_TOKEN,
              expiration: new Date(60 * 60 * 1000)
            })
            : Effect.fail(
              new E.CognitoSyncCredentialsError({ message: "Cognito Identity refused", code: "NotAuthorized" })
            )
        })
      )
      const fake = makeFake(ok({}))
      const service = yield* makeService(fake, { ...defaultOptions, credentials: provider })
      yield* service.bulkPublish({ IdentityPoolId: POOL_ID })
      yield* TestClock.adjust("1 hour")
      const error = yield* Effect.flip(service.bulkPublish({ IdentityPoolId: POOL_ID }))
      expect(error).toBeInstanceOf(E.CognitoSyncCredentialsError)
      expect(fake.count()).toBe(1)
      expectNoSecrets(error)
    }))

  it.effect("a service error", () =>
    Effect.gen(function*() {
      const fake = makeFake({ status: 403, headers: { "x-amzn-errortype": "InvalidSignatureException" }, body: {} })
      const service = yield* makeService(fake, withSession)
      const error = yield* Effect.flip(service.bulkPublish({ IdentityPoolId: POOL_ID }))
      expect(error).toMatchObject({ _tag: "CognitoSyncServiceError", code: "InvalidSignatureException" })
      expectNoSecrets(error)
    }))

  it("resolved credentials keep their secrets Redacted", () => {
    const credentials = Credentials.normalize({
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
      sessionToken: SESSION_TOKEN
    })
    for (const text of [String(credentials.secretAccessKey), JSON.stringify(credentials), inspect(credentials)]) {
      expect(text).not.toContain(SECRET_ACCESS_KEY)
      expect(text).not.toContain(SESSION_TOKEN)
    }
  })
})
