/**
 * A one-time import of amazon-cognito-js's `localStorage` cache.
 *
 * Its format, read from amazon-cognito-js 1.x (`src/CognitoSyncStoreLocalStorage.js`,
 * `CognitoSyncLocalStorage.js`, `CognitoSyncRecord.js`, `CognitoSyncDatasetMetadata.js`,
 * `CognitoSyncDataset.js`):
 *
 * - Records: one item per dataset, key `"<identityId>.<datasetName>"`, value the JSON of an object from record
 *   key to `Record.toJSON()`: `{ Key, Value, SyncCount, LastModifiedDate, LastModifiedBy, DeviceLastModifiedDate,
 *   Modified }`. Dates are `Date`s, so the JSON holds ISO 8601 strings (or `null` for an invalid date).
 * - `Dataset.remove(key)` stores `Value: null`, `Modified: true`. The `Record` constructor turns a `null` value
 *   into `''` (`data.Value || ''`), so a record read back and written again, and every server tombstone (written
 *   through the constructor), is stored as `''`; its push sends `Op: value ? 'replace' : 'remove'`, so `''` was
 *   always a deletion. Both are imported as deleted (no value), modified or not as stored.
 * - Metadata: one item, key `"_internal._metadata"`, value the JSON of an object from identity id to an object
 *   from `"<identityId>.<datasetName>"` to `DatasetMetadata.toJSON()`: `{ DatasetName, CreationDate,
 *   LastModifiedDate, LastModifiedBy, DataStorage, NumRecords, LastSyncCount, LastSyncDate }`. `LastSyncCount`
 *   `-1` marks a dataset deleted locally and not yet deleted on the server (its records item is already gone).
 *
 * Not confirmed from a running app (only from the source): whether every release wrote exactly this; the
 * import therefore accepts numbers or strings for dates and ignores fields it does not need.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { LocalDataset, LocalRecord, LocalStoreError, Service } from "../LocalStore.js"
import type { MakeError } from "./kvStore.js"

/**
 * The read-only part of `Storage` the import uses.
 *
 * @internal
 */
export interface StorageReader {
  /** The value under a key, or null. */
  getItem(key: string): string | null
  /** The name of the key at a position, or null. */
  key(index: number): string | null
  /** How many keys are stored. */
  readonly length: number
}

/**
 * What to import.
 *
 * @internal
 */
export interface ImportOptions {
  readonly identityPoolId: string
  readonly identityId: string
  /** Only these datasets; by default every dataset of the identity found in the cache. */
  readonly datasetNames?: ReadonlyArray<string> | undefined
  /**
   * Start each imported dataset from sync count 0 (a full pull on its first sync) instead of the cache's
   * `LastSyncCount`. amazon-cognito-js moved `LastSyncCount` to the largest count a push returned, which skips
   * other devices' writes made in between; a full pull heals that. Default `false`.
   */
  readonly resync?: boolean | undefined
}

/** The metadata item's key. @internal */
export const METADATA_KEY = "_internal._metadata"

const NAME = /^[a-zA-Z0-9_.:-]{1,128}$/

const isObject = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const own = (object: { readonly [key: string]: unknown }, key: string): unknown =>
  Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined

const toMillis = (u: unknown): number | undefined => {
  const millis = typeof u === "number" ? u : typeof u === "string" ? Date.parse(u) : Number.NaN
  return Number.isFinite(millis) ? millis : undefined
}

const toCount = (u: unknown): number => (typeof u === "number" && Number.isSafeInteger(u) && u >= 0 ? u : 0)

/** Converts one stored record; `localVersion` is given to modified records only. @internal */
export const convertRecord = (key: string, raw: unknown, nextVersion: () => number): LocalRecord => {
  const r = isObject(raw) ? raw : {}
  const rawValue = own(r, "Value")
  // null: removed locally; '': a removal read back, or a server tombstone (see the module comment).
  const value = typeof rawValue === "string"
    ? (rawValue === "" ? undefined : rawValue)
    : typeof rawValue === "number" || typeof rawValue === "boolean"
    ? String(rawValue)
    : undefined
  const syncCount = toCount(own(r, "SyncCount"))
  const modified = own(r, "Modified") === true
  const lastModifiedBy = own(r, "LastModifiedBy")
  const deviceLastModifiedDate = toMillis(own(r, "DeviceLastModifiedDate"))
  // A record the server never had (count 0, no author) carries the local creation time as LastModifiedDate.
  const fromServer = syncCount > 0 || (typeof lastModifiedBy === "string" && lastModifiedBy !== "")
  const lastModifiedDate = fromServer ? toMillis(own(r, "LastModifiedDate")) : undefined
  return {
    key,
    syncCount,
    modified,
    localVersion: modified ? nextVersion() : 0,
    ...(value !== undefined ? { value } : {}),
    ...(deviceLastModifiedDate !== undefined ? { deviceLastModifiedDate } : {}),
    ...(lastModifiedDate !== undefined ? { lastModifiedDate } : {}),
    ...(typeof lastModifiedBy === "string" && lastModifiedBy !== "" ? { lastModifiedBy } : {})
  }
}

/**
 * Reads the cache and converts the identity's datasets; fails with `Corrupt` on an unreadable item and `Io` when
 * the storage throws. Pure of the store: nothing is saved here.
 *
 * @internal
 */
export const readCache = (
  storage: StorageReader,
  options: ImportOptions,
  makeError: MakeError
): Effect.Effect<ReadonlyArray<LocalDataset>, LocalStoreError> =>
  Effect.gen(function*() {
    const { identityId, identityPoolId } = options
    const prefix = `${identityId}.`
    const read = (key: string) =>
      Effect.try({
        try: () => storage.getItem(key),
        catch: (cause) =>
          makeError("Io", `amazon-cognito-js cache: reading ${JSON.stringify(key)} failed: ${String(cause)}`)
      })
    const parse = (key: string, text: string) =>
      Effect.try({
        try: (): unknown => JSON.parse(text),
        catch: () => makeError("Corrupt", `amazon-cognito-js cache: ${JSON.stringify(key)} is not JSON`)
      })

    // Metadata of this identity: `{ "<identityId>.<name>": DatasetMetadata }`.
    const metadataText = yield* read(METADATA_KEY)
    const allMetadata = metadataText === null ? {} : yield* parse(METADATA_KEY, metadataText)
    const identityMetadata = isObject(allMetadata) ? own(allMetadata, identityId) : undefined
    const metadata = isObject(identityMetadata) ? identityMetadata : {}

    // Which datasets: those named, else every metadata entry and records item of this identity.
    let names: ReadonlyArray<string>
    if (options.datasetNames !== undefined) {
      names = options.datasetNames
    } else {
      const found = new Set<string>()
      for (const key of Object.keys(metadata)) {
        if (key.startsWith(prefix)) found.add(key.slice(prefix.length))
      }
      const keys = yield* Effect.try({
        try: () => {
          const keys: Array<string> = []
          for (let i = 0; i < storage.length; i++) {
            const key = storage.key(i)
            if (key !== null) keys.push(key)
          }
          return keys
        },
        catch: (cause) => makeError("Io", `amazon-cognito-js cache: listing keys failed: ${String(cause)}`)
      })
      for (const key of keys) {
        if (key.startsWith(prefix)) found.add(key.slice(prefix.length))
      }
      names = Array.from(found)
    }

    const datasets: Array<LocalDataset> = []
    for (const name of Array.from(new Set(names)).sort()) {
      if (!NAME.test(name)) continue
      const itemKey = `${prefix}${name}`
      const meta = own(metadata, itemKey)
      const recordsText = yield* read(itemKey)
      if (recordsText === null && !isObject(meta)) continue
      const rawRecords = recordsText === null ? {} : yield* parse(itemKey, recordsText)
      // `getAll` of an absent item is `JSON.parse(null)`, i.e. null: an empty dataset.
      if (rawRecords !== null && !isObject(rawRecords)) {
        return yield* Effect.fail(
          makeError("Corrupt", `amazon-cognito-js cache: ${JSON.stringify(itemKey)} is not an object`)
        )
      }
      const rawLastSyncCount = isObject(meta) ? own(meta, "LastSyncCount") : undefined
      const deletedLocally = rawLastSyncCount === -1
      const lastSyncCount = options.resync === true ? 0 : toCount(rawLastSyncCount)
      const lastSyncDate = lastSyncCount > 0 && isObject(meta) ? toMillis(own(meta, "LastSyncDate")) : undefined
      let localVersion = 0
      const nextVersion = () => ++localVersion
      const entries = deletedLocally || rawRecords === null
        ? []
        : Object.keys(rawRecords).map((key) => [key, convertRecord(key, own(rawRecords, key), nextVersion)] as const)
      datasets.push({
        identityPoolId,
        identityId,
        name,
        lastSyncCount,
        deletedLocally,
        localVersion,
        ...(lastSyncDate !== undefined ? { lastSyncDate } : {}),
        records: Object.fromEntries(entries)
      })
    }
    return datasets
  })

/**
 * Reads the cache, then saves each dataset that the store does not hold yet; returns the names saved.
 *
 * @internal
 */
export const importInto = (
  store: Service,
  storage: StorageReader,
  options: ImportOptions,
  makeError: MakeError
): Effect.Effect<ReadonlyArray<string>, LocalStoreError> =>
  Effect.flatMap(readCache(storage, options, makeError), (datasets) =>
    Effect.map(
      Effect.forEach(datasets, (dataset) =>
        Effect.flatMap(store.load(dataset), (existing) =>
          Option.isSome(existing)
            ? Effect.succeed(Option.none<string>())
            : Effect.as(store.save(dataset), Option.some(dataset.name)))),
      (saved) => saved.flatMap((name) => Option.isSome(name) ? [name.value] : [])
    ))
