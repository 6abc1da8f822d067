import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as E from "../src/CognitoSyncError.js"
import {
  awsError,
  DATASET,
  defaultOptions,
  IDENTITY_ID,
  makeFake,
  makeService,
  ok,
  POOL_ID,
  type Reply
} from "./support/fakes.js"

const identity = { IdentityPoolId: POOL_ID, IdentityId: IDENTITY_ID }
const dataset = { ...identity, DatasetName: DATASET }
const noRetry = { ...defaultOptions, maxAttempts: 1 }

const collect = <A, E>(stream: Stream.Stream<A, E>) => Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

describe("pagination: ListRecords", () => {
  const pages: ReadonlyArray<Reply> = [
    ok({
      Records: [{ Key: "a", Value: "1", SyncCount: 1 }],
      NextToken: "page/2",
      SyncSessionToken: "sst-first",
      DatasetSyncCount: 9,
      Count: 1
    }),
    ok({ Records: [{ Key: "b", SyncCount: 2 }], NextToken: "page/3", SyncSessionToken: "sst-second", Count: 1 }),
    ok({ Records: [{ Key: "c", Value: "3", SyncCount: 3 }], NextToken: null, SyncSessionToken: "sst-third", Count: 1 })
  ]

  it.effect("follows NextToken across 3 pages, keeping the first page's SyncSessionToken and the LastSyncCount", () =>
    Effect.gen(function*() {
      const fake = makeFake(pages)
      const service = yield* makeService(fake, noRetry)
      const result = yield* collect(service.listRecordsPages({ ...dataset, LastSyncCount: 5, MaxResults: 1 }))
      expect(result.map((page) => page.Records?.map((record) => record.Key))).toEqual([["a"], ["b"], ["c"]])
      expect(result[0]?.DatasetSyncCount).toBe(9)
      expect(fake.requests.map((request) => request.query)).toEqual([
        { lastSyncCount: "5", maxResults: "1" },
        { lastSyncCount: "5", nextToken: "page/2", maxResults: "1", syncSessionToken: "sst-first" },
        { lastSyncCount: "5", nextToken: "page/3", maxResults: "1", syncSessionToken: "sst-first" }
      ])
      expect(fake.requests[1]?.search).toContain("nextToken=page%2F2")
    }))

  it.effect("a SyncSessionToken given in the input is kept for every page", () =>
    Effect.gen(function*() {
      const fake = makeFake(pages)
      const service = yield* makeService(fake, noRetry)
      yield* collect(service.listRecordsPages({ ...dataset, LastSyncCount: 0, SyncSessionToken: "mine" }))
      expect(fake.requests.map((request) => request.query.syncSessionToken)).toEqual(["mine", "mine", "mine"])
    }))

  it.effect("one page without NextToken is the whole stream", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({ Records: [], SyncSessionToken: "t" }))
      const service = yield* makeService(fake, noRetry)
      const result = yield* collect(service.listRecordsPages({ ...dataset, LastSyncCount: 0 }))
      expect(result).toHaveLength(1)
      expect(fake.count()).toBe(1)
    }))

  it.effect("an empty NextToken ends the stream", () =>
    Effect.gen(function*() {
      const fake = makeFake([ok({ NextToken: "2" }), ok({ NextToken: "" }), ok({})])
      const service = yield* makeService(fake, noRetry)
      const result = yield* collect(service.listRecordsPages({ ...dataset }))
      expect(result).toHaveLength(2)
      expect(fake.count()).toBe(2)
    }))

  it.effect("a failing page fails the stream after the pages before it", () =>
    Effect.gen(function*() {
      const fake = makeFake([ok({ NextToken: "2", Records: [] }), awsError(400, "InvalidParameterException")])
      const service = yield* makeService(fake, noRetry)
      const seen: Array<unknown> = []
      const error = yield* Effect.flip(
        Stream.runForEach(service.listRecordsPages({ ...dataset }), (page) => Effect.sync(() => seen.push(page)))
      )
      expect(error).toBeInstanceOf(E.InvalidParameterException)
      expect(seen).toHaveLength(1)
    }))

  it.effect("pages are fetched lazily: taking one page sends one request", () =>
    Effect.gen(function*() {
      const fake = makeFake(pages)
      const service = yield* makeService(fake, noRetry)
      yield* collect(Stream.take(service.listRecordsPages({ ...dataset }), 1))
      expect(fake.count()).toBe(1)
    }))
})

describe("pagination: ListDatasets and ListIdentityPoolUsage", () => {
  it.effect("listDatasetsPages follows NextToken across 3 pages, keeping MaxResults", () =>
    Effect.gen(function*() {
      const fake = makeFake([
        ok({ Datasets: [{ DatasetName: "one" }], NextToken: "t2", Count: 1 }),
        ok({ Datasets: [{ DatasetName: "two" }], NextToken: "t3", Count: 1 }),
        ok({ Datasets: [{ DatasetName: "three" }], Count: 1 })
      ])
      const service = yield* makeService(fake, noRetry)
      const result = yield* collect(service.listDatasetsPages({ ...identity, MaxResults: 1 }))
      expect(result.flatMap((page) => page.Datasets?.map((d) => d.DatasetName) ?? [])).toEqual(["one", "two", "three"])
      expect(fake.requests.map((request) => request.query)).toEqual([
        { maxResults: "1" },
        { nextToken: "t2", maxResults: "1" },
        { nextToken: "t3", maxResults: "1" }
      ])
      expect(fake.requests.every((request) => request.path.endsWith("/datasets"))).toBe(true)
    }))

  it.effect("listIdentityPoolUsagePages follows NextToken across 3 pages, from a given start token", () =>
    Effect.gen(function*() {
      const fake = makeFake([
        ok({ IdentityPoolUsages: [{ IdentityPoolId: "p1" }], NextToken: "u2", MaxResults: 1 }),
        ok({ IdentityPoolUsages: [{ IdentityPoolId: "p2" }], NextToken: "u3", MaxResults: 1 }),
        ok({ IdentityPoolUsages: [{ IdentityPoolId: "p3" }], NextToken: null, MaxResults: 1 })
      ])
      const service = yield* makeService(fake, noRetry)
      const result = yield* collect(service.listIdentityPoolUsagePages({ NextToken: "u1" }))
      expect(result.flatMap((page) => page.IdentityPoolUsages?.map((u) => u.IdentityPoolId) ?? [])).toEqual([
        "p1",
        "p2",
        "p3"
      ])
      expect(fake.requests.map((request) => request.query.nextToken)).toEqual(["u1", "u2", "u3"])
    }))
})

/**
 * At most 20 pages, then the error, or a note of how many pages came: a looping stream makes the test fail rather
 * than hang.
 */
const pagesOrError = <A, E>(stream: Stream.Stream<A, E>) =>
  Effect.map(
    Effect.either(collect(Stream.take(stream, 20))),
    (result) => (result._tag === "Left" ? result.left : `${result.right.length} pages and no error`)
  )

describe("pagination: a server that repeats NextToken", () => {
  it.effect("the same stream can run twice: what one run saw does not stop the next", () =>
    Effect.gen(function*() {
      const fake = makeFake((request) =>
        ok({ Datasets: [], NextToken: request.query.nextToken === undefined ? "t2" : undefined })
      )
      const service = yield* makeService(fake, noRetry)
      const stream = service.listDatasetsPages(identity)
      expect(yield* collect(stream)).toHaveLength(2)
      expect(yield* collect(stream)).toHaveLength(2)
      expect(fake.count()).toBe(4)
    }))

  it.effect("the same NextToken twice stops with CognitoSyncDecodeError rather than looping", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({ Records: [], NextToken: "again" }))
      const service = yield* makeService(fake, noRetry)
      const result = yield* pagesOrError(service.listRecordsPages({ ...dataset }))
      expect(result).toBeInstanceOf(E.CognitoSyncDecodeError)
      expect(result).toMatchObject({ operation: "ListRecords" })
      expect(fake.count()).toBe(2)
    }))

  it.effect("a NextToken equal to the one given in the input stops at once", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({ Datasets: [], NextToken: "start" }))
      const service = yield* makeService(fake, noRetry)
      const result = yield* pagesOrError(service.listDatasetsPages({ ...identity, NextToken: "start" }))
      expect(result).toMatchObject({ _tag: "CognitoSyncDecodeError", operation: "ListDatasets" })
      expect(fake.count()).toBe(1)
    }))

  it.effect("a cycle of tokens (a → b → a) stops too", () =>
    Effect.gen(function*() {
      const fake = makeFake((request) =>
        ok({ IdentityPoolUsages: [], NextToken: request.query.nextToken === "a" ? "b" : "a" })
      )
      const service = yield* makeService(fake, noRetry)
      const result = yield* pagesOrError(service.listIdentityPoolUsagePages({}))
      expect(result).toMatchObject({ _tag: "CognitoSyncDecodeError", operation: "ListIdentityPoolUsage" })
      expect(fake.count()).toBeLessThanOrEqual(4)
    }))
})
