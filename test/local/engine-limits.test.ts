/**
 * The emulator's engine, part 3: the published limits (20 datasets, 1024 live records, 1 MB of UTF-8 per dataset)
 * and the layer's input validation (model lengths and patterns), with nothing partially written on any failure.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import * as Engine from "../../src/local/Engine.js"
import type * as S from "../../src/Schemas.js"
import {
  ALICE,
  BOB,
  dataset,
  failsWith,
  POOL,
  put,
  remove,
  service,
  statusOf,
  token,
  withEngine,
  write
} from "./engineSupport.js"

const MB = 1024 * 1024
const settings = dataset("settings")
const identity = { IdentityPoolId: POOL, IdentityId: ALICE }

describe("limits", () => {
  it.effect("20 datasets per identity: the 21st create fails, writing to an existing one still works", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        for (let i = 0; i < 20; i++) yield* write(dataset(`ds-${i}`), [put("k", `${i}`, 0)])
        expect((yield* sync.describeIdentityUsage(identity)).IdentityUsage?.DatasetCount).toBe(20)

        const before = yield* engine.snapshot
        const extra = dataset("ds-20")
        // ListRecords on a 21st name is still fine (it creates nothing).
        const SyncSessionToken = (yield* sync.listRecords(extra)).SyncSessionToken!
        const error = yield* failsWith(
          sync.updateRecords({ ...extra, SyncSessionToken, RecordPatches: [put("k", "v", 0)] }),
          "LimitExceededException",
          /20/
        )
        expect(statusOf(error)).toBe(400)
        expect(yield* engine.snapshot).toEqual(before)
        yield* failsWith(sync.describeDataset(extra), "ResourceNotFoundException")
        expect((yield* sync.describeIdentityUsage(identity)).IdentityUsage?.DatasetCount).toBe(20)

        // Existing datasets still take writes.
        expect((yield* write(dataset("ds-3"), [put("k", "again", 1)])).Records![0]!.SyncCount).toBe(2)
        // Another identity has its own 20.
        yield* write(dataset("ds-20", BOB), [put("k", "v", 0)])

        // Once one is deleted, the same token creates the 21st name.
        yield* sync.deleteDataset(dataset("ds-0"))
        const created = yield* sync.updateRecords({ ...extra, SyncSessionToken, RecordPatches: [put("k", "v", 0)] })
        expect(created.Records![0]!.SyncCount).toBe(1)
        expect((yield* sync.describeIdentityUsage(identity)).IdentityUsage?.DatasetCount).toBe(20)
      })))

  it.effect("1024 live records per dataset; tombstones do not count", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        const keys = Array.from({ length: 1024 }, (_, i) => `key-${i}`)
        // 1025 new records in one call: refused, and the dataset is not even created.
        yield* failsWith(
          write(settings, [...keys, "one-too-many"].map((key) => put(key, "v", 0))),
          "LimitExceededException",
          /1024/
        )
        yield* failsWith(sync.describeDataset(settings), "ResourceNotFoundException")
        expect((yield* sync.describeIdentityUsage(identity)).IdentityUsage?.DatasetCount).toBe(0)

        yield* write(settings, keys.map((key) => put(key, "v", 0)))
        expect((yield* sync.describeDataset(settings)).Dataset?.NumRecords).toBe(1024)

        const before = yield* engine.snapshot
        const SyncSessionToken = yield* token(settings)
        yield* failsWith(
          sync.updateRecords({
            ...settings,
            SyncSessionToken,
            RecordPatches: [put("key-0", "changed", 1), put("key-1024", "v", 0)]
          }),
          "LimitExceededException"
        )
        expect(yield* engine.snapshot).toEqual(before)
        // Replacing existing records is fine at the limit.
        yield* sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: [put("key-0", "changed", 1)] })

        // A removed record frees its place, though its tombstone stays.
        yield* write(settings, [remove("key-1", 1)])
        yield* write(settings, [put("key-1024", "v", 0)])
        const described = yield* sync.describeDataset(settings)
        expect(described.Dataset?.NumRecords).toBe(1024)
        expect(Object.keys((yield* engine.snapshot)[POOL]![ALICE]!.settings!.records)).toHaveLength(1025)
        yield* failsWith(write(settings, [put("key-1025", "v", 0)]), "LimitExceededException")
        // Removing and adding in one call stays within the limit.
        yield* write(settings, [remove("key-2", 1), put("key-1025", "v", 0)])
      })))

  it.effect("1 MB per dataset, counted in UTF-8 bytes of keys and values (ASCII, é = 2 bytes, emoji = 4)", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        const storage = (target = settings) =>
          Effect.map(sync.describeDataset(target), (described) => described.Dataset?.DataStorage)

        // Exactly 1 MB fits: 1 + 1048575 ASCII bytes.
        const ascii = dataset("ascii")
        yield* write(ascii, [put("k", "a".repeat(MB - 1), 0)])
        expect(yield* storage(ascii)).toBe(MB)
        const full = yield* engine.snapshot
        yield* failsWith(write(ascii, [put("x", "", 0)]), "LimitExceededException", /1048576/)
        expect(yield* engine.snapshot).toEqual(full)
        // A value one byte shorter makes room for a one-byte key with an empty value.
        yield* write(ascii, [put("k", "a".repeat(MB - 2), 1), put("x", "", 0)])
        expect(yield* storage(ascii)).toBe(MB)

        // "é" is 2 bytes: 2 + 2 * 524287 = 1 MB fits...
        const accents = dataset("accents")
        yield* write(accents, [put("é", "é".repeat(MB / 2 - 1), 0)])
        expect(yield* storage(accents)).toBe(MB)
        // ... and one more "é" (2 bytes) does not, though it is a single UTF-16 unit.
        yield* failsWith(write(accents, [put("é", "é".repeat(MB / 2), 1)]), "LimitExceededException")
        yield* sync.deleteDataset(accents)
        // The same number of ASCII characters is half the bytes.
        yield* write(dataset("accents"), [put("e", "e".repeat(MB / 2), 0)])
        expect(yield* storage(dataset("accents"))).toBe(MB / 2 + 1)

        // An emoji is 4 bytes (2 UTF-16 units): 4 + 4 * 262143 = 1 MB fits, one more does not.
        const emoji = dataset("emoji")
        yield* write(emoji, [put("😀", "😀".repeat(MB / 4 - 1), 0)])
        expect(yield* storage(emoji)).toBe(MB)
        yield* failsWith(write(emoji, [put("z", "é", 0)]), "LimitExceededException")

        // Mixed: "ké" = 3 bytes, "a😀é" = 7 bytes.
        const mixed = dataset("mixed")
        yield* write(mixed, [put("ké", "a😀é", 0)])
        expect(yield* storage(mixed)).toBe(10)

        // Several records add up; a removal frees its bytes (a tombstone counts nothing).
        const sum = dataset("sum")
        const half = "h".repeat(MB / 2 - 2)
        yield* write(sum, [put("a1", half, 0), put("b1", half, 0)])
        expect(yield* storage(sum)).toBe(MB)
        yield* failsWith(write(sum, [put("c", "", 0)]), "LimitExceededException")
        yield* write(sum, [remove("a1", 1)])
        expect(yield* storage(sum)).toBe(MB / 2)
        yield* write(sum, [put("c1", half, 0)])
        expect(yield* storage(sum)).toBe(MB)
      })))

  it("recordBytes counts UTF-8 bytes of key and value, and nothing for a tombstone", () => {
    expect(Engine.recordBytes({ key: "ab", value: "cd" })).toBe(4)
    expect(Engine.recordBytes({ key: "é", value: "€" })).toBe(5)
    expect(Engine.recordBytes({ key: "😀", value: "" })).toBe(4)
    expect(Engine.recordBytes({ key: "gone", value: undefined })).toBe(0)
  })

  it.effect("limits can be lowered for tests", () =>
    Effect.gen(function*() {
      yield* write(dataset("one"), [put("a", "1", 0), put("b", "22", 0)])
      yield* failsWith(write(dataset("two"), [put("a", "1", 0)]), "LimitExceededException")
      yield* failsWith(write(dataset("one"), [put("c", "", 0)]), "LimitExceededException") // 3 records
      yield* failsWith(write(dataset("one"), [put("b", "2222", 1)]), "LimitExceededException") // 7 bytes
      yield* write(dataset("one"), [put("b", "222", 1)]) // exactly 6 bytes
    }).pipe(
      Effect.provide(
        CognitoSyncLocal.layerWith({ limits: { datasetsPerIdentity: 1, recordsPerDataset: 2, bytesPerDataset: 6 } })
      )
    ))
})

describe("validation in the layer", () => {
  const patchWith = (patch: Partial<S.RecordPatch>): S.RecordPatch => ({ ...put("k", "v", 0), ...patch })

  it.effect("model lengths and patterns fail with CognitoSyncValidationError naming the field; the engine is untouched", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        const SyncSessionToken = yield* token(settings)
        const before = yield* engine.state
        const update = (patch: Partial<S.RecordPatch>, target = settings) =>
          sync.updateRecords({ ...target, SyncSessionToken, RecordPatches: [patchWith(patch)] })
        const cases: ReadonlyArray<
          readonly [string, string, Effect.Effect<unknown, { readonly _tag: string; readonly message: string }>]
        > = [
          ["UpdateRecords", "RecordPatches.0.Key", update({ Key: "k".repeat(1025) })],
          ["UpdateRecords", "RecordPatches.0.Key", update({ Key: "" })],
          ["UpdateRecords", "RecordPatches.0.Value", update({ Value: "v".repeat(1048576) })],
          ["UpdateRecords", "RecordPatches.0.SyncCount", update({ SyncCount: -1 })],
          ["UpdateRecords", "RecordPatches.0.SyncCount", update({ SyncCount: 1.5 })],
          [
            "UpdateRecords",
            "RecordPatches.0.DeviceLastModifiedDate",
            update({ DeviceLastModifiedDate: new Date(NaN) })
          ],
          ["UpdateRecords", "DatasetName", update({}, dataset("d".repeat(129)))],
          ["UpdateRecords", "DatasetName", update({}, dataset("no spaces"))],
          ["UpdateRecords", "DatasetName", update({}, dataset(""))],
          ["UpdateRecords", "IdentityId", update({}, dataset("settings", "not-an-id"))],
          ["UpdateRecords", "IdentityPoolId", update({}, dataset("settings", ALICE, "us-east-1:XYZ"))],
          ["UpdateRecords", "DeviceId", sync.updateRecords({ ...settings, SyncSessionToken, DeviceId: "" })],
          ["ListRecords", "LastSyncCount", sync.listRecords({ ...settings, LastSyncCount: -1 })],
          ["ListRecords", "MaxResults", sync.listRecords({ ...settings, MaxResults: 2.5 })],
          ["ListRecords", "DatasetName", sync.listRecords(dataset("d".repeat(129)))],
          ["DescribeDataset", "DatasetName", sync.describeDataset(dataset("a/b"))],
          ["DeleteDataset", "DatasetName", sync.deleteDataset(dataset("a b"))],
          // What the remote client cannot send (dot segments, lone surrogates) is refused here too.
          ["DescribeDataset", "DatasetName", sync.describeDataset(dataset("."))],
          ["UpdateRecords", "DatasetName", update({}, dataset(".."))],
          ["UnsubscribeFromDataset", "DeviceId", sync.unsubscribeFromDataset({ ...settings, DeviceId: ".." })],
          ["SubscribeToDataset", "DeviceId", sync.subscribeToDataset({ ...settings, DeviceId: "\uD800" })],
          ["ListRecords", "NextToken", sync.listRecords({ ...settings, NextToken: "a\uDC00" })],
          ["ListDatasets", "MaxResults", sync.listDatasets({ ...identity, MaxResults: 0.5 })],
          ["RegisterDevice", "Platform", sync.registerDevice({ ...identity, Platform: "WNS" as "GCM", Token: "t" })],
          ["SubscribeToDataset", "DeviceId", sync.subscribeToDataset({ ...settings, DeviceId: "x".repeat(257) })],
          ["SetCognitoEvents", "Events", sync.setCognitoEvents({ IdentityPoolId: POOL, Events: { A: "x", B: "y" } })],
          [
            "SetIdentityPoolConfiguration",
            "PushSync.ApplicationArns.0",
            sync.setIdentityPoolConfiguration({ IdentityPoolId: POOL, PushSync: { ApplicationArns: ["not-an-arn"] } })
          ]
        ]
        for (const [operation, path, call] of cases) {
          const error = yield* failsWith(call, "CognitoSyncValidationError")
          expect(error).toMatchObject({ operation, path })
          // Not even a request id was taken from the engine.
          expect(yield* engine.state).toBe(before)
        }
        // The bounds themselves are valid: a 1024-character key, a 128-character name.
        yield* update({ Key: "k".repeat(1024) })
        yield* write(dataset("d".repeat(128)), [put("k", "v", 0)])
      })))
})
