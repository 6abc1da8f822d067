/**
 * The emulator's engine, part 1: datasets made by writes, sync counts, conflicts, tombstones, serialized writers,
 * and the purity of `Engine.step`. Most tests go through the in-process `CognitoSyncLocal` layer, as a user would.
 *
 * The other parts: engine-records (ListRecords and session tokens), engine-limits (limits and validation),
 * engine-admin (the other operations), engine-identity (credentials, merges, seeds, shared engines).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as TestClock from "effect/TestClock"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import * as Engine from "../../src/local/Engine.js"
import type * as S from "../../src/Schemas.js"
import {
  ALICE,
  BOB,
  countsOf,
  dataset,
  failsWith,
  listAll,
  POOL,
  put,
  remove,
  service,
  statusOf,
  token,
  valuesOf,
  withEngine,
  write
} from "./engineSupport.js"

const settings = dataset("settings")

describe("datasets and sync counts", () => {
  it.effect("a dataset does not exist until its first write creates it", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* failsWith(sync.describeDataset(settings), "ResourceNotFoundException")
      const before = yield* sync.listRecords(settings)
      expect(before.DatasetExists).toBe(false)
      expect((yield* sync.listDatasets({ IdentityPoolId: POOL, IdentityId: ALICE })).Datasets).toEqual([])

      yield* TestClock.setTime(1_700_000_000_000)
      yield* write(settings, [put("theme", "dark", 0)])
      const described = yield* sync.describeDataset(settings)
      expect(described.Dataset).toMatchObject({
        IdentityId: ALICE,
        DatasetName: "settings",
        NumRecords: 1,
        CreationDate: new Date(1_700_000_000_000)
      })
      expect((yield* sync.listRecords(settings)).DatasetExists).toBe(true)
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("each UpdateRecords raises the count by exactly 1 and stamps every record it writes", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* TestClock.setTime(1_000_000)
      const device = new Date(123_000)
      const first = yield* write(settings, [
        { ...put("a", "1", 0), DeviceLastModifiedDate: device },
        put("b", "2", 0),
        put("c", "3", 0)
      ], { DeviceId: "device-1" })
      expect(first.Records).toHaveLength(3)
      for (const record of first.Records!) {
        expect(record.SyncCount).toBe(1)
        expect(record.LastModifiedDate).toEqual(new Date(1_000_000))
        expect(record.LastModifiedBy).toBe("device-1")
      }
      expect(first.Records![0]!.DeviceLastModifiedDate).toEqual(device)
      expect(first.Records![1]!.DeviceLastModifiedDate).toBeUndefined()

      yield* TestClock.adjust("1 minute")
      // Two patches (a replace and a remove) in one call: still one count up.
      const second = yield* write(settings, [put("a", "10", 1), remove("b", 1)], { DeviceId: "device-2" })
      expect(countsOf(second.Records!)).toEqual({ a: 2, b: 2 })
      for (const record of second.Records!) {
        expect(record.LastModifiedDate).toEqual(new Date(1_060_000))
        expect(record.LastModifiedBy).toBe("device-2")
      }

      const third = yield* write(settings, [put("d", "4", 0)])
      // Without a DeviceId the writer is the identity.
      expect(third.Records![0]).toMatchObject({ SyncCount: 3, LastModifiedBy: ALICE })

      const all = yield* sync.listRecords(settings)
      expect(all.DatasetSyncCount).toBe(3)
      expect(all.LastModifiedBy).toBe(ALICE)
      // Untouched records keep the count of their last write.
      expect(countsOf(all.Records!)).toEqual({ a: 2, b: 2, c: 1, d: 3 })
      expect(valuesOf(all.Records!)).toEqual({ a: "10", b: undefined, c: "3", d: "4" })
      // Another dataset has its own count.
      expect((yield* write(dataset("other"), [put("x", "1", 0)])).Records![0]!.SyncCount).toBe(1)
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("a stale, future or non-zero-for-a-new-key SyncCount rejects the whole call with 409 (nothing written)", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        yield* write(settings, [put("a", "1", 0)])
        yield* write(settings, [put("a", "2", 1), put("b", "x", 0)])
        const before = yield* engine.snapshot
        const SyncSessionToken = yield* token(settings)
        const update = (RecordPatches: ReadonlyArray<S.RecordPatch>) =>
          sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches })

        // The valid patch "new" comes first: it must not be written either.
        const stale = yield* failsWith(
          update([put("new", "n", 0), put("a", "3", 1)]),
          "ResourceConflictException",
          "Current SyncCount for: a is: 2 not: 1"
        )
        expect(statusOf(stale)).toBe(409)
        yield* failsWith(
          update([put("a", "3", 7)]),
          "ResourceConflictException",
          "Current SyncCount for: a is: 2 not: 7"
        )
        yield* failsWith(
          update([put("never", "3", 4)]),
          "ResourceConflictException",
          "Current SyncCount for: never is: 0 not: 4"
        )
        yield* failsWith(
          update([remove("b", 0)]),
          "ResourceConflictException",
          "Current SyncCount for: b is: 2 not: 0"
        )
        expect(yield* engine.snapshot).toEqual(before)

        // The token was not used up: a ListRecords presenting it works, and so does a corrected write.
        const again = yield* sync.listRecords({ ...settings, SyncSessionToken, LastSyncCount: 2 })
        expect(again.SyncSessionToken).toBe(SyncSessionToken)
        const fixed = yield* update([put("new", "n", 0), put("a", "3", 2)])
        expect(countsOf(fixed.Records!)).toEqual({ new: 3, a: 3 })
      })))

  it.effect("remove leaves a tombstone that other devices receive; it counts in no size", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* write(settings, [put("a", "1", 0), put("b", "22", 0)], { DeviceId: "phone" })
      // Another device has synced up to count 1.
      const tablet = yield* sync.listRecords(settings)
      expect(tablet.DatasetSyncCount).toBe(1)

      const removed = yield* write(settings, [remove("a", 1)], { DeviceId: "phone" })
      expect(removed.Records).toEqual([
        { Key: "a", SyncCount: 2, LastModifiedDate: new Date(0), LastModifiedBy: "phone" }
      ])

      const delta = yield* sync.listRecords({ ...settings, LastSyncCount: 1 })
      expect(delta.Count).toBe(1)
      expect(delta.Records![0]!.Key).toBe("a")
      expect(delta.Records![0]!.Value).toBeUndefined()
      expect(delta.Records![0]!.SyncCount).toBe(2)
      expect(delta.DatasetSyncCount).toBe(2)
      // From scratch, the tombstone is there too.
      expect(valuesOf(yield* listAll(settings))).toEqual({ a: undefined, b: "22" })

      const described = yield* sync.describeDataset(settings)
      expect(described.Dataset?.NumRecords).toBe(1)
      expect(described.Dataset?.DataStorage).toBe(3) // "b" + "22"
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("replace on a tombstone revives the key with the tombstone's count", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* write(settings, [put("a", "1", 0)])
      yield* write(settings, [remove("a", 1)])
      // The tombstone has count 2: a patch that treats the key as new conflicts.
      yield* failsWith(
        write(settings, [put("a", "again", 0)]),
        "ResourceConflictException",
        "Current SyncCount for: a is: 2 not: 0"
      )
      const revived = yield* write(settings, [put("a", "again", 2)])
      expect(revived.Records![0]).toMatchObject({ Key: "a", Value: "again", SyncCount: 3 })
      const described = yield* sync.describeDataset(settings)
      expect(described.Dataset).toMatchObject({ NumRecords: 1, DataStorage: 6 })
      expect(valuesOf((yield* sync.listRecords({ ...settings, LastSyncCount: 2 })).Records!)).toEqual({ a: "again" })
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("duplicate keys and a replace without a Value are InvalidParameterException; nothing written", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        yield* write(settings, [put("a", "1", 0)])
        const before = yield* engine.snapshot
        yield* failsWith(
          write(settings, [put("a", "2", 1), put("a", "3", 1)]),
          "InvalidParameterException",
          "Duplicate key in RecordPatches: a"
        )
        yield* failsWith(
          write(settings, [put("b", "2", 0), { Op: "replace", Key: "c", SyncCount: 0 }]),
          "InvalidParameterException",
          /needs a Value/
        )
        expect(yield* engine.snapshot).toEqual(before)
      })))

  it.effect("an UpdateRecords with no patches writes nothing and does not raise the count (but uses the token)", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        yield* write(settings, [put("a", "1", 0)])
        const before = yield* engine.snapshot
        const SyncSessionToken = yield* token(settings)
        expect((yield* sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: [] })).Records).toEqual([])
        expect(yield* engine.snapshot).toEqual(before)
        expect((yield* sync.listRecords(settings)).DatasetSyncCount).toBe(1)
        yield* failsWith(
          sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: [put("a", "2", 1)] }),
          "InvalidParameterException"
        )
        // Nor does it create a dataset.
        const fresh = dataset("fresh")
        yield* sync.updateRecords({ ...fresh, SyncSessionToken: yield* token(fresh) })
        yield* failsWith(sync.describeDataset(fresh), "ResourceNotFoundException")
      })))
})

describe("concurrent writers", () => {
  it.effect("two writers racing with the same counts: exactly one wins, the other gets a conflict", () =>
    Effect.gen(function*() {
      const sync = yield* service
      for (let round = 0; round < 5; round++) {
        const race = dataset(`race-${round}`)
        yield* write(race, [put("shared", "base", 0)])
        const tokens = yield* Effect.all([token(race), token(race)])
        const results = yield* Effect.all(
          tokens.map((SyncSessionToken, writer) =>
            Effect.either(
              sync.updateRecords({
                ...race,
                SyncSessionToken,
                RecordPatches: [put("shared", `writer-${writer}`, 1), put(`only-${writer}`, "x", 0)]
              })
            )
          ),
          { concurrency: "unbounded" }
        )
        const winners = results.filter(Either.isRight)
        const losers = results.filter(Either.isLeft)
        expect(winners).toHaveLength(1)
        expect(losers).toHaveLength(1)
        expect(losers[0]!.left._tag).toBe("ResourceConflictException")
        expect(losers[0]!.left.message).toBe("Current SyncCount for: shared is: 2 not: 1")
        const winner = results.indexOf(winners[0]!)
        const state = yield* sync.listRecords(race)
        expect(state.DatasetSyncCount).toBe(2)
        // The winner's patches are stored; none of the loser's (not even its other, unrelated key).
        expect(valuesOf(state.Records!)).toEqual({ shared: `writer-${winner}`, [`only-${winner}`]: "x" })
      }
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("racing writers of different keys both succeed, one after the other", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const writers = Array.from({ length: 8 }, (_, i) => i)
      const tokens = yield* Effect.forEach(writers, () => token(settings))
      const results = yield* Effect.all(
        writers.map((i) =>
          sync.updateRecords({ ...settings, SyncSessionToken: tokens[i]!, RecordPatches: [put(`k${i}`, `${i}`, 0)] })
        ),
        { concurrency: "unbounded" }
      )
      const counts = results.map((result) => result.Records![0]!.SyncCount!).sort((a, b) => a - b)
      expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      expect((yield* sync.listRecords(settings)).DatasetSyncCount).toBe(8)
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))
})

describe("Engine.step is a pure transition", () => {
  const context = (now: number, caller: Engine.Caller = {}): Engine.Context => ({
    now,
    requestId: "request-1",
    caller,
    settings: { limits: Engine.defaultLimits, tokenTtlMillis: 60_000, bulkPublishMillis: 1_000 }
  })
  const ids = { IdentityPoolId: POOL, IdentityId: ALICE, DatasetName: "settings" }
  const right = <A, E>(either: Either.Either<A, E>): A => {
    if (Either.isLeft(either)) throw new Error(`expected success, got ${String(either.left)}`)
    return either.right
  }
  const left = <A, E>(either: Either.Either<A, E>): E => {
    if (Either.isRight(either)) throw new Error("expected a failure")
    return either.left
  }

  it("the same state, input and context give the same answer; the given state is never changed", () => {
    const empty = Engine.initialState("salt", 0)
    const a = Engine.step(empty, "ListRecords", ids, context(5))
    const b = Engine.step(empty, "ListRecords", ids, context(5))
    expect(right(a.result)).toEqual(right(b.result))
    expect(a.state).toEqual(b.state)
    expect(empty.counter).toBe(0)
    expect(Engine.snapshotOf(empty)).toEqual({})

    const SyncSessionToken = right(a.result).SyncSessionToken!
    const written = Engine.step(a.state, "UpdateRecords", {
      ...ids,
      SyncSessionToken,
      RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
    }, context(42))
    expect(right(written.result).Records![0]).toMatchObject({
      SyncCount: 1,
      LastModifiedDate: new Date(42),
      LastModifiedBy: ALICE
    })
    expect(Engine.snapshotOf(written.state)).toEqual({
      [POOL]: { [ALICE]: { settings: { syncCount: 1, records: { k: { value: "v", syncCount: 1 } } } } }
    })
    // The state before the write still has no data and an unused token.
    expect(Engine.snapshotOf(a.state)).toEqual({ [POOL]: {} })
    expect(right(Engine.step(a.state, "ListRecords", { ...ids, SyncSessionToken }, context(43)).result).Count).toBe(0)
    // ... while after the write the token is used up.
    expect(left(Engine.step(written.state, "ListRecords", { ...ids, SyncSessionToken }, context(43)).result)._tag)
      .toBe("InvalidParameterException")
  })

  it("a failing call returns the very state it was given", () => {
    const listed = Engine.step(Engine.initialState("salt", 0), "ListRecords", ids, context(0))
    const SyncSessionToken = right(listed.result).SyncSessionToken!
    const conflict = Engine.step(listed.state, "UpdateRecords", {
      ...ids,
      SyncSessionToken,
      RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 3 }]
    }, context(1))
    expect(conflict.state).toBe(listed.state)
    const error = left(conflict.result)
    expect(error._tag).toBe("ResourceConflictException")
    expect(error.message).toBe("Current SyncCount for: k is: 0 not: 3")
    expect(error.status).toBe(409)
    expect(error.requestId).toBe("request-1")

    const foreign = Engine.step(
      listed.state,
      "DescribeDataset",
      { ...ids, IdentityId: BOB },
      context(1, {
        identityId: ALICE
      })
    )
    expect(foreign.state).toBe(listed.state)
    expect(left(foreign.result)._tag).toBe("NotAuthorizedException")
  })

  it("time comes only from the context: token expiry and stamps follow `now`", () => {
    const listed = Engine.step(Engine.initialState("salt", 0), "ListRecords", ids, context(1_000))
    const SyncSessionToken = right(listed.result).SyncSessionToken!
    const input = {
      ...ids,
      SyncSessionToken,
      RecordPatches: [{ Op: "replace" as const, Key: "k", Value: "v", SyncCount: 0 }]
    }
    expect(left(Engine.step(listed.state, "UpdateRecords", input, context(61_000)).result).message).toBe(
      "SyncSessionToken has expired"
    )
    const inTime = Engine.step(listed.state, "UpdateRecords", input, context(60_999))
    expect(right(inTime.result).Records![0]!.LastModifiedDate).toEqual(new Date(60_999))
  })

  it("initialState writes each seeded dataset once (count 1)", () => {
    const state = Engine.initialState("salt", 7, { [POOL]: { [ALICE]: { settings: { a: "1", b: "2" } } } })
    expect(Engine.snapshotOf(state)).toEqual({
      [POOL]: {
        [ALICE]: {
          settings: { syncCount: 1, records: { a: { value: "1", syncCount: 1 }, b: { value: "2", syncCount: 1 } } }
        }
      }
    })
  })
})
