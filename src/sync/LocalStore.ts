/**
 * Where the sync engine keeps each dataset's local copy between runs: in memory, or durably on top of
 * `@effect/platform`'s `KeyValueStore` (the file system in Node, `localStorage` in browsers).
 *
 * A dataset is saved whole, and a save is atomic: after a crash, a load returns the last dataset saved in full,
 * never a mix of two.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

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
  deviceLastModifiedDate: Schema.optional(Schema.Number),
  /** The server's LastModifiedDate (epoch milliseconds). */
  lastModifiedDate: Schema.optional(Schema.Number),
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
  lastSyncDate: Schema.optional(Schema.Number),
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
        Option.map(Option.fromNullable(datasets.get(datasetId(key))), (dataset): LocalDataset => structuredClone(dataset))
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
