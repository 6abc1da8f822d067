/**
 * The durable `LocalStore` on `@effect/platform`'s `KeyValueStore`: crash-atomic saves from generation-numbered,
 * checksummed slots, an index key for `list`, and a versioned, migrated format.
 *
 * The scheme (the public description is in `docs/sync.md`):
 *
 * - Every stored thing (a dataset, an identity's index of dataset names, an identity's facts) lives in two slots,
 *   `<base>/0` and `<base>/1`. A slot's value is one JSON text,
 *   `{"v":V,"kind":K,"gen":G,"data":D,"sum":"HHHHHHHH"}`, in exactly that field order, where `HHHHHHHH` is the
 *   FNV-1a 32-bit hash (8 lowercase hex digits) of the UTF-8 bytes of the text before `,"sum":`.
 * - A load reads both slots and takes the highest `gen` among the slots that parse, match their checksum, their
 *   kind, their key and the format's schema. A torn or half-written slot fails those checks and is ignored.
 * - A save never writes over the slot holding the newest valid generation: it writes the other slot with
 *   generation + 1. The first save of a thing writes generation 1 to both slots, so from then on each slot
 *   always holds a complete save and a single damaged slot falls back to the one before.
 * - Both slots present and invalid is `Corrupt` (kept as is; only `remove` deletes it). A slot whose `v` is
 *   above this code's format version is `NewerFormat`, for loads and saves alike: it is never read as something
 *   else, never overwritten.
 *
 * @internal
 */
import { sha256 } from "#sha256"
import * as PlatformError from "@effect/platform/Error"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import type { LazyArg } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { DatasetKey, IdentityInfo, LocalDataset, LocalRecord, LocalStoreError, Service } from "../LocalStore.js"

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** @internal */
export type Reason = LocalStoreError["reason"]

/**
 * How this module builds a `LocalStoreError` (passed in by `LocalStore.ts`, so this module imports nothing of it
 * at run time and there is no import cycle).
 *
 * @internal
 */
export type MakeError = (reason: Reason, message: string) => LocalStoreError

const hasField = <K extends string>(u: unknown, key: K): u is { readonly [k in K]: unknown } =>
  typeof u === "object" && u !== null && key in u

/**
 * True when an error, or any error in its `cause` chain, means "the storage is full": a `QuotaExceededError`
 * `DOMException` (Firefox once named it `NS_ERROR_DOM_QUOTA_REACHED`; legacy codes 22 and 1014), or a file system
 * `ENOSPC` / `EDQUOT`.
 *
 * @internal
 */
export const isQuotaError = (error: unknown): boolean => {
  let current = error
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const name = hasField(current, "name") ? current.name : undefined
    const code = hasField(current, "code") ? current.code : undefined
    if (name === "QuotaExceededError" || name === "NS_ERROR_DOM_QUOTA_REACHED") return true
    if (code === "ENOSPC" || code === "EDQUOT") return true
    if (
      typeof DOMException !== "undefined" && current instanceof DOMException && (code === 22 || code === 1014)
    ) return true
    current = hasField(current, "cause") ? current.cause : undefined
  }
  return false
}

/**
 * `KeyValueStore.layerStorage` (and so `BrowserKeyValueStore.layerLocalStorage`) drops the error `setItem` threw
 * and reports every failure as a `SystemError` of module `KeyValueStore`, reason `PermissionDenied`, no cause.
 * The Web Storage standard lets `setItem` throw only `QuotaExceededError`, so such a failure of `set` is a full
 * store. (The file system store reports module `FileSystem`; `LocalStore.layerStorage` keeps the cause.)
 */
const isStorageSetFailure = (error: PlatformError.PlatformError): boolean =>
  error._tag === "SystemError" && error.module === "KeyValueStore" && error.method === "set" &&
  error.reason === "PermissionDenied" && error.cause === undefined

const mapPlatformError = (makeError: MakeError, what: string) => (error: PlatformError.PlatformError) =>
  isQuotaError(error) || isStorageSetFailure(error)
    ? makeError("QuotaExceeded", `${what}: the storage is full (${error.message})`)
    : makeError("Io", `${what}: ${error.message}`)

// ---------------------------------------------------------------------------------------------------------------
// Checksum and keys
// ---------------------------------------------------------------------------------------------------------------

const utf8 = new TextEncoder()

/**
 * FNV-1a, 32 bits, over the UTF-8 bytes of a string, as 8 lowercase hex digits.
 *
 * @internal
 */
export const fnv1a32 = (text: string): string => {
  const bytes = utf8.encode(text)
  let hash = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) {
    hash = Math.imul(hash ^ bytes[i]!, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, "0")
}

/**
 * The prefix of every key this store writes. The key layout is permanent; format changes are versioned inside
 * the values (`v`).
 *
 * @internal
 */
export const keyPrefix = "ecs/v1/"

/** @internal */
export type Kind = "dataset" | "index" | "identity"

/**
 * The base key of a thing: `ecs/v1/<kind>/<id>`, where `<id>` is the unpadded base64url SHA-256 of the UTF-8
 * JSON array of its names (`[identityPoolId, identityId, datasetName]` for a dataset, `[identityPoolId,
 * identityId]` for an index or identity). A hash keeps every key short (43 characters of id) and made only of
 * `[A-Za-z0-9_-]`, so it suits `localStorage` and, after `layerFileSystem`'s `encodeURIComponent`, any file
 * system's 255-byte name limit, whatever the ids contain.
 *
 * @internal
 */
export const baseKey = (kind: Kind, names: ReadonlyArray<string>): Effect.Effect<string> =>
  Effect.sync(() => {
    // SHA-256 is SHA-256 on every runtime: Node's and the portable one give the same keys.
    return `${keyPrefix}${kind}/${Encoding.encodeBase64Url(sha256(JSON.stringify(names)))}`
  })

/** @internal */
export const slotKey = (base: string, slot: Slot): string => `${base}/${slot}`

/** @internal */
export type Slot = 0 | 1

// ---------------------------------------------------------------------------------------------------------------
// The format: its version, its migrations, and the payload schemas of the current version
// ---------------------------------------------------------------------------------------------------------------

/**
 * A format: its version, and the migrations that bring older payloads up to it. `migrations[n]` turns the
 * `data` of a version-`n` value of the given kind into the `data` of version `n + 1`; a load applies them one
 * step at a time (`n`, `n + 1`, ... up to `version`), then decodes with the current payload schemas. Values are
 * migrated when read and written back in the current version by the next save; nothing is dropped.
 *
 * To change the format: add the new payload schemas, raise `version`, and add `migrations[version - 1]`.
 *
 * @internal
 */
export interface Format {
  readonly version: number
  readonly migrations: { readonly [from: number]: (kind: Kind, data: unknown) => unknown }
}

/**
 * The current format. Version 1 is the first, so there is nothing to migrate yet.
 *
 * @internal
 */
export const currentFormat: Format = {
  version: 1,
  migrations: {}
}

// Payload schemas of version 1. They are frozen: a change to `LocalDataset`, `LocalRecord` or `IdentityInfo`
// breaks the type assertions below until a new format version is added.

const StoredRecordV1 = Schema.Struct({
  key: Schema.String,
  value: Schema.optional(Schema.String),
  syncCount: Schema.NonNegativeInt,
  modified: Schema.Boolean,
  localVersion: Schema.NonNegativeInt,
  deviceLastModifiedDate: Schema.optional(Schema.Finite),
  lastModifiedDate: Schema.optional(Schema.Finite),
  lastModifiedBy: Schema.optional(Schema.String)
})

const StoredDatasetV1 = Schema.Struct({
  identityPoolId: Schema.String,
  identityId: Schema.String,
  name: Schema.String,
  lastSyncCount: Schema.NonNegativeInt,
  deletedLocally: Schema.Boolean,
  localVersion: Schema.NonNegativeInt,
  lastSyncDate: Schema.optional(Schema.Finite),
  // An array, not an object: `Schema.Record` decoding would turn a `__proto__` key into the prototype.
  records: Schema.Array(StoredRecordV1)
})

const StoredIndexV1 = Schema.Struct({
  identityPoolId: Schema.String,
  identityId: Schema.String,
  names: Schema.Array(Schema.String)
})

const StoredIdentityV1 = Schema.Struct({
  identityPoolId: Schema.String,
  identityId: Schema.String,
  authenticated: Schema.Boolean,
  deviceId: Schema.optional(Schema.String)
})

type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false
const sameRecordKeys: SameKeys<LocalRecord, typeof StoredRecordV1.Type> = true
const sameDatasetKeys: SameKeys<Omit<LocalDataset, "records">, Omit<typeof StoredDatasetV1.Type, "records">> = true
const sameIdentityKeys: SameKeys<IdentityInfo, Omit<typeof StoredIdentityV1.Type, "identityPoolId" | "identityId">> =
  true
void [sameRecordKeys, sameDatasetKeys, sameIdentityKeys]

const toStoredRecord = (record: LocalRecord): typeof StoredRecordV1.Type => ({
  key: record.key,
  value: record.value,
  syncCount: record.syncCount,
  modified: record.modified,
  localVersion: record.localVersion,
  deviceLastModifiedDate: record.deviceLastModifiedDate,
  lastModifiedDate: record.lastModifiedDate,
  lastModifiedBy: record.lastModifiedBy
})

const fromStoredRecord = (record: typeof StoredRecordV1.Type): LocalRecord => ({
  key: record.key,
  syncCount: record.syncCount,
  modified: record.modified,
  localVersion: record.localVersion,
  ...(record.value !== undefined ? { value: record.value } : {}),
  ...(record.deviceLastModifiedDate !== undefined ? { deviceLastModifiedDate: record.deviceLastModifiedDate } : {}),
  ...(record.lastModifiedDate !== undefined ? { lastModifiedDate: record.lastModifiedDate } : {}),
  ...(record.lastModifiedBy !== undefined ? { lastModifiedBy: record.lastModifiedBy } : {})
})

const toStoredDataset = (dataset: LocalDataset): Either.Either<typeof StoredDatasetV1.Type, string> => {
  const records: Array<typeof StoredRecordV1.Type> = []
  for (const [key, record] of Object.entries(dataset.records)) {
    if (record.key !== key) return Either.left(`record ${JSON.stringify(key)} has key ${JSON.stringify(record.key)}`)
    records.push(toStoredRecord(record))
  }
  return Either.right({
    identityPoolId: dataset.identityPoolId,
    identityId: dataset.identityId,
    name: dataset.name,
    lastSyncCount: dataset.lastSyncCount,
    deletedLocally: dataset.deletedLocally,
    localVersion: dataset.localVersion,
    lastSyncDate: dataset.lastSyncDate,
    records
  })
}

const fromStoredDataset = (stored: typeof StoredDatasetV1.Type): LocalDataset => ({
  identityPoolId: stored.identityPoolId,
  identityId: stored.identityId,
  name: stored.name,
  lastSyncCount: stored.lastSyncCount,
  deletedLocally: stored.deletedLocally,
  localVersion: stored.localVersion,
  ...(stored.lastSyncDate !== undefined ? { lastSyncDate: stored.lastSyncDate } : {}),
  // `Object.fromEntries` defines own properties, so a `__proto__` key stays a key.
  records: Object.fromEntries(stored.records.map((record) => [record.key, fromStoredRecord(record)]))
})

// ---------------------------------------------------------------------------------------------------------------
// Envelopes and slots
// ---------------------------------------------------------------------------------------------------------------

/**
 * A slot's value: `{"v":V,"kind":K,"gen":G,"data":D,"sum":"HHHHHHHH"}`.
 *
 * @internal
 */
export const seal = (version: number, kind: Kind, gen: number, data: string): string => {
  const head = `{"v":${version},"kind":"${kind}","gen":${gen},"data":${data}`
  return `${head},"sum":"${fnv1a32(head)}"}`
}

const SUM_SUFFIX_LENGTH = `,"sum":"00000000"}`.length

/** What one slot holds, once read. @internal */
export type SlotState<A> =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Invalid"; readonly why: string }
  | { readonly _tag: "Newer"; readonly version: number }
  | { readonly _tag: "Valid"; readonly gen: number; readonly value: A }

/**
 * Opens a slot's text: parse, version, checksum, kind, migrations, then the caller's decoder.
 *
 * @internal
 */
export const openSlot = <A>(
  format: Format,
  kind: Kind,
  text: string,
  decode: (data: unknown) => Either.Either<A, string>
): SlotState<A> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { _tag: "Invalid", why: "not JSON (torn write?)" }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || !hasField(parsed, "v")) {
    return { _tag: "Invalid", why: "not an envelope" }
  }
  const version = parsed.v
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 0) {
    return { _tag: "Invalid", why: "bad version" }
  }
  if (version > format.version) return { _tag: "Newer", version }
  // The envelope `{v, kind, gen, data, sum}` is the same in every version; `v` versions `data`.
  if (!hasField(parsed, "gen") || !hasField(parsed, "kind") || !hasField(parsed, "sum") || !hasField(parsed, "data")) {
    return { _tag: "Invalid", why: "not an envelope" }
  }
  const { data, gen, sum } = parsed
  if (typeof gen !== "number" || !Number.isSafeInteger(gen) || gen < 1) return { _tag: "Invalid", why: "bad gen" }
  if (
    typeof sum !== "string" || !/^[0-9a-f]{8}$/.test(sum) || !text.endsWith(`,"sum":"${sum}"}`) ||
    fnv1a32(text.slice(0, text.length - SUM_SUFFIX_LENGTH)) !== sum
  ) {
    return { _tag: "Invalid", why: "checksum mismatch" }
  }
  if (parsed.kind !== kind) return { _tag: "Invalid", why: `holds a ${String(parsed.kind)}, not a ${kind}` }
  let migrated = data
  for (let from = version; from < format.version; from++) {
    const migration = format.migrations[from]
    if (migration === undefined) return { _tag: "Invalid", why: `no migration from version ${from}` }
    try {
      migrated = migration(kind, migrated)
    } catch (error) {
      return { _tag: "Invalid", why: `migration from version ${from} failed: ${String(error)}` }
    }
  }
  return Either.match(decode(migrated), {
    onLeft: (why): SlotState<A> => ({ _tag: "Invalid", why }),
    onRight: (value): SlotState<A> => ({ _tag: "Valid", gen, value })
  })
}

/**
 * What a pair of slots holds.
 *
 * - `Empty`: nothing saved (both slots absent, or one absent and the other torn: a first save that never
 *   completed). `writeOrder` is where a save writes generation 1: the torn slot first, then the other.
 * - `Found`: the newest valid generation and its slot; a save writes the other slot.
 * - `Corrupt`: both slots present, neither valid.
 * - `Newer`: a slot holds a newer format.
 *
 * @internal
 */
export type Pair<A> =
  | { readonly _tag: "Empty"; readonly present: ReadonlyArray<Slot>; readonly writeOrder: readonly [Slot, Slot] }
  | {
    readonly _tag: "Found"
    readonly gen: number
    readonly slot: Slot
    readonly value: A
    readonly present: ReadonlyArray<Slot>
  }
  | { readonly _tag: "Corrupt"; readonly why: string }
  | { readonly _tag: "Newer"; readonly version: number }

/** @internal */
export type Usable<A> = Extract<Pair<A>, { readonly _tag: "Empty" | "Found" }>

/** @internal */
export const resolvePair = <A>(states: readonly [SlotState<A>, SlotState<A>]): Pair<A> => {
  const [s0, s1] = states
  if (s0._tag === "Newer" || s1._tag === "Newer") {
    return {
      _tag: "Newer",
      version: Math.max(s0._tag === "Newer" ? s0.version : 0, s1._tag === "Newer" ? s1.version : 0)
    }
  }
  const present: Array<Slot> = []
  if (s0._tag !== "Absent") present.push(0)
  if (s1._tag !== "Absent") present.push(1)
  if (s0._tag === "Valid" && (s1._tag !== "Valid" || s0.gen >= s1.gen)) {
    return { _tag: "Found", gen: s0.gen, slot: 0, value: s0.value, present }
  }
  if (s1._tag === "Valid") return { _tag: "Found", gen: s1.gen, slot: 1, value: s1.value, present }
  if (s0._tag === "Invalid" && s1._tag === "Invalid") return { _tag: "Corrupt", why: `${s0.why}; ${s1.why}` }
  return { _tag: "Empty", present, writeOrder: s1._tag === "Invalid" ? [1, 0] : [0, 1] }
}

// ---------------------------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------------------------

const decodeWith = <S extends Schema.Schema.AnyNoContext>(schema: S) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (data: unknown): Either.Either<Schema.Schema.Type<S>, string> =>
    Either.mapLeft(decode(data), () => "does not match the format's schema")
}
const decodeDatasetV1 = decodeWith(StoredDatasetV1)
const decodeIndexV1 = decodeWith(StoredIndexV1)
const decodeIdentityV1 = decodeWith(StoredIdentityV1)
const encodeDatasetV1 = Schema.encodeEither(StoredDatasetV1)
const encodeIdentityV1 = Schema.encodeEither(StoredIdentityV1)

const sameNames = (a: { readonly identityPoolId: string; readonly identityId: string }, pool: string, id: string) =>
  a.identityPoolId === pool && a.identityId === id

/**
 * Builds the store over a `KeyValueStore`, in a given format (the current one, or another in tests).
 *
 * @internal
 */
export const makeWith = (
  kv: KeyValueStore.KeyValueStore,
  makeError: MakeError,
  format: Format = currentFormat
): Effect.Effect<Service> =>
  Effect.gen(function*() {
    // Serializes this store's writes: the index is read-modify-write, and two saves of one dataset must not
    // both pick the same slot.
    const lock = yield* Effect.makeSemaphore(1)
    const bases = new Map<string, string>()
    const base = (kind: Kind, names: ReadonlyArray<string>) => {
      const id = JSON.stringify([kind, ...names])
      const known = bases.get(id)
      return known !== undefined
        ? Effect.succeed(known)
        : Effect.tap(baseKey(kind, names), (key) => Effect.sync(() => void bases.set(id, key)))
    }

    const get = (key: string, what: string) => Effect.mapError(kv.get(key), mapPlatformError(makeError, what))
    const set = (key: string, value: string, what: string) =>
      Effect.mapError(kv.set(key, value), mapPlatformError(makeError, what))
    const del = (key: string, what: string) =>
      kv.remove(key).pipe(
        Effect.catchIf(
          (error) => error._tag === "SystemError" && error.reason === "NotFound",
          () => Effect.void
        ),
        Effect.mapError(mapPlatformError(makeError, what))
      )
    const has = (key: string, what: string) => Effect.mapError(kv.has(key), mapPlatformError(makeError, what))

    const readPair = <A>(
      kind: Kind,
      key: string,
      decode: (data: unknown) => Either.Either<A, string>,
      what: string
    ): Effect.Effect<Pair<A>, LocalStoreError> =>
      Effect.map(
        Effect.all([get(slotKey(key, 0), what), get(slotKey(key, 1), what)]),
        ([t0, t1]) => {
          const open = (text: Option.Option<string>): SlotState<A> =>
            Option.match(text, {
              onNone: () => ({ _tag: "Absent" }),
              onSome: (value) => openSlot(format, kind, value, decode)
            })
          return resolvePair([open(t0), open(t1)])
        }
      )

    /** The pair's value, failing on a newer format, or (unless `allowCorrupt`) on corruption. */
    const usable = <A>(pair: Pair<A>, what: string): Effect.Effect<Usable<A>, LocalStoreError> => {
      switch (pair._tag) {
        case "Newer":
          return Effect.fail(
            makeError(
              "NewerFormat",
              `${what}: written in format version ${pair.version} by a newer version of this library; this one reads up to ${format.version}`
            )
          )
        case "Corrupt":
          return Effect.fail(makeError("Corrupt", `${what}: both copies are unreadable (${pair.why}); they are kept`))
        default:
          return Effect.succeed(pair)
      }
    }

    /** Writes a new generation: over the slot not holding the newest one, or to both slots the first time. */
    const writeNext = <A>(
      kind: Kind,
      key: string,
      pair: Usable<A>,
      data: string,
      what: string
    ) =>
      pair._tag === "Found"
        ? set(slotKey(key, pair.slot === 0 ? 1 : 0), seal(format.version, kind, pair.gen + 1, data), what)
        : Effect.forEach(
          pair.writeOrder,
          (slot) => set(slotKey(key, slot), seal(format.version, kind, 1, data), what),
          {
            discard: true
          }
        )

    // -- the index of dataset names, per identity ----------------------------------------------------------

    const decodeIndex = (pool: string, id: string) => (data: unknown) =>
      Either.flatMap(
        decodeIndexV1(data),
        (index) => sameNames(index, pool, id) ? Either.right(index.names) : Either.left("belongs to another identity")
      )

    const readIndex = (pool: string, id: string) =>
      Effect.flatMap(base("index", [pool, id]), (key) =>
        Effect.flatMap(
          readPair("index", key, decodeIndex(pool, id), `the dataset index of ${id}`),
          (pair) => Effect.map(usable(pair, `the dataset index of ${id}`), (pair) => ({ key, pair }))
        ))

    const updateIndex = (pool: string, id: string, f: (names: ReadonlyArray<string>) => ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const { key, pair } = yield* readIndex(pool, id)
        const names = pair._tag === "Found" ? pair.value : []
        const next = f(names)
        if (next.length === names.length && next.every((name, i) => name === names[i])) return
        const data = JSON.stringify({ identityPoolId: pool, identityId: id, names: next })
        yield* writeNext("index", key, pair, data, `the dataset index of ${id}`)
      })

    // -- datasets ------------------------------------------------------------------------------------------

    const describe = (key: DatasetKey) => `dataset ${JSON.stringify(key.name)} of ${key.identityId}`

    const decodeDataset = (key: DatasetKey) => (data: unknown) =>
      Either.flatMap(decodeDatasetV1(data), (stored) =>
        sameNames(stored, key.identityPoolId, key.identityId) && stored.name === key.name
          ? Either.right(fromStoredDataset(stored))
          : Either.left("belongs to another dataset"))

    const datasetBase = (key: DatasetKey) =>
      base("dataset", [key.identityPoolId, key.identityId, key.name])

    const readDataset = (key: DatasetKey) =>
      Effect.flatMap(
        datasetBase(key),
        (base) =>
          Effect.map(readPair("dataset", base, decodeDataset(key), describe(key)), (pair) => ({ base, pair }))
      )

    const load: Service["load"] = (key) =>
      Effect.flatMap(readDataset(key), ({ pair }) =>
        Effect.map(
          usable(pair, describe(key)),
          (pair) => pair._tag === "Found" ? Option.some(pair.value) : Option.none()
        ))

    const save: Service["save"] = (dataset) =>
      Effect.gen(function*() {
        const what = describe(dataset)
        const stored = yield* Either.match(toStoredDataset(dataset), {
          onLeft: (why) => Effect.fail(makeError("Io", `${what}: refusing to save an invalid dataset: ${why}`)),
          onRight: (stored) => Effect.succeed(stored)
        })
        const encoded = yield* Effect.mapError(
          encodeDatasetV1(stored),
          (error) => makeError("Io", `${what}: refusing to save an invalid dataset: ${error.message}`)
        )
        const data = JSON.stringify(encoded)
        yield* lock.withPermits(1)(Effect.gen(function*() {
          const { base, pair } = yield* readDataset(dataset)
          const current = yield* usable(pair, what)
          // The name goes into the index before the dataset's first slot is written, so a dataset that loads is
          // always listed. Checked on every save, so an entry lost to a race between processes comes back.
          yield* updateIndex(
            dataset.identityPoolId,
            dataset.identityId,
            (names) => names.includes(dataset.name) ? names : [...names, dataset.name].sort()
          )
          yield* writeNext("dataset", base, current, data, what)
        }))
      })

    const remove: Service["remove"] = (key) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const what = describe(key)
        const { base, pair } = yield* readDataset(key)
        // A newer format is never deleted; a corrupt dataset is (remove is the way out of Corrupt). The index is
        // checked before anything is deleted, so a remove that fails has changed nothing.
        if (pair._tag === "Newer") yield* usable(pair, what)
        yield* readIndex(key.identityPoolId, key.identityId)
        // The older slot goes first: a crash in between leaves the newest save, never an older one.
        const order: ReadonlyArray<Slot> = pair._tag === "Found"
          ? pair.present.filter((slot) => slot !== pair.slot).concat([pair.slot])
          : pair._tag === "Empty"
          ? pair.present
          : [0, 1]
        yield* Effect.forEach(order, (slot) => del(slotKey(base, slot), what), { discard: true })
        // Out of the index only after the slots are gone.
        yield* updateIndex(key.identityPoolId, key.identityId, (names) => names.filter((name) => name !== key.name))
      }))

    const list: Service["list"] = (pool, id) =>
      Effect.gen(function*() {
        const { pair } = yield* readIndex(pool, id)
        if (pair._tag !== "Found") return []
        // After a crash the index may name a dataset whose first save never got written; leave those out.
        const present = yield* Effect.forEach(pair.value, (name) =>
          Effect.gen(function*() {
            const key = yield* datasetBase({ identityPoolId: pool, identityId: id, name })
            const what = describe({ identityPoolId: pool, identityId: id, name })
            return (yield* has(slotKey(key, 0), what)) || (yield* has(slotKey(key, 1), what))
          }))
        return pair.value.filter((_, i) => present[i]).sort()
      })

    // -- identities ----------------------------------------------------------------------------------------

    const decodeIdentity = (pool: string, id: string) => (data: unknown) =>
      Either.flatMap(decodeIdentityV1(data), (stored): Either.Either<IdentityInfo, string> =>
        sameNames(stored, pool, id)
          ? Either.right({
            authenticated: stored.authenticated,
            ...(stored.deviceId !== undefined ? { deviceId: stored.deviceId } : {})
          })
          : Either.left("belongs to another identity"))

    const readIdentity = (pool: string, id: string) =>
      Effect.flatMap(base("identity", [pool, id]), (base) =>
        Effect.map(
          readPair("identity", base, decodeIdentity(pool, id), `the facts of identity ${id}`),
          (pair) => ({ base, pair })
        ))

    const loadIdentity: Service["loadIdentity"] = (pool, id) =>
      Effect.flatMap(readIdentity(pool, id), ({ pair }) =>
        Effect.map(
          usable(pair, `the facts of identity ${id}`),
          (pair) => pair._tag === "Found" ? Option.some(pair.value) : Option.none()
        ))

    const saveIdentity: Service["saveIdentity"] = (pool, id, info) =>
      Effect.gen(function*() {
        const what = `the facts of identity ${id}`
        const encoded = yield* Effect.mapError(
          encodeIdentityV1({
            identityPoolId: pool,
            identityId: id,
            authenticated: info.authenticated,
            deviceId: info.deviceId
          }),
          (error) => makeError("Io", `${what}: refusing to save invalid facts: ${error.message}`)
        )
        const data = JSON.stringify(encoded)
        yield* lock.withPermits(1)(Effect.gen(function*() {
          const { base, pair } = yield* readIdentity(pool, id)
          const current = yield* usable(pair, what)
          yield* writeNext("identity", base, current, data, what)
        }))
      })

    // Other processes or browser tabs may write the same keys.
    return { load, save, remove, list, loadIdentity, saveIdentity, shared: true }
  })

// ---------------------------------------------------------------------------------------------------------------
// A Storage-backed KeyValueStore that keeps the error Storage threw
// ---------------------------------------------------------------------------------------------------------------

/**
 * The part of the Web Storage interface the store uses.
 *
 * @internal
 */
export interface StorageLike {
  /** The value under a key, or null. */
  getItem(key: string): string | null
  /** Stores a value; may throw `QuotaExceededError`. */
  setItem(key: string, value: string): void
  /** Forgets a key. */
  removeItem(key: string): void
  /** How many keys are stored. */
  readonly length: number
}

/**
 * Like `KeyValueStore.layerStorage`, but each error keeps what `Storage` threw as its `cause`, so a full store is
 * told apart from other failures. `clear` is refused: this store never clears a storage it shares.
 *
 * @internal
 */
export const storageKeyValueStore = (evaluate: LazyArg<StorageLike>): KeyValueStore.KeyValueStore => {
  const storage = evaluate()
  const attempt = <A>(method: string, pathOrDescriptor: string, f: () => A) =>
    Effect.try({
      try: f,
      catch: (cause) =>
        new PlatformError.SystemError({
          reason: isQuotaError(cause) ? "Unknown" : "PermissionDenied",
          module: "KeyValueStore",
          method,
          pathOrDescriptor,
          description: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
          cause
        })
    })
  return KeyValueStore.makeStringOnly({
    get: (key) => attempt("get", key, () => Option.fromNullable(storage.getItem(key))),
    set: (key, value) => attempt("set", key, () => storage.setItem(key, value)),
    remove: (key) => attempt("remove", key, () => storage.removeItem(key)),
    clear: Effect.fail(
      new PlatformError.BadArgument({
        module: "KeyValueStore",
        method: "clear",
        description: "refusing to clear a shared Storage"
      })
    ),
    size: attempt("size", "size", () => storage.length)
  })
}
