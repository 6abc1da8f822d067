/**
 * SigV4 verification by the local server, with requests signed by `@smithy/signature-v4` directly and sent with
 * the path exactly as a test chooses: unknown keys, bad signatures (wrong secret, body or query changed after
 * signing), clock skew, the canonical path forms real clients use, and identity-bound credentials.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Server from "../../src/local/Server.js"
import {
  datasetPath,
  developer,
  errorName,
  identityA,
  identityB,
  jsonBody,
  poolId,
  rawRequest,
  type RawResponse,
  signedRequest
} from "./serverSupport.js"

const messageOf = (response: RawResponse): string => {
  const body = jsonBody(response)
  return typeof body === "object" && body !== null && "message" in body && typeof body.message === "string"
    ? body.message
    : ""
}

const expectError = (response: RawResponse, status: number, name: string) => {
  expect([response.status, errorName(response)]).toEqual([status, name])
  expect(messageOf(response)).not.toBe("")
}

const recordsPath = datasetPath("settings") + "/records"

describe("local server: SigV4", () => {
  it.live("a valid signature is accepted; an unknown key or a wrong secret is refused", () =>
    Effect.gen(function*() {
      const { port } = yield* Server.start({ port: 0 })
      const ok = yield* signedRequest({ port, method: "GET", path: recordsPath })
      expect(ok.status).toBe(200)
      expect(jsonBody(ok)).toMatchObject({ DatasetExists: false, Count: 0 })

      const unknown = yield* signedRequest({
        port,
        method: "GET",
        path: recordsPath,
        credentials: { accessKeyId: "AKIDNOBODY", secretAccessKey: "test" }
      })
      expectError(unknown, 403, "UnrecognizedClientException")
      const wrongSecret = yield* signedRequest({
        port,
        method: "GET",
        path: recordsPath,
        credentials: { accessKeyId: "test", secretAccessKey: "wrong" }
      })
      expectError(wrongSecret, 403, "InvalidSignatureException")
      expect(messageOf(wrongSecret)).toMatch(/signature we calculated does not match/)
      const wrongService = yield* signedRequest({ port, method: "GET", path: recordsPath, service: "s3" })
      expectError(wrongService, 403, "InvalidSignatureException")
      // A signature made in another region is still a valid signature for its scope.
      const otherRegion = yield* signedRequest({ port, method: "GET", path: recordsPath, region: "eu-west-1" })
      expect(otherRegion.status).toBe(200)
    }).pipe(Effect.scoped))

  it.live("anything changed after signing breaks the signature: body, query, path, a signed header", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const { port } = server
      const listed = yield* signedRequest({ port, method: "GET", path: recordsPath })
      const token = (jsonBody(listed) as { SyncSessionToken: string }).SyncSessionToken
      const body = JSON.stringify({
        SyncSessionToken: token,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "signed", SyncCount: 0 }]
      })
      const tamperedBody = yield* signedRequest({
        port,
        method: "POST",
        path: datasetPath("settings"),
        body,
        sendBody: body.replace("signed", "forged")
      })
      expectError(tamperedBody, 403, "InvalidSignatureException")
      const tamperedQuery = yield* signedRequest({
        port,
        method: "GET",
        path: recordsPath,
        query: { lastSyncCount: "0" },
        sendQuery: "?lastSyncCount=1"
      })
      expectError(tamperedQuery, 403, "InvalidSignatureException")
      const addedQuery = yield* signedRequest({ port, method: "GET", path: recordsPath, sendQuery: "?maxResults=1" })
      expectError(addedQuery, 403, "InvalidSignatureException")
      const otherPath = yield* signedRequest({
        port,
        method: "GET",
        path: recordsPath,
        sendPath: datasetPath("other") + "/records"
      })
      expectError(otherPath, 403, "InvalidSignatureException")
      const otherHeader = yield* signedRequest({
        port,
        method: "POST",
        path: datasetPath("settings"),
        body,
        headers: { "x-amz-client-context": "signed" },
        extraHeaders: { "x-amz-client-context": "forged" }
      })
      expectError(otherHeader, 403, "InvalidSignatureException")
      // None of them wrote anything; the untampered request still works with the same token.
      expect((yield* server.engine.snapshot)[poolId]?.[identityA]).toBeUndefined()
      const genuine = yield* signedRequest({ port, method: "POST", path: datasetPath("settings"), body })
      expect(genuine.status).toBe(200)
      expect((yield* server.engine.snapshot)[poolId]?.[identityA]?.["settings"]?.records).toEqual({
        k: { value: "signed", syncCount: 1 }
      })
    }).pipe(Effect.scoped))

  it.live("a request dated more than 5 minutes off is refused with Signature expired", () =>
    Effect.gen(function*() {
      const { port } = yield* Server.start({ port: 0 })
      const now = Date.now()
      const past = yield* signedRequest({
        port,
        method: "GET",
        path: recordsPath,
        signingDate: new Date(now - 6 * 60 * 1000)
      })
      expectError(past, 403, "InvalidSignatureException")
      expect(messageOf(past)).toContain("Signature expired")
      const future = yield* signedRequest({
        port,
        method: "GET",
        path: recordsPath,
        signingDate: new Date(now + 6 * 60 * 1000)
      })
      expectError(future, 403, "InvalidSignatureException")
      expect(messageOf(future)).toContain("Signature expired")
      // Within the window it is fine.
      const skewed = yield* signedRequest({
        port,
        method: "GET",
        path: recordsPath,
        signingDate: new Date(now - 3 * 60 * 1000)
      })
      expect(skewed.status).toBe(200)
    }).pipe(Effect.scoped))

  it.live("accepted canonical path forms: double-encoded, raw ':' (boto2), single-encoded", () =>
    Effect.gen(function*() {
      const { port } = yield* Server.start({ port: 0 })
      const encoded = datasetPath("settings") + "/records"
      expect(encoded).toContain("%3A")
      const raw = `/identitypools/${poolId}/identities/${identityA}/datasets/settings/records`
      expect(raw).toContain(":")
      const forms = [
        // Our client and the AWS SDKs: the encoded path, encoded again for the canonical request.
        { label: "double", path: encoded, uriEscapePath: true },
        // boto2 style: sign and send the unencoded path.
        { label: "raw colon", path: raw, uriEscapePath: true },
        // Signing the path as sent, encoded once.
        { label: "single", path: encoded, uriEscapePath: false }
      ]
      for (const form of forms) {
        const response = yield* signedRequest({
          port,
          method: "GET",
          path: form.path,
          uriEscapePath: form.uriEscapePath
        })
        expect([form.label, response.status]).toEqual([form.label, 200])
        expect(jsonBody(response)).toMatchObject({ DatasetExists: false, DatasetSyncCount: 0 })
      }
      // A write through the raw form lands on the same dataset the encoded form reads.
      const listed = yield* signedRequest({ port, method: "GET", path: raw })
      const token = (jsonBody(listed) as { SyncSessionToken: string }).SyncSessionToken
      const written = yield* signedRequest({
        port,
        method: "POST",
        path: `/identitypools/${poolId}/identities/${identityA}/datasets/settings`,
        body: JSON.stringify({
          SyncSessionToken: token,
          RecordPatches: [{ Op: "replace", Key: "a", Value: "1", SyncCount: 0 }]
        })
      })
      expect(written.status).toBe(200)
      const read = yield* signedRequest({ port, method: "GET", path: encoded, uriEscapePath: false })
      expect(jsonBody(read)).toMatchObject({ DatasetExists: true, DatasetSyncCount: 1, Count: 1 })
      // A path other than the one signed never passes, whatever its form.
      const wrong = yield* signedRequest({ port, method: "GET", path: raw, sendPath: raw.replace("settings", "other") })
      expectError(wrong, 403, "InvalidSignatureException")
    }).pipe(Effect.scoped))

  it.live("missing or malformed authorization", () =>
    Effect.gen(function*() {
      const { port } = yield* Server.start({ port: 0 })
      const missing = yield* rawRequest(port, { method: "GET", path: recordsPath })
      expectError(missing, 403, "MissingAuthenticationTokenException")
      const garbage = yield* rawRequest(port, {
        method: "GET",
        path: recordsPath,
        headers: { authorization: "Bearer abc", "x-amz-date": "20260101T000000Z" }
      })
      expect(garbage.status).toBeGreaterThanOrEqual(400)
      expect(garbage.status).toBeLessThan(500)
      expect(errorName(garbage)).toBe("IncompleteSignatureException")
      // A well-formed header without x-amz-date.
      const noDate = yield* rawRequest(port, {
        method: "GET",
        path: recordsPath,
        headers: {
          authorization:
            `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-sync/aws4_request, SignedHeaders=host, Signature=${
              "0".repeat(64)
            }`
        }
      })
      expectError(noDate, 400, "IncompleteSignatureException")
      // A signed header that is not in the request.
      const now = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")
      const missingHeader = yield* rawRequest(port, {
        method: "GET",
        path: recordsPath,
        headers: {
          "x-amz-date": now,
          authorization: `AWS4-HMAC-SHA256 Credential=test/${
            now.slice(0, 8)
          }/us-east-1/cognito-sync/aws4_request, SignedHeaders=host;x-amz-date;x-custom, Signature=${"0".repeat(64)}`
        }
      })
      expectError(missingHeader, 403, "InvalidSignatureException")
    }).pipe(Effect.scoped))

  it.live("identity-bound credentials: own identity only, no developer operations", () =>
    Effect.gen(function*() {
      const identityKey = { accessKeyId: "AKIDIDENTITY", secretAccessKey: "secret-a", identityId: identityA }
      const server = yield* Server.start({ port: 0, credentials: [developer, identityKey] })
      const { port } = server
      const own = yield* signedRequest({ port, method: "GET", path: recordsPath, credentials: identityKey })
      expect(own.status).toBe(200)
      const token = (jsonBody(own) as { SyncSessionToken: string }).SyncSessionToken
      const write = yield* signedRequest({
        port,
        method: "POST",
        path: datasetPath("settings"),
        credentials: identityKey,
        body: JSON.stringify({
          SyncSessionToken: token,
          RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
        })
      })
      expect(write.status).toBe(200)

      const other = yield* signedRequest({
        port,
        method: "GET",
        path: datasetPath("settings", identityB) + "/records",
        credentials: identityKey
      })
      expectError(other, 403, "NotAuthorizedException")
      const otherUsage = yield* signedRequest({
        port,
        method: "GET",
        path: `/identitypools/${encodeURIComponent(poolId)}/identities/${encodeURIComponent(identityB)}`,
        credentials: identityKey
      })
      expectError(otherUsage, 403, "NotAuthorizedException")
      const configuration = yield* signedRequest({
        port,
        method: "GET",
        path: `/identitypools/${encodeURIComponent(poolId)}/configuration`,
        credentials: identityKey
      })
      expectError(configuration, 403, "NotAuthorizedException")
      const poolList = yield* signedRequest({ port, method: "GET", path: "/identitypools", credentials: identityKey })
      expectError(poolList, 403, "NotAuthorizedException")
      // The developer key may do both.
      const developerOther = yield* signedRequest({
        port,
        method: "GET",
        path: datasetPath("settings", identityB) + "/records"
      })
      expect(developerOther.status).toBe(200)
      const snapshot = yield* server.engine.snapshot
      expect(snapshot[poolId]?.[identityA]?.["settings"]?.records).toEqual({ k: { value: "v", syncCount: 1 } })
      expect(snapshot[poolId]?.[identityB]).toBeUndefined()
    }).pipe(Effect.scoped))
})
