/**
 * The bugs of the archived sync managers (spec/sync-semantics.md §A quirks and §C), each reproduced as a scenario
 * against the in-process emulator. Every test is named after the bug it reproduces and checks that this engine
 * does not have it. Every synchronize is bounded by a timeout: "never hangs" is part of each check.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import type * as Engine from "../../src/local/Engine.js"
import * as Conflict from "../../src/sync/Conflict.js"
import * as LocalStore from "../../src/sync/LocalStore.js"
import type * as SyncManager from "../../src/sync/SyncManager.js"
import {
  device,
  GUEST,
  intercept,
  manualClock,
  OTHER_USER,
  POOL,
  retriedWrites,
  serverDataset,
  serverValues,
  USER,
  valuesOf
} from "./syncSupport.js"

/** Fails the test instead of hanging: every sync the archived managers could leave without a callback. */
const bounded = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.timeout(self, "10 seconds")

const errorTag = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>): string | undefined =>
  Exit.match(exit, {
    onSuccess: () => undefined,
    onFailure: (cause) => Option.match(Cause.failureOption(cause), { onNone: () => "defect", onSome: (e) => e._tag })
  })

/** Counts the calls of one operation that reach the engine. */
const counting = (engine: Engine.Engine, operation: string) => {
  const calls = { count: 0 }
  return {
    calls,
    engine: intercept(engine, (name) => Effect.sync(() => void (name === operation && calls.count++)))
  }
}

/** A hook slot: runs the effect set in it once, before the next call of `operation`. */
const hookBefore = (engine: Engine.Engine, operation: string, when: (input: unknown) => boolean = () => true) => {
  const slot: { next: Effect.Effect<void> | undefined } = { next: undefined }
  return {
    slot,
    engine: intercept(engine, (name, input) =>
      Effect.suspend(() => {
        const next = slot.next
        if (name !== operation || next === undefined || !when(input)) return Effect.void
        slot.next = undefined
        return next
      }))
  }
}

/** A value as JavaScript code may pass it, type notwithstanding. */
const fromJavaScript = (value: unknown): string => value as string

/** Two devices of one user over one engine, each with the dataset open and the given values synced. */
const twoDevices = (
  engine: Engine.Engine,
  initial: Record<string, string>,
  options: Partial<SyncManager.Options> = {}
) =>
  Effect.gen(function*() {
    const a = yield* device(engine, { options: { deviceId: "device-a", ...options } })
    const b = yield* device(engine, { options: { deviceId: "device-b", ...options } })
    const da = yield* a.openDataset("settings")
    const db = yield* b.openDataset("settings")
    if (Object.keys(initial).length > 0) {
      yield* da.putAll(initial)
      yield* bounded(da.synchronize())
    }
    yield* bounded(db.synchronize())
    return { a, b, da, db }
  })

describe("the archived managers' bugs, reproduced", () => {
  // ---------------------------------------------------------------------------------------------------------------
  // §C.1 endless 409 loops
  // ---------------------------------------------------------------------------------------------------------------

  it.live(
    "amazon-cognito-js #31, #65, aws-sdk-android #3515, aws-sdk-net #391: stale count with the same value does not loop on 409",
    () =>
      Effect.gen(function*() {
        const engine = yield* CognitoSyncLocal.makeEngine()
        const { calls, engine: counted } = counting(engine, "UpdateRecords")
        const a = yield* device(engine, { options: { deviceId: "a" } })
        const b = yield* device(counted, { options: { deviceId: "b" } })
        const da = yield* a.openDataset("settings")
        const db = yield* b.openDataset("settings")
        yield* da.put("theme", "dark")
        yield* bounded(da.synchronize())
        yield* bounded(db.synchronize())
        yield* da.put("theme", "light")
        yield* bounded(da.synchronize())
        // b makes the same change on top of the stale count 1; the archived managers saw no conflict (same value)
        // and pushed count 1 against the server's 2, forever.
        yield* db.put("theme", "light")
        const before = calls.count
        const result = yield* bounded(db.synchronize())
        expect(result.conflicts).toEqual([])
        expect(result.pushed).toEqual([])
        expect(result.passes).toBe(1)
        expect(calls.count - before).toBe(0)
        const record = Option.getOrThrow(yield* db.getRecord("theme"))
        expect(record).toMatchObject({ value: "light", syncCount: 2, modified: false })
        expect(yield* db.hasPendingChanges()).toBe(false)
        expect(Option.getOrThrow(yield* serverDataset(engine, "settings")).syncCount).toBe(2)
      })
  )

  it.live("amazon-cognito-js #31 (different value): a stale count is a conflict resolved in the same pass, not a 409", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const { calls, engine: counted } = counting(engine, "UpdateRecords")
      const a = yield* device(engine, { options: { deviceId: "a" } })
      const b = yield* device(counted, { options: { deviceId: "b" } })
      const da = yield* a.openDataset("settings")
      const db = yield* b.openDataset("settings")
      yield* da.put("theme", "dark")
      yield* bounded(da.synchronize())
      yield* bounded(db.synchronize())
      yield* da.put("theme", "light")
      yield* bounded(da.synchronize())
      yield* Effect.sleep("2 millis")
      yield* db.put("theme", "blue")
      const before = calls.count
      const result = yield* bounded(db.synchronize())
      expect(result.passes).toBe(1)
      expect(result.conflicts.map((c) => [c.key, c.resolution._tag, c.local.value, c.remote.value])).toEqual([
        ["theme", "UseLocal", "blue", "light"]
      ])
      expect(calls.count - before).toBe(1)
      expect(yield* serverValues(engine, "settings")).toEqual({ theme: "blue" })
      yield* bounded(da.synchronize())
      expect(yield* valuesOf(da)).toEqual({ theme: "blue" })
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // §C.2 / §A.1 unsafe fast-forward
  // ---------------------------------------------------------------------------------------------------------------

  it.live(
    "amazon-cognito-js #67, #60, #65 (unsafe fast-forward): a push that lands after another device's write does not skip it",
    () =>
      Effect.gen(function*() {
        const engine = yield* CognitoSyncLocal.makeEngine()
        const { slot, engine: hooked } = hookBefore(engine, "UpdateRecords")
        const a = yield* device(hooked, { options: { deviceId: "a" } })
        const b = yield* device(engine, { options: { deviceId: "b" } })
        const da = yield* a.openDataset("settings")
        const db = yield* b.openDataset("settings")
        yield* da.put("mine", "1")
        yield* bounded(da.synchronize())
        yield* bounded(db.synchronize())
        // Between a's pull and a's push, b writes another key (count 2); a's push then gets count 3.
        slot.next = Effect.orDie(Effect.zipRight(db.put("theirs", "2"), db.synchronize()))
        yield* da.put("mine", "1b")
        const first = yield* bounded(da.synchronize())
        expect(first.pushed).toEqual(["mine"])
        expect(Option.getOrThrow(yield* da.getRecord("mine")).syncCount).toBe(3)
        // amazon-cognito-js set lastSyncCount to 3 here and never fetched "theirs".
        expect(first.syncCount).toBe(1)
        const second = yield* bounded(da.synchronize())
        expect(second.pulled).toEqual(["theirs"])
        expect(second.syncCount).toBe(3)
        expect(yield* valuesOf(da)).toEqual({ mine: "1b", theirs: "2" })
        expect(yield* serverValues(engine, "settings")).toEqual({ mine: "1b", theirs: "2" })
      })
  )

  it.live("aws-sdk-android / aws-sdk-ios: the fast-forward after a push happens only when it is provably safe", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const { da } = yield* twoDevices(engine, { a: "1" })
      yield* da.put("a", "2")
      const result = yield* bounded(da.synchronize())
      // Nobody wrote in between: count 1 -> 2, fast-forwarded without another pull.
      expect(result.syncCount).toBe(2)
      expect(yield* da.lastSyncCount()).toBe(2)
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // §A.3 pagination
  // ---------------------------------------------------------------------------------------------------------------

  it.live(
    "aws-sdk-ios (no NextToken): a pull of more than one page (1024 live records + 200 tombstones) reads every page",
    () =>
      Effect.gen(function*() {
        const engine = yield* CognitoSyncLocal.makeEngine()
        const writer = yield* device(engine, { options: { deviceId: "writer" } })
        const dw = yield* writer.openDataset("big")
        const keys = Array.from({ length: 1024 }, (_, i) => `k${String(i).padStart(4, "0")}`)
        yield* dw.putAll(keys.map((key) => [key, `v-${key}`] as const))
        yield* bounded(dw.synchronize())
        for (const key of keys.slice(0, 200)) yield* dw.remove(key)
        yield* bounded(dw.synchronize())
        const fresh = Array.from({ length: 200 }, (_, i) => `n${String(i).padStart(4, "0")}`)
        yield* dw.putAll(fresh.map((key) => [key, `v-${key}`] as const))
        yield* bounded(dw.synchronize())
        const server = yield* serverDataset(engine, "big")
        expect(Object.keys(Option.getOrThrow(server).records).length).toBe(1224)

        const { calls, engine: counted } = counting(engine, "ListRecords")
        const reader = yield* device(counted, { options: { deviceId: "reader" } })
        const dr = yield* reader.openDataset("big")
        const result = yield* bounded(dr.synchronize())
        expect(calls.count).toBeGreaterThanOrEqual(2)
        expect(result.syncCount).toBe(3)
        const values = yield* valuesOf(dr)
        expect(Object.keys(values).length).toBe(1024)
        expect(values).toEqual(yield* serverValues(engine, "big"))
        // The tombstones arrived as deletions, not as values.
        for (const key of keys.slice(0, 200)) {
          expect(Option.getOrThrow(yield* dr.getRecord(key)).value).toBeUndefined()
        }
      }),
    60_000
  )

  it.live("paged pull: a write made between two pages is not skipped (the base is the first page's count)", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine({ limits: { recordsPerDataset: 4 } })
      const writer = yield* device(engine, { options: { deviceId: "writer" } })
      const dw = yield* writer.openDataset("paged")
      // 4 live records and 6 tombstones: 10 changes, pages of 4.
      yield* dw.putAll([["a", "1"], ["b", "1"], ["c", "1"], ["d", "1"]])
      yield* bounded(dw.synchronize())
      for (const key of ["a", "b", "c", "d"]) yield* dw.remove(key)
      yield* dw.putAll([["e", "1"], ["f", "1"]])
      yield* bounded(dw.synchronize())
      yield* dw.remove("e")
      yield* dw.remove("f")
      yield* dw.putAll([["g", "1"], ["h", "1"], ["i", "1"], ["j", "1"]])
      yield* bounded(dw.synchronize())

      const { slot, engine: hooked } = hookBefore(
        engine,
        "ListRecords",
        (input) => typeof input === "object" && input !== null && "NextToken" in input && input.NextToken !== undefined
      )
      const { calls, engine: counted } = counting(hooked, "ListRecords")
      const reader = yield* device(counted, { options: { deviceId: "reader" } })
      const dr = yield* reader.openDataset("paged")
      slot.next = Effect.orDie(Effect.zipRight(dw.put("g", "2"), dw.synchronize()))
      const first = yield* bounded(dr.synchronize())
      expect(calls.count).toBeGreaterThanOrEqual(3)
      expect(first.syncCount).toBe(3)
      yield* bounded(dr.synchronize())
      expect(yield* dr.lastSyncCount()).toBe(4)
      expect(yield* valuesOf(dr)).toEqual({ g: "2", h: "1", i: "1", j: "1" })
      expect(yield* valuesOf(dr)).toEqual(yield* serverValues(engine, "paged"))
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // §C.6 / §A.1 tombstones
  // ---------------------------------------------------------------------------------------------------------------

  it.live("amazon-cognito-js #44 (Value || ''): a removal arrives as a deletion, never as an empty string", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const { da, db } = yield* twoDevices(engine, { gone: "v", empty: "", kept: "k" })
      // An empty string is a value, pushed as `replace` (amazon-cognito-js turned it into `remove`).
      expect(yield* db.get("empty")).toEqual(Option.some(""))
      yield* da.remove("gone")
      yield* bounded(da.synchronize())
      // A removal made on the server side (a Sync Trigger, an admin tool): the raw client, no sync manager.
      const raw = CognitoSyncLocal.makeService(engine)
      const ids = { IdentityPoolId: POOL, IdentityId: USER, DatasetName: "settings" }
      const page = yield* raw.listRecords(ids)
      const kept = page.Records?.find((r) => r.Key === "kept")
      yield* raw.updateRecords({
        ...ids,
        SyncSessionToken: page.SyncSessionToken!,
        RecordPatches: [{ Op: "remove", Key: "kept", SyncCount: kept?.SyncCount ?? 0 }]
      })
      const result = yield* bounded(db.synchronize())
      expect([...result.pulled].sort()).toEqual(["gone", "kept"])
      expect(yield* db.get("gone")).toEqual(Option.none())
      expect(yield* db.get("kept")).toEqual(Option.none())
      expect(Option.getOrThrow(yield* db.getRecord("gone")).value).toBeUndefined()
      expect(Option.getOrThrow(yield* db.getRecord("kept")).value).toBeUndefined()
      expect(yield* valuesOf(db)).toEqual({ empty: "" })
      expect(yield* serverValues(engine, "settings")).toEqual({ empty: "" })
    }))

  it.live("amazon-cognito-js #61: re-adding a deleted key syncs and reaches the other device", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const { da, db } = yield* twoDevices(engine, { k: "1" })
      yield* da.remove("k")
      expect((yield* bounded(da.synchronize())).passes).toBe(1)
      yield* bounded(db.synchronize())
      expect(yield* db.get("k")).toEqual(Option.none())
      yield* da.put("k", "again")
      const result = yield* bounded(da.synchronize())
      expect(result.pushed).toEqual(["k"])
      expect(result.passes).toBe(1)
      yield* bounded(db.synchronize())
      expect(yield* db.get("k")).toEqual(Option.some("again"))
      expect(yield* serverValues(engine, "settings")).toEqual({ k: "again" })
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // §C.3 syncs that never call back
  // ---------------------------------------------------------------------------------------------------------------

  it.live("amazon-cognito-js PR #53 (putRecords([]) never calls back): a sync with nothing to push completes", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const { calls, engine: counted } = counting(engine, "UpdateRecords")
      const a = yield* device(counted)
      const da = yield* a.openDataset("settings")
      // A dataset that exists nowhere.
      const nothing = yield* bounded(da.synchronize())
      expect(nothing).toMatchObject({ pushed: [], pulled: [], passes: 1, syncCount: 0 })
      // An edit undone before the sync (the removal is pushed: the server may know the key from elsewhere).
      yield* da.put("k", "v")
      yield* da.remove("k")
      yield* bounded(da.synchronize())
      expect(yield* serverValues(engine, "settings")).toEqual({})
      expect(yield* da.hasPendingChanges()).toBe(false)
      // A put of the value already there.
      yield* da.put("k", "v")
      yield* bounded(da.synchronize())
      const pushes = calls.count
      yield* da.put("k", "v")
      const again = yield* bounded(da.synchronize())
      expect(again.pushed).toEqual([])
      expect(calls.count).toBe(pushes)
    }))

  it.live("amazon-cognito-js PR #53 (a failed UpdateRecords never calls back): every failure ends in a typed error", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const failing = [
        [{ errorRate: 1 }, "InternalErrorException"],
        [{ throttleRate: 1 }, "TooManyRequestsException"]
      ] as const
      for (const [faults, tag] of failing) {
        const a = yield* device(engine, { faults })
        const da = yield* a.openDataset("settings")
        yield* da.put("k", "v")
        const exit = yield* Effect.exit(bounded(da.synchronize()))
        expect(errorTag(exit)).toBe(tag)
        // The edit is kept for the next sync.
        expect(yield* da.hasPendingChanges()).toBe(true)
      }
      // The pull works and only the push fails: still a typed error.
      const onlyPush = yield* device(engine, {
        service: {
          ...CognitoSyncLocal.makeService(engine),
          updateRecords: CognitoSyncLocal.makeService(engine, {}, { errorRate: 1 }).updateRecords
        }
      })
      const dp = yield* onlyPush.openDataset("settings")
      yield* dp.put("k", "v")
      expect(errorTag(yield* Effect.exit(bounded(dp.synchronize())))).toBe("InternalErrorException")
      expect(yield* dp.hasPendingChanges()).toBe(true)
      expect(yield* serverValues(engine, "settings")).toEqual({})
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // Session tokens (§C.3 #37, §B.5)
  // ---------------------------------------------------------------------------------------------------------------

  it.live("amazon-cognito-js #37 (expired session): a token that expires before the push makes the run pull again", () =>
    Effect.gen(function*() {
      // The server's clock is ours to move: the token's 5 minutes pass exactly when the test says so.
      const { advance, clock } = manualClock(1_700_000_000_000)
      yield* Effect.gen(function*() {
        const engine = yield* CognitoSyncLocal.makeEngine({ tokenTtl: "5 minutes" })
        const { slot, engine: hooked } = hookBefore(engine, "UpdateRecords")
        const a = yield* device(hooked)
        const da = yield* a.openDataset("settings")
        yield* da.put("k", "v")
        // The app (or a slow conflict resolver, or a device put to sleep) takes longer than the token lives.
        slot.next = Effect.sync(() => advance(6 * 60_000))
        const result = yield* da.synchronize()
        expect(result.passes).toBe(2)
        expect(result.pushed).toEqual(["k"])
        expect(yield* serverValues(engine, "settings")).toEqual({ k: "v" })
      }).pipe(Effect.withClock(clock))
    }))

  it.live("amazon-cognito-js #37 (expired session still succeeds): tokens that always expire end in a typed error", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine({ tokenTtl: 0 })
      const a = yield* device(engine, { options: { maxPasses: 3 } })
      const da = yield* a.openDataset("settings")
      yield* da.put("k", "v")
      const exit = yield* Effect.exit(bounded(da.synchronize()))
      expect(errorTag(exit)).toBe("SyncRetriesExhausted")
      expect(yield* da.hasPendingChanges()).toBe(true)
      expect(yield* serverValues(engine, "settings")).toEqual({})
    }))

  it.live("consumed session token (a client retry after a lost answer): the outcome is checked by a pull, no conflict", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const a = yield* device(retriedWrites(engine, 1))
      const da = yield* a.openDataset("settings")
      yield* da.putAll({ k: "v", gone: "x" })
      yield* da.remove("gone")
      yield* da.put("other", "o")
      const result = yield* bounded(da.synchronize())
      expect(result.passes).toBe(2)
      expect(result.conflicts).toEqual([])
      expect(yield* da.hasPendingChanges()).toBe(false)
      const server = Option.getOrThrow(yield* serverDataset(engine, "settings"))
      // Written once: the retry did not write again.
      expect(server.syncCount).toBe(1)
      expect(yield* da.lastSyncCount()).toBe(1)
      expect(yield* serverValues(engine, "settings")).toEqual({ k: "v", other: "o" })
    }))

  it.live("a push whose answer was lost after it was applied (dropAfterWriteRate 1, one call) is confirmed by a pull", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const clean = CognitoSyncLocal.makeService(engine)
      const dropping = CognitoSyncLocal.makeService(engine, {}, { dropAfterWriteRate: 1 })
      let drops = 1
      const a = yield* device(engine, {
        service: {
          ...clean,
          updateRecords: (input, options) =>
            Effect.suspend(() =>
              drops-- > 0 ? dropping.updateRecords(input, options) : clean.updateRecords(input, options)
            )
        }
      })
      const b = yield* device(engine, { options: { deviceId: "b" } })
      const da = yield* a.openDataset("settings")
      const db = yield* b.openDataset("settings")
      yield* da.putAll({ k: "v", l: "w" })
      const result = yield* bounded(da.synchronize())
      expect(drops).toBe(0)
      expect(result.passes).toBe(2)
      expect(result.conflicts).toEqual([])
      expect(yield* da.hasPendingChanges()).toBe(false)
      expect(Option.getOrThrow(yield* serverDataset(engine, "settings")).syncCount).toBe(1)
      // A removal whose answer is lost, with another device's write landing before the check.
      drops = 1
      yield* bounded(db.synchronize())
      yield* da.remove("k")
      const second = yield* bounded(da.synchronize())
      expect(second.passes).toBe(2)
      expect(yield* da.hasPendingChanges()).toBe(false)
      yield* bounded(db.synchronize())
      expect(yield* valuesOf(db)).toEqual({ l: "w" })
      expect(yield* serverValues(engine, "settings")).toEqual({ l: "w" })
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // §C.4 merged datasets
  // ---------------------------------------------------------------------------------------------------------------

  it.live(
    "amazon-cognito-js #34, #59, aws-sdk-unity #60 (merged datasets: retries exhausted / undefined _synchronizeInternal): merged once, then deleted",
    () =>
      Effect.gen(function*() {
        const engine = yield* CognitoSyncLocal.makeEngine()
        const guest = yield* device(engine, { options: { identityId: GUEST, deviceId: "guest" } })
        const dg = yield* guest.openDataset("settings")
        yield* dg.putAll({ onlyGuest: "g", both: "guest-value", same: "s" })
        yield* bounded(dg.synchronize())
        yield* Effect.sleep("2 millis")
        const user = yield* device(engine, { options: { deviceId: "user" } })
        const du = yield* user.openDataset("settings")
        yield* du.putAll({ onlyUser: "u", both: "user-value", same: "s" })
        yield* bounded(du.synchronize())
        const merged = yield* engine.mergeIdentities(POOL, GUEST, USER)
        expect(merged).toEqual([`settings.${GUEST}`])

        const result = yield* bounded(du.synchronize())
        expect(result.merged).toEqual([`settings.${GUEST}`])
        expect(result.conflicts.map((c) => [c.key, c.resolution._tag])).toEqual([["both", "UseLocal"]])
        expect(yield* valuesOf(du)).toEqual({ onlyGuest: "g", onlyUser: "u", both: "user-value", same: "s" })
        expect(yield* serverValues(engine, "settings")).toEqual(yield* valuesOf(du))
        expect(Option.isNone(yield* serverDataset(engine, `settings.${GUEST}`))).toBe(true)
        // The merge is reported once: the next sync has nothing to do.
        const next = yield* bounded(du.synchronize())
        expect(next).toMatchObject({ merged: [], passes: 1, pushed: [], pulled: [] })
        // Another device of the user gets the merged data.
        const other = yield* device(engine, { options: { deviceId: "other" } })
        const dother = yield* other.openDataset("settings")
        yield* bounded(dother.synchronize())
        expect(yield* valuesOf(dother)).toEqual(yield* valuesOf(du))
      })
  )

  it.live("aws-sdk-android (onDatasetsMerged false ends the sync): with policy keep, merges are reported and syncs succeed", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const guest = yield* device(engine, { options: { identityId: GUEST } })
      const dg = yield* guest.openDataset("settings")
      yield* dg.put("g", "1")
      yield* bounded(dg.synchronize())
      const user = yield* device(engine, { options: { onDatasetsMerged: "keep" } })
      const du = yield* user.openDataset("settings")
      yield* du.put("u", "1")
      yield* bounded(du.synchronize())
      yield* engine.mergeIdentities(POOL, GUEST, USER)
      for (let i = 0; i < 3; i++) {
        const result = yield* bounded(du.synchronize())
        expect(result.merged).toEqual([`settings.${GUEST}`])
        expect(result.passes).toBe(1)
      }
      expect(yield* valuesOf(du)).toEqual({ u: "1" })
      expect(yield* serverValues(engine, `settings.${GUEST}`)).toEqual({ g: "1" })
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // §C.5 identity change
  // ---------------------------------------------------------------------------------------------------------------

  it.live(
    "aws-sdk-net #382, amazon-cognito-js #27, aws-sdk-ios #397: one user's data is never uploaded to the next user",
    () =>
      Effect.gen(function*() {
        const engine = yield* CognitoSyncLocal.makeEngine()
        const store = yield* LocalStore.makeMemory
        const first = yield* device(engine, { store, options: { authenticated: true } })
        const d1 = yield* first.openDataset("settings")
        yield* d1.put("secret", "first user's")
        yield* bounded(d1.synchronize())
        yield* d1.put("draft", "first user's, unsynced")
        // The archived managers moved (or copied) local datasets to whoever signed in next.
        const refused = yield* Effect.exit(first.linkIdentity(OTHER_USER))
        expect(errorTag(refused)).toBe("IdentityChangeRefused")
        expect(yield* first.identityId).toBe(USER)
        // The next user on the same device and the same store.
        const second = yield* device(engine, { store, options: { identityId: OTHER_USER, authenticated: true } })
        expect(yield* second.listDatasets()).toEqual([])
        const d2 = yield* second.openDataset("settings")
        expect(yield* valuesOf(d2)).toEqual({})
        yield* d2.put("mine", "second user's")
        yield* bounded(d2.synchronize())
        expect(yield* serverValues(engine, "settings", OTHER_USER)).toEqual({ mine: "second user's" })
        expect(yield* serverValues(engine, "settings", USER)).toEqual({ secret: "first user's" })
        // Sign-out: wipe clears the first user's local data.
        yield* first.wipe()
        expect(yield* first.listDatasets()).toEqual([])
        expect(yield* valuesOf(yield* first.openDataset("settings"))).toEqual({})
      })
  )

  it.live("amazon-cognito-unity PR #6, aws-sdk-net #415 (first sync after login fails / wrong count): guest data links once", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      // The authenticated identity already has data from another device.
      const other = yield* device(engine, { options: { deviceId: "other" } })
      const dother = yield* other.openDataset("settings")
      yield* dother.putAll({ theme: "dark", server: "1" })
      yield* bounded(dother.synchronize())
      yield* Effect.sleep("2 millis")
      const guest = yield* device(engine, { options: { identityId: GUEST, deviceId: "guest" } })
      const dg = yield* guest.openDataset("settings")
      yield* dg.putAll({ theme: "light", synced: "s" })
      yield* bounded(dg.synchronize())
      yield* dg.put("unsynced", "u")
      yield* guest.linkIdentity(USER)
      expect(yield* guest.identityId).toBe(USER)
      const linked = yield* guest.openDataset("settings")
      expect(yield* linked.lastSyncCount()).toBe(0)
      const result = yield* bounded(linked.synchronize())
      expect(result.passes).toBe(1)
      expect(result.conflicts.map((c) => c.key)).toEqual(["theme"])
      expect(yield* valuesOf(linked)).toEqual({ theme: "light", server: "1", synced: "s", unsynced: "u" })
      expect(yield* serverValues(engine, "settings")).toEqual(yield* valuesOf(linked))
      expect(yield* linked.lastSyncCount()).toBe(Option.getOrThrow(yield* serverDataset(engine, "settings")).syncCount)
      // Linking again, now from an authenticated identity, is refused.
      expect(errorTag(yield* Effect.exit(guest.linkIdentity(OTHER_USER)))).toBe("IdentityChangeRefused")
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // §C.7 validation at put time
  // ---------------------------------------------------------------------------------------------------------------

  it.live("amazon-cognito-js #6, #8 (numbers cause retry exhaustion at sync): non-strings are rejected at put time", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const a = yield* device(engine)
      const da = yield* a.openDataset("settings")
      yield* da.put("keep", "1")
      for (const value of [42, 4.2, true, null, undefined, {}, [], Symbol("s"), 10n]) {
        const put = yield* Effect.exit(da.put("keep", fromJavaScript(value)))
        expect(errorTag(put), `put ${String(value)}`).toBe("SyncValidationError")
        const putAll = yield* Effect.exit(da.putAll({ other: "o", keep: fromJavaScript(value) }))
        expect(errorTag(putAll), `putAll ${String(value)}`).toBe("SyncValidationError")
      }
      for (const key of [7, null, undefined, "", "x".repeat(1025)]) {
        expect(errorTag(yield* Effect.exit(da.put(fromJavaScript(key), "v"))), `key ${String(key)}`).toBe(
          "SyncValidationError"
        )
      }
      expect(yield* valuesOf(da)).toEqual({ keep: "1" })
      const result = yield* bounded(da.synchronize())
      expect(result).toMatchObject({ pushed: ["keep"], passes: 1 })
      expect(yield* serverValues(engine, "settings")).toEqual({ keep: "1" })
    }))

  it.live("aws-sdk-ios (setString drops a write over a limit silently): limits are typed errors at put time", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const a = yield* device(engine)
      const da = yield* a.openDataset("settings")
      const many = Array.from({ length: 1025 }, (_, i) => [`k${i}`, "v"] as const)
      const tooMany = yield* Effect.exit(da.putAll(many))
      expect(errorTag(tooMany)).toBe("SyncValidationError")
      expect(yield* valuesOf(da)).toEqual({})
      yield* da.put("half", "x".repeat(600_000))
      const tooBig = yield* Effect.exit(da.put("other half", "y".repeat(600_000)))
      expect(errorTag(tooBig)).toBe("SyncValidationError")
      expect(Object.keys(yield* valuesOf(da))).toEqual(["half"])
      expect((yield* bounded(da.synchronize())).pushed).toEqual(["half"])
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // "No such SyncCount": the server is behind the device
  // ---------------------------------------------------------------------------------------------------------------

  it.live("aws-sdk-unity #94 (No such SyncCount): a device ahead of a fresh server pushes back everything it had", () =>
    Effect.gen(function*() {
      const old = yield* CognitoSyncLocal.makeEngine()
      const store = yield* LocalStore.makeMemory
      const before = yield* device(old, { store })
      const d = yield* before.openDataset("settings")
      yield* d.putAll({ a: "1", b: "2", gone: "x" })
      yield* bounded(d.synchronize())
      yield* d.remove("gone")
      yield* d.put("a", "1b")
      yield* bounded(d.synchronize())
      yield* d.put("unsynced", "u")
      expect(yield* d.lastSyncCount()).toBe(2)
      // The service lost its data (restored from a backup; the emulator restarted).
      const fresh = yield* CognitoSyncLocal.makeEngine()
      const after = yield* device(fresh, { store })
      const d2 = yield* after.openDataset("settings")
      const result = yield* bounded(d2.synchronize())
      expect(result.passes).toBe(2)
      expect([...result.pushed].sort()).toEqual(["a", "b", "unsynced"])
      expect(yield* serverValues(fresh, "settings")).toEqual({ a: "1b", b: "2", unsynced: "u" })
      expect(yield* valuesOf(d2)).toEqual({ a: "1b", b: "2", unsynced: "u" })
      expect(yield* d2.lastSyncCount()).toBe(1)
      expect(yield* d2.hasPendingChanges()).toBe(false)
    }))

  it.live("No such SyncCount with another device's data on the fresh server: differences are conflicts, never silent reverts", () =>
    Effect.gen(function*() {
      const old = yield* CognitoSyncLocal.makeEngine()
      const store = yield* LocalStore.makeMemory
      const before = yield* device(old, { store, options: { deviceId: "a" } })
      const d = yield* before.openDataset("settings")
      yield* d.putAll({ x: "a-old", y: "same", z: "a-only" })
      yield* bounded(d.synchronize())
      yield* d.put("x", "a-new")
      yield* bounded(d.synchronize())
      yield* d.put("w", "a-w")
      yield* bounded(d.synchronize())
      expect(yield* d.lastSyncCount()).toBe(3)
      yield* Effect.sleep("2 millis")
      // The fresh server gets writes from another device first (counts 1 and 2, below the device's 3).
      const fresh = yield* CognitoSyncLocal.makeEngine()
      const b = yield* device(fresh, { options: { deviceId: "b" } })
      const db = yield* b.openDataset("settings")
      yield* db.putAll({ x: "b-newer", y: "same" })
      yield* bounded(db.synchronize())
      yield* db.put("w", "b-w")
      yield* bounded(db.synchronize())
      const after = yield* device(fresh, { store, options: { deviceId: "a" } })
      const d2 = yield* after.openDataset("settings")
      const result = yield* bounded(d2.synchronize())
      // x and w differ: both are conflicts (b's writes are later, so they win); y is the same; z is pushed back.
      expect(result.conflicts.map((c) => [c.key, c.resolution._tag]).sort()).toEqual([
        ["w", "UseRemote"],
        ["x", "UseRemote"]
      ])
      expect(yield* valuesOf(d2)).toEqual({ x: "b-newer", y: "same", z: "a-only", w: "b-w" })
      expect(yield* serverValues(fresh, "settings")).toEqual(yield* valuesOf(d2))
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // §C.6 deletes
  // ---------------------------------------------------------------------------------------------------------------

  it.live(
    "amazon-cognito-js #4, aws-sdk-android #143 (dataset deleted remotely, sync still succeeds): reported; unpushed edits survive",
    () =>
      Effect.gen(function*() {
        const engine = yield* CognitoSyncLocal.makeEngine()
        const { da, db } = yield* twoDevices(engine, { x: "1", y: "2" })
        yield* da.put("x", "edited")
        yield* da.put("z", "new")
        yield* db.delete()
        const deleted = yield* bounded(db.synchronize())
        expect(deleted.deleted).toBe(true)
        expect(Option.isNone(yield* serverDataset(engine, "settings"))).toBe(true)
        const result = yield* bounded(da.synchronize())
        expect(result.deletedRemotely).toEqual({ policy: "keepLocalChanges", dropped: ["y"] })
        expect(yield* valuesOf(da)).toEqual({ x: "edited", z: "new" })
        expect(yield* serverValues(engine, "settings")).toEqual({ x: "edited", z: "new" })
        const back = yield* bounded(db.synchronize())
        expect(back.deletedRemotely).toBeUndefined()
        expect(yield* valuesOf(db)).toEqual({ x: "edited", z: "new" })
      })
  )

  it.live("amazon-cognito-js #4 (deleted and recreated in the console): every policy ends in agreement with the server", () =>
    Effect.gen(function*() {
      for (const policy of ["keepLocalChanges", "deleteLocal", "recreate"] as const) {
        const engine = yield* CognitoSyncLocal.makeEngine()
        const { b, da } = yield* twoDevices(engine, { x: "1", y: "2" }, { onDatasetDeleted: policy })
        yield* da.put("mine", "m")
        const db = yield* b.openDataset("settings")
        yield* db.delete()
        yield* bounded(db.synchronize())
        // Recreated by a third device.
        const c = yield* device(engine, { options: { deviceId: "c" } })
        const dc = yield* c.openDataset("settings")
        yield* dc.put("recreated", "r")
        yield* bounded(dc.synchronize())
        const result = yield* bounded(da.synchronize())
        expect(result.deletedRemotely?.policy).toBe(policy)
        const expected = policy === "keepLocalChanges"
          ? { mine: "m", recreated: "r" }
          : policy === "deleteLocal"
          ? { recreated: "r" }
          : { x: "1", y: "2", mine: "m", recreated: "r" }
        expect(yield* valuesOf(da)).toEqual(expected)
        expect(yield* serverValues(engine, "settings")).toEqual(expected)
        if (policy === "deleteLocal") {
          expect([...(result.deletedRemotely?.dropped ?? [])].sort()).toEqual(["mine", "x", "y"])
        }
      }
    }))

  it.live("dataset deleted locally, then written again before the sync: the old records go, the new ones are pushed", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const { da, db } = yield* twoDevices(engine, { x: "1", y: "2" })
      yield* da.delete()
      yield* da.put("x", "fresh")
      yield* da.put("z", "3")
      const result = yield* bounded(da.synchronize())
      expect(result.deleted).toBe(true)
      expect(yield* valuesOf(da)).toEqual({ x: "fresh", z: "3" })
      expect(yield* serverValues(engine, "settings")).toEqual({ x: "fresh", z: "3" })
      expect(yield* da.hasPendingChanges()).toBe(false)
      yield* bounded(db.synchronize())
      expect(yield* valuesOf(db)).toEqual({ x: "fresh", z: "3" })
    }))

  it.live("a dataset delete whose answer was lost is not applied again over data written after it", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const store = yield* LocalStore.makeMemory
      const a = yield* device(engine, { store, faults: { dropAfterWriteRate: 1 } })
      const da = yield* a.openDataset("settings")
      yield* da.putAll({ x: "1" })
      // (The push's answer is lost too; the next pass confirms it.)
      yield* bounded(da.synchronize())
      const b = yield* device(engine, { options: { deviceId: "b" } })
      const db = yield* b.openDataset("settings")
      yield* bounded(db.synchronize())
      yield* da.delete()
      const lost = yield* Effect.exit(bounded(da.synchronize()))
      expect(errorTag(lost)).toBe("CognitoSyncTransportError")
      expect(Option.isNone(yield* serverDataset(engine, "settings"))).toBe(true)
      // b sees the deletion and writes new data, which the server acknowledges.
      const seen = yield* bounded(db.synchronize())
      expect(seen.deletedRemotely).toBeDefined()
      yield* db.put("after", "b")
      expect((yield* bounded(db.synchronize())).pushed).toEqual(["after"])
      // a restarts with a working connection and finishes its delete.
      const restarted = yield* device(engine, { store })
      const again = yield* restarted.openDataset("settings")
      expect(yield* again.hasPendingChanges()).toBe(true)
      yield* bounded(again.synchronize())
      expect(yield* serverValues(engine, "settings")).toEqual({ after: "b" })
      yield* bounded(again.synchronize())
      expect(yield* valuesOf(again)).toEqual({ after: "b" })
    }))

  // ---------------------------------------------------------------------------------------------------------------
  // Edits during a sync, concurrent syncs, conflicts with other changes
  // ---------------------------------------------------------------------------------------------------------------

  it.live("aws-sdk-android (conditionallyPutRecords): an edit made while the push is in flight is kept and pushed next", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const { slot, engine: hooked } = hookBefore(engine, "UpdateRecords")
      const a = yield* device(hooked)
      const da = yield* a.openDataset("settings")
      yield* da.put("k", "first")
      slot.next = Effect.orDie(da.put("k", "second"))
      const result = yield* bounded(da.synchronize())
      expect(result.pushed).toEqual(["k"])
      expect(yield* serverValues(engine, "settings")).toEqual({ k: "first" })
      expect(Option.getOrThrow(yield* da.getRecord("k"))).toMatchObject({
        value: "second",
        modified: true,
        syncCount: 1
      })
      yield* bounded(da.synchronize())
      expect(yield* serverValues(engine, "settings")).toEqual({ k: "second" })
      expect(yield* da.hasPendingChanges()).toBe(false)
    }))

  it.live("aws-sdk-ios (SyncAlreadyPending): a sync called during a sync waits and then pushes every earlier edit", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const gate = yield* Deferred.make<void>()
      const { slot, engine: hooked } = hookBefore(engine, "UpdateRecords")
      const a = yield* device(hooked)
      const da = yield* a.openDataset("settings")
      yield* da.put("k1", "1")
      slot.next = Deferred.await(gate)
      const first = yield* Effect.fork(bounded(da.synchronize()))
      yield* Effect.sleep("20 millis")
      yield* da.put("k2", "2")
      const second = yield* Effect.fork(bounded(da.synchronize()))
      const third = yield* Effect.fork(bounded(da.synchronize()))
      yield* Effect.sleep("20 millis")
      yield* Deferred.succeed(gate, undefined)
      const r1 = yield* Fiber.join(first)
      const r2 = yield* Fiber.join(second)
      const r3 = yield* Fiber.join(third)
      expect(r1.pushed).toEqual(["k1"])
      expect(r2.pushed).toEqual(["k2"])
      // Callers that waited together share one run.
      expect(r3).toBe(r2)
      expect(yield* serverValues(engine, "settings")).toEqual({ k1: "1", k2: "2" })
    }))

  it.live("amazon-cognito-js (§A.1: the conflict path drops the other remote records): both are applied", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const { da, db } = yield* twoDevices(engine, { x: "1", y: "1" }, { conflictResolver: Conflict.remoteWins })
      yield* db.putAll({ x: "b", y: "b" })
      yield* bounded(db.synchronize())
      yield* da.put("x", "a")
      const result = yield* bounded(da.synchronize())
      expect(result.conflicts.map((c) => c.key)).toEqual(["x"])
      expect([...result.pulled].sort()).toEqual(["x", "y"])
      expect(yield* valuesOf(da)).toEqual({ x: "b", y: "b" })
    }))

  it.live("__proto__ and other keys special in JavaScript sync like any other", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const { da, db } = yield* twoDevices(engine, {})
      yield* da.putAll([["__proto__", "p"], ["constructor", "c"], ["toString", "t"]])
      yield* bounded(da.synchronize())
      yield* bounded(db.synchronize())
      expect(yield* db.get("__proto__")).toEqual(Option.some("p"))
      yield* db.remove("__proto__")
      yield* bounded(db.synchronize())
      yield* bounded(da.synchronize())
      expect(yield* da.get("__proto__")).toEqual(Option.none())
      expect(Object.keys(yield* valuesOf(da)).sort()).toEqual(["constructor", "toString"])
    }))
})
