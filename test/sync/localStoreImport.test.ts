import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as LocalStore from "../../src/sync/LocalStore.js"
import { FakeStorage, IDENTITY, OTHER_IDENTITY, POOL } from "./localStoreSupport.js"

// amazon-cognito-js 1.x writes, to localStorage:
// - "<identityId>.<datasetName>": JSON of { [recordKey]: Record.toJSON() } (Dates become ISO strings);
// - "_internal._metadata": JSON of { [identityId]: { "<identityId>.<datasetName>": DatasetMetadata.toJSON() } }.
// These helpers build exactly those objects (the field names and defaults of CognitoSyncRecord.js and
// CognitoSyncDatasetMetadata.js), then JSON.stringify them as the library does.

interface JsRecord {
  readonly Key: string
  readonly Value: string | null
  readonly SyncCount: number
  readonly LastModifiedDate: Date
  readonly LastModifiedBy: string
  readonly DeviceLastModifiedDate: Date
  readonly Modified: boolean
}

const T0 = Date.parse("2019-06-01T10:00:00.000Z")
const at = (minutes: number) => new Date(T0 + minutes * 60_000)

const jsRecord = (key: string, fields: Partial<JsRecord>): JsRecord => ({
  Key: key,
  Value: "",
  SyncCount: 0,
  LastModifiedDate: at(0),
  LastModifiedBy: "",
  DeviceLastModifiedDate: at(0),
  Modified: false,
  ...fields
})

const jsMetadata = (name: string, lastSyncCount: number) => ({
  DatasetName: name,
  CreationDate: at(-100),
  LastModifiedDate: at(5),
  LastModifiedBy: "",
  DataStorage: 0,
  NumRecords: 0,
  LastSyncCount: lastSyncCount,
  LastSyncDate: at(3)
})

const putDataset = (storage: FakeStorage, identityId: string, name: string, records: ReadonlyArray<JsRecord>) =>
  storage.setItem(`${identityId}.${name}`, JSON.stringify(Object.fromEntries(records.map((r) => [r.Key, r]))))

const putMetadata = (storage: FakeStorage, byIdentity: Record<string, ReadonlyArray<ReturnType<typeof jsMetadata>>>) =>
  storage.setItem(
    "_internal._metadata",
    JSON.stringify(
      Object.fromEntries(
        Object.entries(byIdentity).map((
          [identityId, list]
        ) => [identityId, Object.fromEntries(list.map((m) => [`${identityId}.${m.DatasetName}`, m]))])
      )
    )
  )

/** A cache as a real app leaves it: synced records, local edits, local removals, server tombstones. */
const legacyCache = () => {
  const storage = new FakeStorage()
  // The SDK's own identity id cache, which the import must ignore.
  storage.setItem(`aws.cognito.identity-id.${POOL}`, IDENTITY)
  putDataset(storage, IDENTITY, "settings", [
    // Synced, untouched.
    jsRecord("theme", {
      Value: "dark",
      SyncCount: 3,
      LastModifiedBy: "dev-a",
      LastModifiedDate: at(1),
      DeviceLastModifiedDate: at(1)
    }),
    // Created on this device, never pushed (`putValue` on a new Record: count 0, LastModifiedDate = creation time).
    jsRecord("draft", { Value: "hello", Modified: true, LastModifiedDate: at(10), DeviceLastModifiedDate: at(10) }),
    // Synced, then edited here.
    jsRecord("font", {
      Value: "serif",
      SyncCount: 2,
      Modified: true,
      LastModifiedBy: "dev-b",
      LastModifiedDate: at(2),
      DeviceLastModifiedDate: at(11)
    }),
    // Removed here: `Dataset.remove` stores null.
    jsRecord("old", {
      Value: null,
      SyncCount: 4,
      Modified: true,
      LastModifiedBy: "dev-a",
      LastModifiedDate: at(2),
      DeviceLastModifiedDate: at(12)
    }),
    // A server tombstone, stored as '' by the Record constructor.
    jsRecord("gone", {
      Value: "",
      SyncCount: 6,
      LastModifiedBy: "dev-c",
      LastModifiedDate: at(4),
      DeviceLastModifiedDate: at(4)
    }),
    // A local removal read back and written again (null became ''), still to be pushed.
    jsRecord("cleared", {
      Value: "",
      SyncCount: 1,
      Modified: true,
      LastModifiedBy: "dev-a",
      LastModifiedDate: at(1),
      DeviceLastModifiedDate: at(13)
    })
  ])
  // Records written, metadata never (a crash between the two writes).
  putDataset(storage, IDENTITY, "no-meta", [
    jsRecord("k", { Value: "v", Modified: true, DeviceLastModifiedDate: at(20) })
  ])
  // Another user's data on the same browser.
  putDataset(storage, OTHER_IDENTITY, "settings", [jsRecord("theme", { Value: "light", Modified: true })])
  putMetadata(storage, {
    [IDENTITY]: [
      jsMetadata("settings", 6),
      // Deleted locally, not yet on the server: records item removed, LastSyncCount -1.
      jsMetadata("deleted-ds", -1),
      // Known from refreshDatasetMetadata only (which sets LastSyncCount 0: ListDatasets has no count): no records.
      jsMetadata("remote-only", 0)
    ],
    [OTHER_IDENTITY]: [jsMetadata("settings", 1)]
  })
  return storage
}

const options = { identityPoolId: POOL, identityId: IDENTITY }
const key = (name: string) => ({ identityPoolId: POOL, identityId: IDENTITY, name })

describe("importAmazonCognitoJs", () => {
  it.effect("converts every dataset of the identity, keeping unsynced edits and deletions", () =>
    Effect.gen(function*() {
      const storage = legacyCache()
      const imported = yield* LocalStore.importAmazonCognitoJs(storage, options)
      expect(imported).toStrictEqual(["deleted-ds", "no-meta", "remote-only", "settings"])
      const store = yield* LocalStore.LocalStore

      const settings = Option.getOrThrow(yield* store.load(key("settings")))
      expect(settings).toMatchObject({ lastSyncCount: 6, deletedLocally: false, lastSyncDate: at(3).getTime() })
      const r = settings.records
      expect(Object.keys(r).sort()).toStrictEqual(["cleared", "draft", "font", "gone", "old", "theme"])
      expect(r.theme).toStrictEqual({
        key: "theme",
        value: "dark",
        syncCount: 3,
        modified: false,
        localVersion: 0,
        deviceLastModifiedDate: at(1).getTime(),
        lastModifiedDate: at(1).getTime(),
        lastModifiedBy: "dev-a"
      })
      // Never on the server: no server date.
      expect(r.draft).toStrictEqual({
        key: "draft",
        value: "hello",
        syncCount: 0,
        modified: true,
        localVersion: r.draft!.localVersion,
        deviceLastModifiedDate: at(10).getTime()
      })
      expect(r.font).toMatchObject({ value: "serif", syncCount: 2, modified: true, lastModifiedDate: at(2).getTime() })
      // Deletions: no value. Local ones stay marked for push; the tombstone does not.
      expect(r.old).toMatchObject({ syncCount: 4, modified: true })
      expect(r.cleared).toMatchObject({ syncCount: 1, modified: true })
      expect(r.gone).toMatchObject({ syncCount: 6, modified: false, localVersion: 0 })
      for (const name of ["old", "cleared", "gone"]) expect("value" in r[name]!).toBe(false)
      // Each unsynced edit has its own local version, and the dataset's is the highest.
      const versions = ["draft", "font", "old", "cleared"].map((k) => r[k]!.localVersion).sort()
      expect(versions).toStrictEqual([1, 2, 3, 4])
      expect(settings.localVersion).toBe(4)

      expect(Option.getOrThrow(yield* store.load(key("deleted-ds")))).toMatchObject({
        deletedLocally: true,
        lastSyncCount: 0,
        records: {}
      })
      expect(Option.getOrThrow(yield* store.load(key("no-meta")))).toMatchObject({
        lastSyncCount: 0,
        localVersion: 1,
        records: { k: { value: "v", modified: true, syncCount: 0 } }
      })
      expect(Option.getOrThrow(yield* store.load(key("remote-only")))).toMatchObject({ lastSyncCount: 0, records: {} })
      // The other identity's data stays where it is.
      expect(yield* store.list(POOL, OTHER_IDENTITY)).toStrictEqual([])
      // The cache is only read.
      expect(storage.getItem(`${IDENTITY}.settings`)).not.toBeNull()
    }).pipe(Effect.provide(LocalStore.layerMemory)))

  it.effect("is one-time: a second import saves nothing, and a dataset already in the store is never replaced", () =>
    Effect.gen(function*() {
      const store = yield* LocalStore.LocalStore
      const mine = {
        ...key("settings"),
        lastSyncCount: 8,
        deletedLocally: false,
        localVersion: 1,
        records: { theme: { key: "theme", value: "newer", syncCount: 8, modified: true, localVersion: 1 } }
      }
      yield* store.save(mine)
      const storage = legacyCache()
      expect(yield* LocalStore.importAmazonCognitoJs(storage, options)).toStrictEqual([
        "deleted-ds",
        "no-meta",
        "remote-only"
      ])
      expect(Option.getOrThrow(yield* store.load(key("settings")))).toStrictEqual(mine)
      const before = yield* Effect.forEach(["deleted-ds", "no-meta", "remote-only"], (n) => store.load(key(n)))
      expect(yield* LocalStore.importAmazonCognitoJs(storage, options)).toStrictEqual([])
      expect(yield* Effect.forEach(["deleted-ds", "no-meta", "remote-only"], (n) => store.load(key(n)))).toStrictEqual(
        before
      )
    }).pipe(Effect.provide(LocalStore.layerMemory)))

  it.effect("into a localStorage-backed store sharing the same Storage: the store's own keys are not taken for datasets", () =>
    Effect.gen(function*() {
      const storage = legacyCache()
      yield* Effect.gen(function*() {
        const first = yield* LocalStore.importAmazonCognitoJs(storage, options)
        expect(first).toHaveLength(4)
        expect(Array.from(storage.items.keys()).some((k) => k.startsWith("ecs/v1/"))).toBe(true)
        expect(yield* LocalStore.importAmazonCognitoJs(storage, options)).toStrictEqual([])
        const store = yield* LocalStore.LocalStore
        expect(yield* store.list(POOL, IDENTITY)).toStrictEqual(["deleted-ds", "no-meta", "remote-only", "settings"])
      }).pipe(Effect.provide(LocalStore.layerStorage(() => storage)))
    }))

  it.effect("datasetNames limits the import; resync starts from count 0", () =>
    Effect.gen(function*() {
      const store = yield* LocalStore.LocalStore
      const names = yield* LocalStore.importAmazonCognitoJs(legacyCache(), {
        ...options,
        datasetNames: ["settings", "absent"],
        resync: true
      })
      expect(names).toStrictEqual(["settings"])
      const settings = Option.getOrThrow(yield* store.load(key("settings")))
      expect(settings.lastSyncCount).toBe(0)
      expect(settings.lastSyncDate).toBeUndefined()
      expect(yield* store.list(POOL, IDENTITY)).toStrictEqual(["settings"])
    }).pipe(Effect.provide(LocalStore.layerMemory)))

  it.effect("an unreadable cache item fails with Corrupt before anything is saved; a throwing storage with Io", () =>
    Effect.gen(function*() {
      const store = yield* LocalStore.LocalStore
      const storage = legacyCache()
      storage.setItem(`${IDENTITY}.settings`, `{"theme":{"Key":"theme","Val`)
      const error = yield* Effect.flip(LocalStore.importAmazonCognitoJs(storage, options))
      expect(error.reason).toBe("Corrupt")
      expect(yield* store.list(POOL, IDENTITY)).toStrictEqual([])
      const broken = legacyCache()
      broken.failGet = new DOMException("The operation is insecure.", "SecurityError")
      expect((yield* Effect.flip(LocalStore.importAmazonCognitoJs(broken, options))).reason).toBe("Io")
    }).pipe(Effect.provide(LocalStore.layerMemory)))

  it.effect("an empty cache imports nothing", () =>
    Effect.gen(function*() {
      expect(yield* LocalStore.importAmazonCognitoJs(new FakeStorage(), options)).toStrictEqual([])
    }).pipe(Effect.provide(LocalStore.layerMemory)))
})
