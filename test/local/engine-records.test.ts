/**
 * The emulator's engine, part 2: ListRecords (deltas, paging, missing datasets, deletion epochs) and sync session
 * tokens, through the in-process layer.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import type * as CognitoSync from "../../src/CognitoSync.js"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import type * as S from "../../src/Schemas.js"
import {
  BOB,
  countsOf,
  dataset,
  failsWith,
  listAll,
  OTHER_POOL,
  POOL,
  put,
  remove,
  service,
  statusOf,
  type Target,
  token,
  valuesOf,
  withEngine,
  write
} from "./engineSupport.js"

const settings = dataset("settings")

const sessionsCount = Effect.flatMap(service, (sync) => sync.describeIdentityPoolUsage({ IdentityPoolId: POOL })).pipe(
  Effect.map((usage) => usage.IdentityPoolUsage?.SyncSessionsCount)
)

/** Pages through ListRecords by hand, carrying the first page's token, running `between` after each page. */
const pageThrough = (
  target: Target,
  LastSyncCount: number,
  MaxResults: number,
  between: (pageIndex: number) => Effect.Effect<unknown, unknown, CognitoSync.CognitoSync> = () => Effect.void
) =>
  Effect.gen(function*() {
    const sync = yield* service
    const pages: Array<CognitoSync.Output<"ListRecords">> = []
    let NextToken: string | undefined
    let SyncSessionToken: string | undefined
    do {
      const page = yield* sync.listRecords({
        ...target,
        LastSyncCount,
        MaxResults,
        ...(NextToken === undefined ? {} : { NextToken }),
        ...(SyncSessionToken === undefined ? {} : { SyncSessionToken })
      })
      if (SyncSessionToken !== undefined) expect(page.SyncSessionToken).toBe(SyncSessionToken)
      SyncSessionToken = page.SyncSessionToken
      pages.push(page)
      NextToken = page.NextToken
      yield* Effect.orDie(between(pages.length - 1))
      if (pages.length > 1000) return expect.fail("paging does not end")
    } while (NextToken !== undefined)
    return pages
  })

/** Applies pages in order, as a client does: later versions of a key win. */
const applyPages = (pages: ReadonlyArray<CognitoSync.Output<"ListRecords">>) => {
  const state: Record<string, { value: string | undefined; syncCount: number }> = {}
  for (const page of pages) {
    for (const record of page.Records ?? []) {
      const known = state[record.Key!]
      if (known === undefined || known.syncCount < record.SyncCount!) {
        state[record.Key!] = { value: record.Value, syncCount: record.SyncCount! }
      }
    }
  }
  return state
}

const stateOf = (records: ReadonlyArray<S.Record>) => applyPages([{ Records: records }])

describe("ListRecords", () => {
  it.effect("a missing dataset is no error: Count 0, DatasetExists false, DatasetSyncCount 0 and a token", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const page = yield* sync.listRecords(settings)
      expect(page).toMatchObject({
        Records: [],
        Count: 0,
        DatasetSyncCount: 0,
        DatasetExists: false,
        DatasetDeletedAfterRequestedSyncCount: false
      })
      expect(page.LastModifiedBy).toBeUndefined()
      expect(page.MergedDatasetNames).toBeUndefined()
      expect(page.NextToken).toBeUndefined()
      expect(page.SyncSessionToken).toEqual(expect.any(String))
      expect(page.SyncSessionToken!.length).toBeGreaterThan(0)
      // With LastSyncCount 0 too; each call hands out a new token.
      const again = yield* sync.listRecords({ ...settings, LastSyncCount: 0 })
      expect(again.DatasetExists).toBe(false)
      expect(again.SyncSessionToken).not.toBe(page.SyncSessionToken)
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("returns the records with a count above LastSyncCount, tombstones included, and the dataset's fields", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* write(settings, [put("a", "1", 0), put("b", "2", 0)], { DeviceId: "d1" }) // count 1
      yield* write(settings, [put("c", "3", 0)], { DeviceId: "d2" }) // count 2
      yield* write(settings, [remove("a", 1), put("b", "22", 1)], { DeviceId: "d3" }) // count 3
      const expected: Record<number, Record<string, string | undefined>> = {
        0: { a: undefined, b: "22", c: "3" },
        1: { a: undefined, b: "22", c: "3" },
        2: { a: undefined, b: "22" },
        3: {}
      }
      for (const [from, values] of Object.entries(expected)) {
        const page = yield* sync.listRecords({ ...settings, LastSyncCount: Number(from) })
        expect(valuesOf(page.Records!)).toEqual(values)
        expect(page.Count).toBe(Object.keys(values).length)
        expect(page).toMatchObject({
          DatasetSyncCount: 3,
          DatasetExists: true,
          DatasetDeletedAfterRequestedSyncCount: false,
          LastModifiedBy: "d3"
        })
        expect(page.SyncSessionToken).toEqual(expect.any(String))
      }
      // Without LastSyncCount: everything.
      expect(countsOf((yield* sync.listRecords(settings)).Records!)).toEqual({ a: 3, b: 3, c: 2 })
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("a LastSyncCount above the current count is InvalidParameterException \"No such SyncCount\"", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const missing = yield* failsWith(
        sync.listRecords({ ...settings, LastSyncCount: 1 }),
        "InvalidParameterException",
        "No such SyncCount: 1 exists for this Dataset"
      )
      expect(statusOf(missing)).toBe(400)
      yield* write(settings, [put("a", "1", 0)])
      yield* write(settings, [put("a", "2", 1)])
      const sessions = yield* sessionsCount
      yield* failsWith(
        sync.listRecords({ ...settings, LastSyncCount: 3 }),
        "InvalidParameterException",
        "No such SyncCount: 3 exists for this Dataset"
      )
      // No session was opened by the failed call.
      expect(yield* sessionsCount).toBe(sessions)
      expect((yield* sync.listRecords({ ...settings, LastSyncCount: 2 })).Count).toBe(0)
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("pages of every size (1, 2, 3, 5, 7, 8, 100) give every changed record exactly once, in count order", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* write(settings, [put("k1", "a", 0), put("k2", "b", 0)]) // 1
      yield* write(settings, [put("k3", "c", 0), put("k4", "d", 0), put("k5", "e", 0)]) // 2
      yield* write(settings, [remove("k1", 1), put("k6", "f", 0)]) // 3
      yield* write(settings, [put("k7", "g", 0), put("k2", "bb", 1)]) // 4
      const everything = (yield* sync.listRecords(settings)).Records!
      expect(everything).toHaveLength(7)
      for (const from of [0, 2]) {
        const expected = everything.filter((record) => record.SyncCount! > from)
        for (const size of [1, 2, 3, 5, 7, 8, 100]) {
          const pages = yield* pageThrough(settings, from, size)
          const records = pages.flatMap((page) => page.Records!)
          expect(records).toHaveLength(expected.length)
          expect(new Set(records.map((record) => record.Key)).size).toBe(expected.length)
          expect(stateOf(records)).toEqual(stateOf(expected))
          const counts = records.map((record) => record.SyncCount!)
          expect(counts).toEqual([...counts].sort((a, b) => a - b))
          expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / size)))
          pages.forEach((page, i) => {
            expect(page.Count).toBe(page.Records!.length)
            expect(page.Records!.length).toBeLessThanOrEqual(size)
            expect(page.DatasetSyncCount).toBe(4)
            if (i < pages.length - 1) expect(page.NextToken).toEqual(expect.any(String))
            else expect(page.NextToken).toBeUndefined()
          })
        }
      }
      // The layer's paging stream agrees.
      expect(stateOf(yield* listAll(settings, 0, 1))).toEqual(stateOf(everything))
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("records written between pages are not missed (page sizes 1, 2, 3)", () =>
    Effect.gen(function*() {
      for (const size of [1, 2, 3]) {
        const target = dataset(`paged-${size}`)
        yield* write(target, [put("k0", "0", 0), put("k1", "1", 0)]) // 1
        yield* write(target, [put("k2", "2", 0), put("k3", "3", 0)]) // 2
        yield* write(target, [put("k4", "4", 0), put("k5", "5", 0)]) // 3
        const pages = yield* pageThrough(target, 0, size, (index) => {
          if (index === 0) {
            // Another device: one record already returned, one not yet returned, one new key.
            return write(target, [put("k0", "0'", 1), put("k5", "5'", 3), put("new", "n", 0)]) // 4
          }
          if (index === 1) return write(target, [remove("k3", 2)]) // 5
          return Effect.void
        })
        const server = yield* listAll(target)
        const client = applyPages(pages)
        expect(client).toEqual(stateOf(server))
        expect(client).toMatchObject({
          k0: { value: "0'", syncCount: 4 },
          k5: { value: "5'", syncCount: 4 },
          new: { value: "n", syncCount: 4 },
          k3: { value: undefined, syncCount: 5 }
        })
        // The count the client stores (the last page's) leaves nothing behind.
        const stored = pages[pages.length - 1]!.DatasetSyncCount!
        expect(stored).toBe(5)
        expect((yield* listAll(target, stored)).length).toBe(0)
      }
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("a bad MaxResults or NextToken is InvalidParameterException", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* write(settings, [put("a", "1", 0), put("b", "2", 0)])
      yield* failsWith(sync.listRecords({ ...settings, MaxResults: 0 }), "InvalidParameterException")
      yield* failsWith(sync.listRecords({ ...settings, MaxResults: -1 }), "InvalidParameterException")
      yield* failsWith(sync.listRecords({ ...settings, NextToken: "not a token" }), "InvalidParameterException")
      yield* failsWith(sync.listRecords({ ...settings, NextToken: btoa("7") }), "InvalidParameterException")
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))
})

describe("deleted datasets and DatasetDeletedAfterRequestedSyncCount", () => {
  it.effect("a count from before a delete is flagged, before and after a re-create; counts go on after it", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* write(settings, [put("a", "1", 0)]) // 1
      yield* write(settings, [put("b", "2", 0)]) // 2
      yield* write(settings, [put("a", "11", 1)]) // 3
      // A client synced up to 3 (and one up to 2), then the dataset is deleted.
      yield* sync.deleteDataset(settings)

      const deleted = yield* sync.listRecords({ ...settings, LastSyncCount: 3 })
      expect(deleted).toMatchObject({
        Records: [],
        Count: 0,
        DatasetExists: false,
        DatasetSyncCount: 0,
        DatasetDeletedAfterRequestedSyncCount: true
      })
      expect(deleted.SyncSessionToken).toEqual(expect.any(String))
      expect((yield* sync.listRecords({ ...settings, LastSyncCount: 2 })).DatasetDeletedAfterRequestedSyncCount)
        .toBe(true)
      // A fresh client (count 0) is not flagged.
      const fresh = yield* sync.listRecords({ ...settings, LastSyncCount: 0 })
      expect(fresh.DatasetDeletedAfterRequestedSyncCount).toBe(false)
      expect(fresh.DatasetExists).toBe(false)
      yield* failsWith(sync.listRecords({ ...settings, LastSyncCount: 4 }), "InvalidParameterException")

      // Re-created: the key "a" starts over (SyncCount 0), and the count goes on after the deleted 3.
      yield* failsWith(
        write(settings, [put("a", "x", 3)]),
        "ResourceConflictException",
        "Current SyncCount for: a is: 0 not: 3"
      )
      const recreated = yield* write(settings, [put("a", "new", 0)])
      expect(recreated.Records![0]!.SyncCount).toBe(4)

      const old = yield* sync.listRecords({ ...settings, LastSyncCount: 3 })
      expect(old).toMatchObject({
        DatasetExists: true,
        DatasetSyncCount: 4,
        DatasetDeletedAfterRequestedSyncCount: true
      })
      // The flagged client gets the whole new dataset, not only what came after its old count.
      expect(valuesOf(old.Records!)).toEqual({ a: "new" })
      expect((yield* sync.listRecords({ ...settings, LastSyncCount: 1 })).DatasetDeletedAfterRequestedSyncCount)
        .toBe(true)

      // A count learned after the delete is not flagged.
      const learned = yield* sync.listRecords({ ...settings, LastSyncCount: 4 })
      expect(learned).toMatchObject({ Count: 0, DatasetExists: true, DatasetDeletedAfterRequestedSyncCount: false })

      // A second delete and re-create: counts from both earlier lives are flagged, the newest is not.
      yield* write(settings, [put("b", "b", 0)]) // 5
      yield* sync.deleteDataset(settings)
      expect((yield* write(settings, [put("c", "c", 0)])).Records![0]!.SyncCount).toBe(6)
      for (const count of [2, 4, 5]) {
        const page = yield* sync.listRecords({ ...settings, LastSyncCount: count })
        expect(page.DatasetDeletedAfterRequestedSyncCount).toBe(true)
        expect(valuesOf(page.Records!)).toEqual({ c: "c" })
      }
      expect((yield* sync.listRecords({ ...settings, LastSyncCount: 6 })).DatasetDeletedAfterRequestedSyncCount)
        .toBe(false)
      yield* failsWith(
        sync.listRecords({ ...settings, LastSyncCount: 7 }),
        "InvalidParameterException",
        "No such SyncCount: 7 exists for this Dataset"
      )
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))
})

describe("sync session tokens", () => {
  it.effect("a ListRecords presenting a valid token returns it and opens no new session", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const first = yield* sync.listRecords(settings)
      expect(yield* sessionsCount).toBe(1)
      const again = yield* sync.listRecords({ ...settings, SyncSessionToken: first.SyncSessionToken! })
      expect(again.SyncSessionToken).toBe(first.SyncSessionToken)
      expect(yield* sessionsCount).toBe(1)
      yield* sync.listRecords(settings)
      expect(yield* sessionsCount).toBe(2)
      // The token still works for a write after being presented.
      yield* sync.updateRecords({
        ...settings,
        SyncSessionToken: first.SyncSessionToken!,
        RecordPatches: [put("a", "1", 0)]
      })
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("a token is bound to its pool, identity and dataset", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        const SyncSessionToken = yield* token(settings)
        const patches = [put("a", "1", 0)]
        const elsewhere = [dataset("other"), dataset("settings", BOB), dataset("settings", undefined, OTHER_POOL)]
        for (const target of elsewhere) {
          const error = yield* failsWith(
            sync.updateRecords({ ...target, SyncSessionToken, RecordPatches: patches }),
            "InvalidParameterException",
            "SyncSessionToken not valid for these inputs"
          )
          expect(statusOf(error)).toBe(400)
          yield* failsWith(
            sync.listRecords({ ...target, SyncSessionToken }),
            "InvalidParameterException",
            "SyncSessionToken not valid for these inputs"
          )
        }
        expect(yield* engine.snapshot).toEqual({ [POOL]: {} })
        // It still works where it belongs.
        yield* sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: patches })
      })))

  it.effect("an unknown token is InvalidParameterException", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* failsWith(
        sync.updateRecords({ ...settings, SyncSessionToken: "made-up", RecordPatches: [put("a", "1", 0)] }),
        "InvalidParameterException"
      )
      yield* failsWith(sync.updateRecords({ ...settings, SyncSessionToken: "" }), "InvalidParameterException")
      yield* failsWith(sync.listRecords({ ...settings, SyncSessionToken: "made-up" }), "InvalidParameterException")
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("a successful UpdateRecords uses the token up", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        const SyncSessionToken = yield* token(settings)
        yield* sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: [put("a", "1", 0)] })
        const before = yield* engine.snapshot
        yield* failsWith(
          sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: [put("a", "2", 1)] }),
          "InvalidParameterException",
          "SyncSessionToken has already been used"
        )
        yield* failsWith(
          sync.listRecords({ ...settings, SyncSessionToken }),
          "InvalidParameterException",
          "SyncSessionToken has already been used"
        )
        expect(yield* engine.snapshot).toEqual(before)
      })))

  it.effect("a token expires after 5 minutes by default, for UpdateRecords and ListRecords alike", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        yield* TestClock.setTime(10_000)
        const first = yield* token(settings)
        const second = yield* token(settings)
        yield* TestClock.adjust(5 * 60_000 - 1)
        yield* sync.listRecords({ ...settings, SyncSessionToken: second })
        yield* sync.updateRecords({ ...settings, SyncSessionToken: first, RecordPatches: [put("a", "1", 0)] })
        yield* TestClock.adjust(1)
        const before = yield* engine.snapshot
        yield* failsWith(
          sync.updateRecords({ ...settings, SyncSessionToken: second, RecordPatches: [put("b", "1", 0)] }),
          "InvalidParameterException",
          "SyncSessionToken has expired"
        )
        yield* failsWith(
          sync.listRecords({ ...settings, SyncSessionToken: second }),
          "InvalidParameterException",
          "SyncSessionToken has expired"
        )
        expect(yield* engine.snapshot).toEqual(before)
        // A fresh token works.
        yield* write(settings, [put("b", "1", 0)])
      })))

  it.effect("tokenTtl sets the lifetime", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const first = yield* token(settings)
      const second = yield* token(settings)
      yield* TestClock.adjust("29 seconds")
      yield* sync.updateRecords({ ...settings, SyncSessionToken: first, RecordPatches: [put("a", "1", 0)] })
      yield* TestClock.adjust("1 second")
      yield* failsWith(
        sync.updateRecords({ ...settings, SyncSessionToken: second, RecordPatches: [put("b", "1", 0)] }),
        "InvalidParameterException",
        "SyncSessionToken has expired"
      )
    }).pipe(Effect.provide(CognitoSyncLocal.layerWith({ tokenTtl: "30 seconds" }))))

  it.effect("a failed UpdateRecords (conflict, limit) leaves the token usable", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* write(settings, [put("a", "1", 0)])
      const SyncSessionToken = yield* token(settings)
      yield* failsWith(
        sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: [put("a", "2", 0)] }),
        "ResourceConflictException"
      )
      yield* failsWith(
        sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: [put("b", "2", 0), put("c", "3", 0)] }),
        "LimitExceededException"
      )
      const done = yield* sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: [put("a", "2", 1)] })
      expect(done.Records![0]!.SyncCount).toBe(2)
    }).pipe(Effect.provide(CognitoSyncLocal.layerWith({ limits: { recordsPerDataset: 2 } }))))
})
