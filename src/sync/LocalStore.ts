/**
 * Where the sync engine keeps each dataset's local copy between runs: in memory, or durably on top of
 * `@effect/platform`'s `KeyValueStore` (the file system in Node, `localStorage` in browsers).
 *
 * A dataset is saved whole, and a save is atomic: after a crash, a load returns the last dataset saved in full,
 * never a mix of two.
 *
 * @since 0.1.0
 */
import type * as PlatformError from "@effect/platform/Error"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import type * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { LazyArg } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as cognitoJs from "./internal/cognitoJs.js"
import * as kvStore from "./internal/kvStore.js"

/**
 * One record of a local copy. `value` undefined means the key is deleted (locally, or by the server's
 * tombstone).
 *
 * @since 0.1.0
 * @category models
 */
export const LocalRecord = Schema.Struct({
  key: Schema.String,
  value: Schema.optional(Schema.String),
  /** The record's last known server sync count; 0 if the server has never had it. */
  syncCount: Schema.NonNegativeInt,
  /** An edit not yet pushed. */
  modified: Schema.Boolean,
  /** Raised on every local edit, so a sync can tell an edit made while it ran. */
  localVersion: Schema.NonNegativeInt,
  /** When the value last changed on the device that changed it (epoch milliseconds). */
  deviceLastModifiedDate: Schema.optional(Schema.Finite),
  /** The server's LastModifiedDate (epoch milliseconds). */
  lastModifiedDate: Schema.optional(Schema.Finite),
  lastModifiedBy: Schema.optional(Schema.String)
})

/**
 * One record of a local copy.
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalRecord extends Schema.Schema.Type<typeof LocalRecord> {}

/**
 * The local copy of a dataset.
 *
 * @since 0.1.0
 * @category models
 */
export const LocalDataset = Schema.Struct({
  identityPoolId: Schema.String,
  identityId: Schema.String,
  name: Schema.String,
  /** The server's dataset sync count this copy has caught up with. */
  lastSyncCount: Schema.NonNegativeInt,
  /** The dataset was deleted on this device; the next sync deletes it on the server. */
  deletedLocally: Schema.Boolean,
  /** The highest `localVersion` handed out. */
  localVersion: Schema.NonNegativeInt,
  lastSyncDate: Schema.optional(Schema.Finite),
  records: Schema.Record({ key: Schema.String, value: LocalRecord })
})

/**
 * The local copy of a dataset.
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalDataset extends Schema.Schema.Type<typeof LocalDataset> {}

/**
 * Names a local dataset.
 *
 * @since 0.1.0
 * @category models
 */
export interface DatasetKey {
  readonly identityPoolId: string
  readonly identityId: string
  readonly name: string
}

/**
 * Facts kept per identity: whether it is authenticated (local datasets never move away from an authenticated
 * identity) and the push device id.
 *
 * @since 0.1.0
 * @category models
 */
export const IdentityInfo = Schema.Struct({
  authenticated: Schema.Boolean,
  deviceId: Schema.optional(Schema.String)
})

/**
 * Facts kept per identity.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdentityInfo extends Schema.Schema.Type<typeof IdentityInfo> {}

/**
 * The store failed: storage full, unreadable data, data written by a newer version, or an I/O error.
 *
 * @since 0.1.0
 * @category errors
 */
export class LocalStoreError extends Schema.TaggedError<LocalStoreError>("effect-cognito-sync/LocalStoreError")(
  "LocalStoreError",
  {
    reason: Schema.Literal("QuotaExceeded", "Corrupt", "NewerFormat", "Io"),
    message: Schema.String
  }
) {}

/**
 * The store's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The last dataset saved under this key, if any. */
  readonly load: (key: DatasetKey) => Effect.Effect<Option.Option<LocalDataset>, LocalStoreError>
  /** Saves a dataset whole and atomically. */
  readonly save: (dataset: LocalDataset) => Effect.Effect<void, LocalStoreError>
  /** Forgets a dataset. */
  readonly remove: (key: DatasetKey) => Effect.Effect<void, LocalStoreError>
  /** The names of the datasets saved for an identity. */
  readonly list: (identityPoolId: string, identityId: string) => Effect.Effect<ReadonlyArray<string>, LocalStoreError>
  /** Facts about an identity, if any were saved. */
  readonly loadIdentity: (
    identityPoolId: string,
    identityId: string
  ) => Effect.Effect<Option.Option<IdentityInfo>, LocalStoreError>
  /**
   * Whether other processes or browser tabs may write the same datasets (a durable store). The sync engine then
   * reloads a dataset before each change, under a cross-tab lock, so it never overwrites their edits.
   */
  readonly shared?: boolean | undefined
  /** Saves facts about an identity. */
  readonly saveIdentity: (
    identityPoolId: string,
    identityId: string,
    info: IdentityInfo
  ) => Effect.Effect<void, LocalStoreError>
}

/**
 * The store service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class LocalStore extends Context.Tag("effect-cognito-sync/LocalStore")<LocalStore, Service>() {}

const datasetId = (key: DatasetKey) => JSON.stringify([key.identityPoolId, key.identityId, key.name])
const identityKey = (identityPoolId: string, identityId: string) => JSON.stringify([identityPoolId, identityId])

/**
 * A store in memory: fast, lost with the process. Values are copied in and out, so callers never share state
 * with the store.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<Service> = Effect.sync(() => {
  const datasets = new Map<string, LocalDataset>()
  const identities = new Map<string, IdentityInfo>()
  return {
    load: (key) =>
      Effect.sync(() =>
        Option.map(
          Option.fromNullable(datasets.get(datasetId(key))),
          (dataset): LocalDataset => structuredClone(dataset)
        )
      ),
    save: (dataset) => Effect.sync(() => void datasets.set(datasetId(dataset), structuredClone(dataset))),
    remove: (key) => Effect.sync(() => void datasets.delete(datasetId(key))),
    list: (identityPoolId, identityId) =>
      Effect.sync(() =>
        Array.from(datasets.values())
          .filter((dataset) => dataset.identityPoolId === identityPoolId && dataset.identityId === identityId)
          .map((dataset) => dataset.name)
          .sort()
      ),
    loadIdentity: (identityPoolId, identityId) =>
      Effect.sync(() => Option.fromNullable(identities.get(identityKey(identityPoolId, identityId)))),
    saveIdentity: (identityPoolId, identityId, info) =>
      Effect.sync(() => void identities.set(identityKey(identityPoolId, identityId), info))
  }
})

/**
 * The in-memory store as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<LocalStore> = Layer.effect(LocalStore, makeMemory)

const makeError: kvStore.MakeError = (reason, message) => new LocalStoreError({ reason, message })

/**
 * The version of the durable store's format that this code writes. A value written in a later version fails
 * with `LocalStoreError` reason `"NewerFormat"`; earlier versions are migrated when read.
 *
 * @since 0.1.0
 * @category constants
 */
export const formatVersion: number = kvStore.currentFormat.version

/**
 * A durable store on `@effect/platform`'s `KeyValueStore` (the file system, `localStorage`, or any other).
 *
 * Saves are crash-atomic although `KeyValueStore` writes one key at a time and may tear a value: each dataset
 * (and each identity's facts and list of dataset names) is kept in two checksummed, generation-numbered slots,
 * and a save overwrites only the older one, so a load always finds the last complete save. Every value carries a
 * format version: older ones are migrated, newer ones fail with `"NewerFormat"` and are never overwritten, and a
 * thing whose two copies are both unreadable fails with `"Corrupt"` and is kept. A full store fails with
 * `"QuotaExceeded"`, any other storage failure with `"Io"`. Keys start with `ecs/v1/`; the store never lists or
 * clears the `KeyValueStore`, so it can share one with other data.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeKeyValueStore: Effect.Effect<Service, never, KeyValueStore.KeyValueStore> = Effect.flatMap(
  KeyValueStore.KeyValueStore,
  (kv) => kvStore.makeWith(kv, makeError)
)

/**
 * The durable store on the `KeyValueStore` in context, as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerKeyValueStore: Layer.Layer<LocalStore, never, KeyValueStore.KeyValueStore> = Layer.effect(
  LocalStore,
  makeKeyValueStore
)

/**
 * The durable store in a directory, one file per key (`KeyValueStore.layerFileSystem`). In Node, provide
 * `NodeContext.layer` from `@effect/platform-node`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFileSystem = (
  directory: string
): Layer.Layer<LocalStore, PlatformError.PlatformError, FileSystem.FileSystem | Path.Path> =>
  Layer.provide(layerKeyValueStore, KeyValueStore.layerFileSystem(directory))

/**
 * The part of the Web Storage interface (`localStorage`) that `layerStorage` uses.
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageLike extends kvStore.StorageLike {}

/**
 * The durable store in a Web Storage object, typically `localStorage`:
 * `LocalStore.layerStorage(() => localStorage)`. Unlike `KeyValueStore.layerStorage`, it keeps the error the
 * storage threw, so a full storage is told apart from other failures precisely. (The store also works on
 * `KeyValueStore.layerStorage` or `BrowserKeyValueStore.layerLocalStorage`, which drop that error; there, a
 * failed write counts as `"QuotaExceeded"`, the only error the Web Storage standard lets `setItem` throw.)
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStorage = (evaluate: LazyArg<StorageLike>): Layer.Layer<LocalStore> =>
  Layer.provide(
    layerKeyValueStore,
    Layer.sync(KeyValueStore.KeyValueStore, () => kvStore.storageKeyValueStore(evaluate))
  )

/**
 * The read-only part of `Storage` that `importAmazonCognitoJs` uses; `localStorage` is one.
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageReader extends cognitoJs.StorageReader {}

/**
 * What `importAmazonCognitoJs` imports.
 *
 * @since 0.1.0
 * @category models
 */
export interface ImportOptions extends cognitoJs.ImportOptions {}

/**
 * Imports amazon-cognito-js's `localStorage` cache of one identity into the store, once, so an app moving off
 * that library keeps its unsynced edits.
 *
 * Each dataset of the identity (or each one named in `datasetNames`) becomes a local dataset: values, sync
 * counts, `modified` flags and dates of its records, and the dataset's `LastSyncCount` (with `resync`, 0
 * instead). A record removed on the device (value `null`) or stored as `''` (the library's form of a server
 * tombstone) is a deletion, still marked modified if it was. A dataset the library deleted locally but not yet
 * on the server (`LastSyncCount` -1) is imported as `deletedLocally`, so the next sync deletes it on the server.
 *
 * A dataset is saved only if the store has none of that name, so a second import changes nothing; the cache is
 * only read, never changed. Returns the names of the datasets saved. An unreadable cache item fails with
 * `"Corrupt"` before anything is saved.
 *
 * @since 0.1.0
 * @category constructors
 */
export const importAmazonCognitoJs = (
  storage: StorageReader,
  options: ImportOptions
): Effect.Effect<ReadonlyArray<string>, LocalStoreError, LocalStore> =>
  Effect.flatMap(LocalStore, (store) => cognitoJs.importInto(store, storage, options, makeError))
