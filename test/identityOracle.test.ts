/**
 * Differential checks of our Cognito Identity credentials provider against the official
 * `@aws-sdk/client-cognito-identity` (the oracle): the requests both send for GetId and GetCredentialsForIdentity,
 * how both read the same canned answers and errors, and the official client against our emulator.
 */
import * as Sdk from "@aws-sdk/client-cognito-identity"
import { FetchHttpClient, HttpClient, HttpClientResponse } from "@effect/platform"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import { type HttpRequest as SdkHttpRequest, HttpResponse } from "@smithy/core/protocols"
import { Cause, Effect, Exit, Option, Redacted } from "effect"
import { Readable } from "node:stream"
import * as CognitoIdentity from "../src/CognitoIdentity.js"
import * as CognitoSync from "../src/CognitoSync.js"
import type { CognitoSyncCredentialsError } from "../src/CognitoSyncError.js"
import * as Server from "../src/local/Server.js"

const region = "us-east-1"
const endpoint = "http://127.0.0.1:4598"
const pool = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000"
const identity = "us-east-1:11111111-2222-3333-4444-555555555555"
const dummy = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }

interface Canned {
  readonly status: number
  readonly headers?: { readonly [name: string]: string }
  readonly body: string
}

interface Wire {
  readonly method: string
  readonly path: string
  readonly target: string | undefined
  readonly contentType: string | undefined
  readonly authorization: string | undefined
  readonly body: unknown
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

const headerOf = (headers: { readonly [name: string]: string | undefined }, name: string): string | undefined => {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value
  }
  return undefined
}

const parse = (text: string | undefined): unknown => (text === undefined || text === "" ? undefined : JSON.parse(text))

// ---------------------------------------------------------------------------------------------------------------
// The official client over a recording fake transport
// ---------------------------------------------------------------------------------------------------------------

const sdkText = (body: unknown): string | undefined => {
  if (body === undefined || body === null) return undefined
  if (typeof body === "string") return body
  if (body instanceof Uint8Array) return utf8.decode(body)
  throw new Error(`unexpected SDK request body: ${Object.prototype.toString.call(body)}`)
}

const sdkRun = async <A>(
  canned: Canned,
  send: (client: Sdk.CognitoIdentityClient) => Promise<A>
): Promise<{ readonly requests: ReadonlyArray<Wire>; readonly exit: Exit.Exit<A, Error> }> => {
  const requests: Array<Wire> = []
  const client = new Sdk.CognitoIdentityClient({
    region,
    endpoint,
    credentials: dummy,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: SdkHttpRequest) => {
        requests.push({
          method: request.method,
          path: request.path,
          target: headerOf(request.headers, "x-amz-target"),
          contentType: headerOf(request.headers, "content-type"),
          authorization: headerOf(request.headers, "authorization"),
          body: parse(sdkText(request.body))
        })
        return {
          response: new HttpResponse({
            statusCode: canned.status,
            headers: Object.fromEntries(
              Object.entries(canned.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])
            ),
            body: Readable.from([Buffer.from(canned.body, "utf8")])
          })
        }
      }
    }
  })
  try {
    return { requests, exit: Exit.succeed(await send(client)) }
  } catch (error) {
    if (!(error instanceof Error)) throw error
    return { requests, exit: Exit.fail(error) }
  } finally {
    client.destroy()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Our provider over a recording fake transport
// ---------------------------------------------------------------------------------------------------------------

const ourText = (request: HttpClientRequest.HttpClientRequest): { text?: string; contentType?: string } => {
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

const fakeClient = (canned: Canned, requests: Array<Wire>) =>
  HttpClient.make((request, url) =>
    Effect.sync(() => {
      const body = ourText(request)
      requests.push({
        method: request.method,
        path: url.pathname,
        target: request.headers["x-amz-target"],
        contentType: request.headers["content-type"] ?? body.contentType,
        authorization: request.headers["authorization"],
        body: parse(body.text)
      })
      return HttpClientResponse.fromWeb(
        request,
        new Response(canned.body, { status: canned.status, headers: { ...canned.headers } })
      )
    })
  )

const ourRun = <A, E>(
  canned: Canned,
  use: (provider: CognitoIdentity.Provider) => Effect.Effect<A, E>,
  options: Omit<CognitoIdentity.Options, "region" | "identityPoolId" | "endpoint"> = {}
) =>
  Effect.gen(function*() {
    const requests: Array<Wire> = []
    const provider = yield* CognitoIdentity.make({ region, identityPoolId: pool, endpoint, ...options }).pipe(
      Effect.provideService(HttpClient.HttpClient, fakeClient(canned, requests))
    )
    const exit = yield* Effect.exit(use(provider))
    return { requests, exit }
  })

// ---------------------------------------------------------------------------------------------------------------
// Canned answers
// ---------------------------------------------------------------------------------------------------------------

const json11 = { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "req-1" }

const getIdAnswer: Canned = {
  status: 200,
  headers: json11,
  body: JSON.stringify({ IdentityId: identity, Extra: { nested: [1, 2] } })
}

const credentialsAnswer = (id: string): Canned => ({
  status: 200,
  headers: json11,
  body: JSON.stringify({
    IdentityId: id,
    Credentials: {
      AccessKeyId: "ASIAEXAMPLE",
      SecretKey: "secret/key+value",
      SessionToken: "session-token",
      Expiration: 1700000000.123,
      Unknown: "ignored"
    },
    SomethingNew: true
  })
})

const logins = { "accounts.google.com": "id-token", "graph.facebook.com": "fb-token" }

// ---------------------------------------------------------------------------------------------------------------

describe("Cognito Identity requests match the official client", () => {
  const cases = [
    { name: "GetId without Logins", logins: undefined },
    { name: "GetId with Logins", logins }
  ] as const
  for (const c of cases) {
    it.effect(c.name, () =>
      Effect.gen(function*() {
        const sdk = yield* Effect.promise(() =>
          sdkRun(getIdAnswer, (client) =>
            client.send(
              new Sdk.GetIdCommand({
                IdentityPoolId: pool,
                ...(c.logins === undefined ? {} : { Logins: { ...c.logins } })
              })
            ))
        )
        const ours = yield* ourRun(getIdAnswer, (p) => p.identityId, { logins: c.logins })
        expect(Exit.isSuccess(sdk.exit)).toBe(true)
        expect(ours.exit).toEqual(Exit.succeed(identity))
        expect(sdk.requests).toHaveLength(1)
        expect(ours.requests).toEqual(sdk.requests)
        expect(ours.requests[0]).toMatchObject({
          method: "POST",
          path: "/",
          target: "AWSCognitoIdentityService.GetId",
          contentType: "application/x-amz-json-1.1",
          authorization: undefined
        })
        // AccountId is absent in both.
        expect(ours.requests[0]?.body).not.toHaveProperty("AccountId")
      }))
  }

  const credentialCases = [
    { name: "GetCredentialsForIdentity without Logins", logins: undefined },
    { name: "GetCredentialsForIdentity with Logins", logins }
  ] as const
  for (const c of credentialCases) {
    it.effect(c.name, () =>
      Effect.gen(function*() {
        const canned = credentialsAnswer(identity)
        const sdk = yield* Effect.promise(() =>
          sdkRun(canned, (client) =>
            client.send(
              new Sdk.GetCredentialsForIdentityCommand({
                IdentityId: identity,
                ...(c.logins === undefined ? {} : { Logins: { ...c.logins } })
              })
            ))
        )
        const ours = yield* ourRun(canned, (p) => p.credentials.resolve, { logins: c.logins, identityId: identity })
        expect(Exit.isSuccess(sdk.exit)).toBe(true)
        expect(Exit.isSuccess(ours.exit)).toBe(true)
        expect(sdk.requests).toHaveLength(1)
        expect(ours.requests).toEqual(sdk.requests)
        expect(ours.requests[0]).toMatchObject({
          method: "POST",
          path: "/",
          target: "AWSCognitoIdentityService.GetCredentialsForIdentity",
          contentType: "application/x-amz-json-1.1",
          authorization: undefined
        })
      }))
  }
})

describe("Cognito Identity answers decode alike", () => {
  it.effect("GetId", () =>
    Effect.gen(function*() {
      const sdk = yield* Effect.promise(() =>
        sdkRun(getIdAnswer, (client) => client.send(new Sdk.GetIdCommand({ IdentityPoolId: pool })))
      )
      const ours = yield* ourRun(getIdAnswer, (p) => p.identityId)
      if (!Exit.isSuccess(sdk.exit) || !Exit.isSuccess(ours.exit)) throw new Error("expected both to succeed")
      expect(ours.exit.value).toBe(sdk.exit.value.IdentityId)
    }))

  it.effect("GetCredentialsForIdentity (fractional epoch seconds, extra members)", () =>
    Effect.gen(function*() {
      const canned = credentialsAnswer(identity)
      const sdk = yield* Effect.promise(() =>
        sdkRun(canned, (client) => client.send(new Sdk.GetCredentialsForIdentityCommand({ IdentityId: identity })))
      )
      const ours = yield* ourRun(canned, (p) => p.credentials.resolve, { identityId: identity })
      if (!Exit.isSuccess(sdk.exit) || !Exit.isSuccess(ours.exit)) throw new Error("expected both to succeed")
      const theirs = sdk.exit.value
      expect(theirs.IdentityId).toBe(identity)
      expect(theirs.Credentials?.Expiration).toBeInstanceOf(Date)
      expect(ours.exit.value.accessKeyId).toBe(theirs.Credentials?.AccessKeyId)
      expect(Redacted.value(ours.exit.value.secretAccessKey)).toBe(theirs.Credentials?.SecretKey)
      const token = ours.exit.value.sessionToken
      expect(token === undefined ? undefined : Redacted.value(token)).toBe(theirs.Credentials?.SessionToken)
      expect(ours.exit.value.expiration?.getTime()).toBe(theirs.Credentials?.Expiration?.getTime())
      expect(ours.exit.value.expiration?.getTime()).toBe(1700000000123)
    }))

  it.effect("GetCredentialsForIdentity answering with another identity id", () =>
    Effect.gen(function*() {
      const other = "us-east-1:99999999-8888-7777-6666-555555555555"
      const canned = credentialsAnswer(other)
      const sdk = yield* Effect.promise(() =>
        sdkRun(canned, (client) => client.send(new Sdk.GetCredentialsForIdentityCommand({ IdentityId: identity })))
      )
      const ours = yield* ourRun(
        canned,
        (p) => Effect.zipRight(p.credentials.resolve, p.identityId),
        { identityId: identity }
      )
      if (!Exit.isSuccess(sdk.exit)) throw new Error("expected the SDK to succeed")
      expect(ours.exit).toEqual(Exit.succeed(sdk.exit.value.IdentityId))
    }))
})

describe("Cognito Identity errors classify alike", () => {
  const codes = [
    "TooManyRequestsException",
    "NotAuthorizedException",
    "ResourceNotFoundException",
    "InvalidParameterException",
    "ResourceConflictException",
    "InternalErrorException",
    "LimitExceededException",
    "ExternalServiceException"
  ] as const

  const forms = (code: string): ReadonlyArray<{ readonly form: string; readonly canned: Canned }> => {
    const status = code === "InternalErrorException" ? 500 : 400
    return [
      {
        form: "__type plain, message",
        canned: { status, headers: json11, body: JSON.stringify({ __type: code, message: "nope" }) }
      },
      {
        form: "__type namespaced, Message",
        canned: {
          status,
          headers: json11,
          body: JSON.stringify({ __type: `com.amazonaws.cognito.identity.model#${code}`, Message: "nope" })
        }
      },
      {
        form: "x-amzn-ErrorType header only",
        canned: {
          status,
          headers: { ...json11, "x-amzn-ErrorType": `${code}:http://internal.amazon.com/coral/com.amazonaws/` },
          body: JSON.stringify({ message: "nope" })
        }
      },
      {
        form: "header and namespaced __type",
        canned: {
          status,
          headers: { ...json11, "x-amzn-ErrorType": code },
          body: JSON.stringify({ __type: `com.amazonaws.cognito.identity.model#${code}`, message: "nope" })
        }
      }
    ]
  }

  for (const code of codes) {
    for (const { canned, form } of forms(code)) {
      it.effect(`${code} (${form})`, () =>
        Effect.gen(function*() {
          const sdkGetId = yield* Effect.promise(() =>
            sdkRun(canned, (client) => client.send(new Sdk.GetIdCommand({ IdentityPoolId: pool })))
          )
          const sdkCredentials = yield* Effect.promise(() =>
            sdkRun(canned, (client) => client.send(new Sdk.GetCredentialsForIdentityCommand({ IdentityId: identity })))
          )
          const ourGetId = yield* ourRun(canned, (p) => p.identityId)
          const ourCredentials = yield* ourRun(canned, (p) => p.credentials.resolve, { identityId: identity })
          const pairs: ReadonlyArray<
            readonly [Exit.Exit<unknown, Error>, Exit.Exit<unknown, CognitoSyncCredentialsError>]
          > = [
            [sdkGetId.exit, ourGetId.exit],
            [sdkCredentials.exit, ourCredentials.exit]
          ]
          for (const [sdk, ours] of pairs) {
            const sdkFailure = Exit.isFailure(sdk) ? Option.getOrUndefined(Cause.failureOption(sdk.cause)) : undefined
            const ourFailure = Exit.isFailure(ours) ? Option.getOrUndefined(Cause.failureOption(ours.cause)) : undefined
            expect(sdkFailure?.name).toBe(code)
            expect(ourFailure?._tag).toBe("CognitoSyncCredentialsError")
            expect(ourFailure?.code).toBe(sdkFailure?.name)
            expect(sdkFailure?.message).toBe("nope")
            expect(ourFailure?.message).toContain("nope")
          }
        }))
    }
  }
})

describe("the official client against our emulator", () => {
  it.live("GetId, GetCredentialsForIdentity, and the credentials work for that identity only", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const client = new Sdk.CognitoIdentityClient({ region, endpoint: server.url, credentials: dummy })
      yield* Effect.addFinalizer(() => Effect.sync(() => client.destroy()))

      const guest = yield* Effect.promise(() => client.send(new Sdk.GetIdCommand({ IdentityPoolId: pool })))
      const other = yield* Effect.promise(() =>
        client.send(new Sdk.GetIdCommand({ IdentityPoolId: pool, Logins: { "accounts.example.com": "alice" } }))
      )
      const guestId = guest.IdentityId ?? ""
      const otherId = other.IdentityId ?? ""
      expect(guestId).toMatch(/^us-east-1:[0-9a-f-]{36}$/)
      expect(otherId).not.toBe(guestId)

      const answer = yield* Effect.promise(() =>
        client.send(new Sdk.GetCredentialsForIdentityCommand({ IdentityId: guestId }))
      )
      expect(answer.IdentityId).toBe(guestId)
      const issued = answer.Credentials
      if (
        issued?.AccessKeyId === undefined || issued.SecretKey === undefined || issued.SessionToken === undefined ||
        issued.Expiration === undefined
      ) {
        throw new Error("expected credentials")
      }
      expect(issued.Expiration.getTime()).toBeGreaterThan(Date.now())

      const sync = yield* CognitoSync.make({
        region,
        endpoint: server.url,
        credentials: {
          accessKeyId: issued.AccessKeyId,
          secretAccessKey: issued.SecretKey,
          sessionToken: issued.SessionToken
        }
      })
      const page = yield* sync.listRecords({ IdentityPoolId: pool, IdentityId: guestId, DatasetName: "settings" })
      yield* sync.updateRecords({
        IdentityPoolId: pool,
        IdentityId: guestId,
        DatasetName: "settings",
        SyncSessionToken: page.SyncSessionToken ?? "",
        RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }]
      })
      const denied = yield* sync.listRecords({ IdentityPoolId: pool, IdentityId: otherId, DatasetName: "settings" })
        .pipe(Effect.flip)
      expect(denied._tag).toBe("NotAuthorizedException")

      // The authenticated identity needs its login; without it the SDK sees NotAuthorizedException.
      const noLogin = yield* Effect.promise(() =>
        client.send(new Sdk.GetCredentialsForIdentityCommand({ IdentityId: otherId })).then(
          () => undefined,
          (error: unknown) => (error instanceof Error ? error.name : String(error))
        )
      )
      expect(noLogin).toBe("NotAuthorizedException")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("an unknown identity is ResourceNotFoundException to the SDK", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const client = new Sdk.CognitoIdentityClient({ region, endpoint: server.url, credentials: dummy })
      yield* Effect.addFinalizer(() => Effect.sync(() => client.destroy()))
      const error = yield* Effect.promise(() =>
        client.send(
          new Sdk.GetCredentialsForIdentityCommand({ IdentityId: "us-east-1:00000000-0000-0000-0000-000000000000" })
        ).then(() => undefined, (e: unknown) => e)
      )
      expect(error).toBeInstanceOf(Sdk.ResourceNotFoundException)
      expect(error instanceof Error ? error.name : undefined).toBe("ResourceNotFoundException")
      const bad = yield* Effect.promise(() =>
        client.send(new Sdk.GetIdCommand({ IdentityPoolId: "nope" })).then(() => undefined, (e: unknown) => e)
      )
      expect(bad instanceof Error ? bad.name : undefined).toBe("InvalidParameterException")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))
})
