/**
 * Fault injection of the local server: throttling, internal errors, latency, dropping the connection after a write
 * was applied, and the same fault sequence for the same seed and requests.
 */
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CognitoSync } from "../../src/index.js"
import * as Server from "../../src/local/Server.js"
import {
  datasetPath,
  developer,
  errorName,
  hasCommonHeaders,
  identityA,
  jsonBody,
  poolId,
  rawRequest,
  signedRequest
} from "./serverSupport.js"

const ids = { IdentityPoolId: poolId, IdentityId: identityA }
const records = datasetPath("d") + "/records"

/** The statuses of a fixed sequence of 20 signed requests to a fresh server with these faults. */
const statusPattern = (faults: Server.Faults) =>
  Effect.scoped(Effect.gen(function*() {
    const { port } = yield* Server.start({ port: 0, faults })
    const statuses: Array<number> = []
    for (let i = 0; i < 20; i++) {
      const response = i % 2 === 0
        ? yield* signedRequest({ port, method: "GET", path: records })
        : yield* signedRequest({ port, method: "GET", path: `/identitypools/${encodeURIComponent(poolId)}` })
      statuses.push(response.status)
    }
    return statuses
  }))

describe("local server: fault injection", () => {
  it.live("throttleRate 1: every request is a 429 TooManyRequestsException", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0, faults: { throttleRate: 1 } })
      const { port } = server
      const answers = [
        yield* signedRequest({ port, method: "GET", path: records }),
        yield* signedRequest({ port, method: "GET", path: datasetPath("d") }),
        yield* signedRequest({ port, method: "POST", path: datasetPath("d"), body: "{}" }),
        yield* signedRequest({ port, method: "GET", path: "/identitypools" }),
        yield* rawRequest(port, { method: "GET", path: records })
      ]
      for (const response of answers) {
        expect([response.status, errorName(response)]).toEqual([429, "TooManyRequestsException"])
        expect(hasCommonHeaders(response)).toBe(true)
        expect(jsonBody(response)).toEqual({ message: expect.any(String) })
      }
      const sync = yield* CognitoSync.make({
        region: "us-east-1",
        endpoint: server.url,
        credentials: developer,
        maxAttempts: 1
      })
      const throttled = yield* Effect.flip(sync.listRecords({ ...ids, DatasetName: "d" }))
      expect(throttled._tag).toBe("TooManyRequestsException")
      expect(throttled._tag === "TooManyRequestsException" && throttled.status).toBe(429)
      // Nothing reached the engine.
      expect(yield* server.engine.snapshot).toEqual({})
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("errorRate 1: every request is a 500 InternalErrorException", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0, faults: { errorRate: 1 } })
      for (const path of [records, datasetPath("d"), "/identitypools"]) {
        const response = yield* signedRequest({ port: server.port, method: "GET", path })
        expect([response.status, errorName(response)]).toEqual([500, "InternalErrorException"])
        expect(hasCommonHeaders(response)).toBe(true)
      }
      const sync = yield* CognitoSync.make({
        region: "us-east-1",
        endpoint: server.url,
        credentials: developer,
        maxAttempts: 1
      })
      const failed = yield* Effect.flip(sync.describeIdentityUsage(ids))
      expect(failed._tag).toBe("InternalErrorException")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("latency delays every answer", () =>
    Effect.gen(function*() {
      const latency = 300
      const { port } = yield* Server.start({ port: 0, faults: { latency } })
      for (let i = 0; i < 2; i++) {
        const started = performance.now()
        const response = yield* signedRequest({ port, method: "GET", path: records })
        const elapsed = performance.now() - started
        expect(response.status).toBe(200)
        // Timers may fire a millisecond early; no upper bound on this loaded machine.
        expect(elapsed).toBeGreaterThanOrEqual(latency - 5)
      }
    }).pipe(Effect.scoped))

  it.live("dropAfterWriteRate 1: the write is applied but the client sees a transport error", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0, faults: { dropAfterWriteRate: 1 } })
      const sync = yield* CognitoSync.make({
        region: "us-east-1",
        endpoint: server.url,
        credentials: developer,
        maxAttempts: 1
      })
      const page = yield* sync.listRecords({ ...ids, DatasetName: "d" })
      const dropped = yield* Effect.flip(sync.updateRecords({
        ...ids,
        DatasetName: "d",
        SyncSessionToken: page.SyncSessionToken!,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "applied", SyncCount: 0 }]
      }))
      expect(dropped._tag).toBe("CognitoSyncTransportError")
      // Reads are not dropped, and they show the write.
      const after = yield* sync.listRecords({ ...ids, DatasetName: "d" })
      expect(after.DatasetSyncCount).toBe(1)
      expect(after.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([["k", "applied", 1]])
      expect((yield* server.engine.snapshot)[poolId]?.[identityA]?.["d"]?.records).toEqual({
        k: { value: "applied", syncCount: 1 }
      })
      // A failed write is not dropped: its error comes back.
      const conflict = yield* Effect.flip(sync.updateRecords({
        ...ids,
        DatasetName: "d",
        SyncSessionToken: after.SyncSessionToken!,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "stale", SyncCount: 0 }]
      }))
      expect(conflict._tag).toBe("ResourceConflictException")
      // Other writes are dropped too, after being applied.
      const deleted = yield* Effect.flip(sync.deleteDataset({ ...ids, DatasetName: "d" }))
      expect(deleted._tag).toBe("CognitoSyncTransportError")
      expect((yield* server.engine.snapshot)[poolId]?.[identityA]).toEqual({})
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("the same seed injects the same faults for the same requests", () =>
    Effect.gen(function*() {
      const throttling = { throttleRate: 0.5, seed: 42 }
      const first = yield* statusPattern(throttling)
      const second = yield* statusPattern(throttling)
      expect(second).toEqual(first)
      expect(first).toContain(429)
      expect(first).toContain(200)
      expect(first.every((status) => status === 200 || status === 429)).toBe(true)
      const otherSeed = yield* statusPattern({ throttleRate: 0.5, seed: 43 })
      expect(otherSeed).not.toEqual(first)

      const mixed = { throttleRate: 0.3, errorRate: 0.3, seed: 7 }
      const mixedFirst = yield* statusPattern(mixed)
      expect(yield* statusPattern(mixed)).toEqual(mixedFirst)
      expect(new Set(mixedFirst)).toEqual(new Set([200, 429, 500]))
    }))
})
