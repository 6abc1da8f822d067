/**
 * The wire form of the local server's answers: error status, `x-amzn-ErrorType: <Name>:<uri>` and a JSON body
 * with `message`; `x-amzn-RequestId` and `Date` on every answer; malformed requests get a 4xx, never a 5xx; and
 * CORS for web apps on another origin.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Server from "../../src/local/Server.js"
import {
  datasetPath,
  errorName,
  hasCommonHeaders,
  identityA,
  jsonBody,
  poolId,
  rawRequest,
  type RawResponse,
  signedRequest
} from "./serverSupport.js"

const pool = encodeURIComponent(poolId)

/** Asserts the service's error form and returns the error name. */
const expectWireError = (response: RawResponse, status: number, name: string) => {
  expect(response.status).toBe(status)
  expect(response.headers["x-amzn-errortype"]).toBe(`${name}:${Server.errorTypeNamespace}`)
  expect(response.headers["content-type"]).toMatch(/^application\/json/)
  const body = jsonBody(response)
  expect(body).toEqual({ message: expect.any(String) })
  expect(hasCommonHeaders(response)).toBe(true)
}

const expect4xx = (label: string, response: RawResponse) => {
  expect([label, response.status >= 400 && response.status < 500]).toEqual([label, true])
  expect([label, hasCommonHeaders(response)]).toEqual([label, true])
  expect([label, typeof (jsonBody(response) as { message?: unknown } | undefined)?.message]).toEqual([
    label,
    "string"
  ])
}

describe("local server: wire form", () => {
  it.live("every answer carries x-amzn-RequestId and Date: success, errors, 404, preflight", () =>
    Effect.gen(function*() {
      const { port } = yield* Server.start({ port: 0, maxBodyBytes: 64 })
      const answers = {
        success: yield* signedRequest({ port, method: "GET", path: datasetPath("d") + "/records" }),
        modeledError: yield* signedRequest({ port, method: "GET", path: datasetPath("d") }),
        unsigned: yield* rawRequest(port, { method: "GET", path: datasetPath("d") }),
        unknownRoute: yield* rawRequest(port, { method: "GET", path: "/nothing/here" }),
        wrongMethod: yield* rawRequest(port, { method: "PUT", path: datasetPath("d") }),
        tooLarge: yield* rawRequest(port, { method: "POST", path: datasetPath("d"), body: "x".repeat(100) }),
        // Refused by Node's HTTP parser before the app sees it.
        unknownMethod: yield* rawRequest(port, { method: "BREW", path: datasetPath("d") }),
        headerOverflow: yield* rawRequest(port, {
          method: "GET",
          path: datasetPath("d"),
          headers: { "x-padding": "p".repeat(20 * 1024) }
        }),
        preflight: yield* rawRequest(port, {
          method: "OPTIONS",
          path: datasetPath("d"),
          headers: { origin: "http://app.example", "access-control-request-method": "POST" }
        })
      }
      for (const [label, response] of Object.entries(answers)) {
        expect([label, hasCommonHeaders(response)]).toEqual([label, true])
        // Date is an HTTP date close to now.
        expect([label, Math.abs(Date.parse(response.headers["date"]!) - Date.now()) < 60_000]).toEqual([label, true])
      }
      expect(answers.success.status).toBe(200)
      expect([answers.unknownMethod.status, errorName(answers.unknownMethod)]).toEqual([400, "SerializationException"])
      expect([answers.headerOverflow.status, errorName(answers.headerOverflow)]).toEqual([
        431,
        "SerializationException"
      ])
      expect(jsonBody(answers.unknownMethod)).toEqual({ message: expect.any(String) })
      expect(answers.success.headers["content-type"]).toMatch(/^application\/json/)
      expect(answers.success.headers["x-amzn-errortype"]).toBeUndefined()
      const requestIds = Object.values(answers).map((response) => response.headers["x-amzn-requestid"])
      expect(new Set(requestIds).size).toBe(requestIds.length)
    }).pipe(Effect.scoped))

  it.live("errors: status, x-amzn-ErrorType <Name>:<uri>, JSON body with message", () =>
    Effect.gen(function*() {
      const { port } = yield* Server.start({ port: 0 })
      expectWireError(
        yield* signedRequest({ port, method: "GET", path: datasetPath("d") }),
        404,
        "ResourceNotFoundException"
      )
      expectWireError(
        yield* rawRequest(port, { method: "GET", path: datasetPath("d") }),
        403,
        "MissingAuthenticationTokenException"
      )
      expectWireError(yield* rawRequest(port, { method: "GET", path: "/" }), 404, "UnknownOperationException")
      const listed = yield* signedRequest({ port, method: "GET", path: datasetPath("d") + "/records" })
      const token = (jsonBody(listed) as { SyncSessionToken: string }).SyncSessionToken
      const write = (syncCount: number, sessionToken = token) =>
        signedRequest({
          port,
          method: "POST",
          path: datasetPath("d"),
          body: JSON.stringify({
            SyncSessionToken: sessionToken,
            RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: syncCount }]
          })
        })
      expect((yield* write(0)).status).toBe(200)
      const second = yield* signedRequest({ port, method: "GET", path: datasetPath("d") + "/records" })
      const conflict = yield* write(0, (jsonBody(second) as { SyncSessionToken: string }).SyncSessionToken)
      expectWireError(conflict, 409, "ResourceConflictException")
      expect(jsonBody(conflict)).toEqual({ message: "Current SyncCount for: k is: 1 not: 0" })
      expectWireError(yield* write(1), 400, "InvalidParameterException")
    }).pipe(Effect.scoped))

  it.live("malformed requests get a 4xx, never a 5xx, and change nothing", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0, maxBodyBytes: 1024 })
      const { port } = server
      const listed = yield* signedRequest({ port, method: "GET", path: datasetPath("d") + "/records" })
      const token = (jsonBody(listed) as { SyncSessionToken: string }).SyncSessionToken
      const post = (body: string) => signedRequest({ port, method: "POST", path: datasetPath("d"), body })
      const patch = (fields: { readonly [key: string]: unknown }) =>
        post(JSON.stringify({
          SyncSessionToken: token,
          RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0, ...fields }]
        }))

      // Bodies that are not a JSON object: signed, so they pass SigV4 and reach decoding.
      for (const body of ["{bad json", "[1,2]", "null", "\"text\"", "42", "{\"a\":"]) {
        const response = yield* post(body)
        expect4xx(body, response)
        expect([body, errorName(response)]).toEqual([body, "SerializationException"])
      }
      // Wrong JSON types.
      const wrongTypes: ReadonlyArray<readonly [string, RawResponse]> = [
        ["RecordPatches: \"x\"", yield* post(JSON.stringify({ SyncSessionToken: token, RecordPatches: "x" }))],
        ["SyncCount: \"1\"", yield* patch({ SyncCount: "1" })],
        ["SyncCount: -1", yield* patch({ SyncCount: -1 })],
        ["SyncCount: 1.5", yield* patch({ SyncCount: 1.5 })],
        ["Op: upsert", yield* patch({ Op: "upsert" })],
        ["Key: 5", yield* patch({ Key: 5 })],
        ["Key: \"\"", yield* patch({ Key: "" })],
        ["Value: {}", yield* patch({ Value: {} })],
        ["DeviceLastModifiedDate: \"yesterday\"", yield* patch({ DeviceLastModifiedDate: "yesterday" })],
        ["SyncSessionToken: 1", yield* post(JSON.stringify({ SyncSessionToken: 1 }))],
        ["no SyncSessionToken", yield* post(JSON.stringify({ RecordPatches: [] }))],
        ["RecordPatches: [null]", yield* post(JSON.stringify({ SyncSessionToken: token, RecordPatches: [null] }))],
        [
          "Platform: WINDOWS",
          yield* signedRequest({
            port,
            method: "POST",
            path: `/identitypools/${pool}/identity/${encodeURIComponent(identityA)}/device`,
            body: JSON.stringify({ Platform: "WINDOWS", Token: "t" })
          })
        ],
        [
          "Events: []",
          yield* signedRequest({
            port,
            method: "POST",
            path: `/identitypools/${pool}/events`,
            body: JSON.stringify({ Events: [] })
          })
        ]
      ]
      for (const [label, response] of wrongTypes) {
        expect4xx(label, response)
        expect([label, errorName(response)]).toEqual([label, "InvalidParameterException"])
      }
      // Query and label values of the wrong shape.
      const records = datasetPath("d") + "/records"
      for (
        const query of [
          { maxResults: "abc" },
          { maxResults: "0" },
          { lastSyncCount: "-1" },
          { lastSyncCount: "1.5" },
          { lastSyncCount: "1e400" },
          { nextToken: "%%%" }
        ]
      ) {
        const response = yield* signedRequest({ port, method: "GET", path: records, query })
        expect4xx(JSON.stringify(query), response)
        expect([JSON.stringify(query), errorName(response)]).toEqual([
          JSON.stringify(query),
          "InvalidParameterException"
        ])
      }
      for (
        const path of [
          datasetPath("bad name") + "/records",
          datasetPath("d", "not-an-identity") + "/records",
          datasetPath("d", identityA, "pool") + "/records",
          datasetPath("x".repeat(200)) + "/records"
        ]
      ) {
        const response = yield* signedRequest({ port, method: "GET", path })
        expect4xx(path, response)
        expect([path, errorName(response)]).toEqual([path, "InvalidParameterException"])
      }
      // Unknown routes and wrong methods.
      for (
        const [method, path] of [
          ["GET", "/"],
          ["GET", "/identitypools/x/unknown"],
          ["PUT", datasetPath("d")],
          ["PATCH", datasetPath("d")],
          ["DELETE", "/identitypools"],
          ["GET", `/identitypools/${pool}/bulkpublish`],
          ["POST", `/identitypools/${pool}/identities`],
          ["GET", "/identitypools/../../etc/passwd"],
          ["GET", "/identitypools/%zz/identities/%/datasets/%E0%A4%A/records"]
        ] as const
      ) {
        const response = yield* signedRequest({ port, method, path })
        expect4xx(`${method} ${path}`, response)
      }
      // Oversized bodies, with a content-length and chunked.
      const big = JSON.stringify({
        SyncSessionToken: token,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "v".repeat(5000), SyncCount: 0 }]
      })
      const declared = yield* rawRequest(port, { method: "POST", path: datasetPath("d"), body: big })
      expectWireError(declared, 413, "RequestEntityTooLargeException")
      const chunked = yield* rawRequest(port, { method: "POST", path: datasetPath("d"), body: big, chunked: true })
      expectWireError(chunked, 413, "RequestEntityTooLargeException")
      // The limit is in bytes: 600 two-byte characters are 1200 bytes, over 1024, though only 600 UTF-16 units.
      const multiByte = JSON.stringify({ SyncSessionToken: "é".repeat(600) })
      expect(multiByte.length).toBeLessThan(1024)
      const chunkedMultiByte = yield* rawRequest(port, {
        method: "POST",
        path: datasetPath("d"),
        body: multiByte,
        chunked: true
      })
      expectWireError(chunkedMultiByte, 413, "RequestEntityTooLargeException")
      const signedBig = yield* post(big)
      expectWireError(signedBig, 413, "RequestEntityTooLargeException")

      // Nothing was written, and the token still works.
      expect((yield* server.engine.snapshot)[poolId]?.[identityA]).toBeUndefined()
      const fine = yield* patch({})
      expect(fine.status).toBe(200)
    }).pipe(Effect.scoped))
})

describe("local server: CORS", () => {
  it.live("a preflight from another origin is allowed with the SigV4 headers", () =>
    Effect.gen(function*() {
      const { port } = yield* Server.start({ port: 0 })
      for (const method of ["GET", "POST", "DELETE"]) {
        const preflight = yield* rawRequest(port, {
          method: "OPTIONS",
          path: datasetPath("d"),
          headers: {
            origin: "http://app.example:3000",
            "access-control-request-method": method,
            "access-control-request-headers": "authorization,x-amz-date,x-amz-security-token,content-type"
          }
        })
        expect(preflight.status).toBeGreaterThanOrEqual(200)
        expect(preflight.status).toBeLessThan(300)
        const allowOrigin = preflight.headers["access-control-allow-origin"]
        expect(allowOrigin === "*" || allowOrigin === "http://app.example:3000").toBe(true)
        const allowMethods = (preflight.headers["access-control-allow-methods"] ?? "").split(/\s*,\s*/)
        expect(allowMethods).toContain(method)
        const allowHeaders = (preflight.headers["access-control-allow-headers"] ?? "").toLowerCase().split(/\s*,\s*/)
        for (const header of ["authorization", "x-amz-date", "x-amz-security-token", "content-type"]) {
          expect(allowHeaders).toContain(header)
        }
        expect(Number(preflight.headers["access-control-max-age"])).toBeGreaterThan(0)
      }
    }).pipe(Effect.scoped))

  it.live("actual answers carry Access-Control-Allow-Origin and expose x-amzn-RequestId", () =>
    Effect.gen(function*() {
      const { port } = yield* Server.start({ port: 0 })
      const origin = { origin: "http://app.example:3000" }
      const answers = [
        yield* signedRequest({ port, method: "GET", path: datasetPath("d") + "/records", extraHeaders: origin }),
        yield* signedRequest({ port, method: "GET", path: datasetPath("d"), extraHeaders: origin }),
        yield* rawRequest(port, { method: "GET", path: datasetPath("d"), headers: origin }),
        yield* rawRequest(port, { method: "GET", path: "/nope", headers: origin })
      ]
      expect(answers.map((response) => response.status)).toEqual([200, 404, 403, 404])
      for (const response of answers) {
        const allowOrigin = response.headers["access-control-allow-origin"]
        expect(allowOrigin === "*" || allowOrigin === origin.origin).toBe(true)
        const exposed = (response.headers["access-control-expose-headers"] ?? "").toLowerCase().split(/\s*,\s*/)
        expect(exposed).toContain("x-amzn-requestid")
        expect(exposed).toContain("x-amzn-errortype")
      }
    }).pipe(Effect.scoped))
})
