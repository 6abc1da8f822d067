/**
 * Test support for the durable LocalStore: arbitraries, a Map-backed KeyValueStore whose raw values a test can
 * read and damage, a wrapper that crashes at a chosen write, and a fake Web Storage.
 */
import * as PlatformError from "@effect/platform/Error"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Option from "effect/Option"
import type * as LocalStore from "../../src/sync/LocalStore.js"

export const POOL = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000"
export const IDENTITY = "us-east-1:11111111-2222-3333-4444-555555555555"
export const OTHER_IDENTITY = "us-east-1:99999999-2222-3333-4444-555555555555"

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------------------------

/** Any string: full Unicode, lone surrogates, JSON-hostile characters, and keys that are special in JS. */
export const anyString: FastCheck.Arbitrary<string> = FastCheck.oneof(
  FastCheck.string({ unit: "binary", maxLength: 12 }),
  FastCheck.string({ unit: FastCheck.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) }),
  FastCheck.constantFrom("", "__proto__", "constructor", "toString", "\"}", "\\", "\u0000", "\u2028", "😀", "12")
)

/** Epoch milliseconds, whole or not. */
const date = FastCheck.oneof(
  FastCheck.integer({ min: 0, max: 4_102_444_800_000 }),
  FastCheck.double({ min: 0, max: 4_102_444_800_000, noNaN: true })
)
const count = FastCheck.nat({ max: 1_000_000 })

export const record = (key: string): FastCheck.Arbitrary<LocalStore.LocalRecord> =>
  FastCheck.record({
    key: FastCheck.constant(key),
    value: anyString,
    syncCount: count,
    modified: FastCheck.boolean(),
    localVersion: count,
    deviceLastModifiedDate: date,
    lastModifiedDate: date,
    lastModifiedBy: anyString
  }, { requiredKeys: ["key", "syncCount", "modified", "localVersion"] })

export const records = (maxKeys = 6): FastCheck.Arbitrary<LocalStore.LocalDataset["records"]> =>
  FastCheck.uniqueArray(anyString, { maxLength: maxKeys }).chain((keys) =>
    FastCheck.tuple(...keys.map(record)).map((list) => Object.fromEntries(list.map((r) => [r.key, r])))
  )

export const datasetOf = (
  key: LocalStore.DatasetKey,
  maxKeys = 6
): FastCheck.Arbitrary<LocalStore.LocalDataset> =>
  FastCheck.record({
    identityPoolId: FastCheck.constant(key.identityPoolId),
    identityId: FastCheck.constant(key.identityId),
    name: FastCheck.constant(key.name),
    lastSyncCount: count,
    deletedLocally: FastCheck.boolean(),
    localVersion: count,
    lastSyncDate: date,
    records: records(maxKeys)
  }, {
    requiredKeys: ["identityPoolId", "identityId", "name", "lastSyncCount", "deletedLocally", "localVersion", "records"]
  })

export const datasetName: FastCheck.Arbitrary<string> = FastCheck.oneof(
  FastCheck.constantFrom("settings", "a.b", "__proto__", "x:y-z_1"),
  anyString
)

export const dataset: FastCheck.Arbitrary<LocalStore.LocalDataset> = FastCheck.tuple(
  FastCheck.constantFrom(POOL, "eu-west-1:pool"),
  FastCheck.constantFrom(IDENTITY, OTHER_IDENTITY),
  datasetName
).chain(([identityPoolId, identityId, name]) => datasetOf({ identityPoolId, identityId, name }))

export const identityInfo: FastCheck.Arbitrary<LocalStore.IdentityInfo> = FastCheck.record({
  authenticated: FastCheck.boolean(),
  deviceId: anyString
}, { requiredKeys: ["authenticated"] })

// ---------------------------------------------------------------------------------------------------------------
// KeyValueStores
// ---------------------------------------------------------------------------------------------------------------

const encoder = new TextEncoder()

/** A KeyValueStore over a Map the test owns, so it can read, copy and damage raw values. */
export const mapKeyValueStore = (map: Map<string, string>): KeyValueStore.KeyValueStore =>
  KeyValueStore.makeStringOnly({
    get: (key) => Effect.sync(() => Option.fromNullable(map.get(key))),
    getUint8Array: (key) => Effect.sync(() => Option.map(Option.fromNullable(map.get(key)), (v) => encoder.encode(v))),
    set: (key, value) => Effect.sync(() => void map.set(key, value)),
    remove: (key) => Effect.sync(() => void map.delete(key)),
    clear: Effect.sync(() => map.clear()),
    size: Effect.sync(() => map.size)
  })

/**
 * How a write goes wrong when the process dies during it:
 * - `lost`: nothing reaches the store;
 * - `truncate`: a prefix of the new value is stored (a torn file, a short write);
 * - `zeros`: a prefix of the new value, then NUL bytes up to its full length (a file whose tail was never
 *   written, as ext4 can leave after a power loss);
 * - `overlay`: a prefix of the new value over the old one (an in-place overwrite that stopped half way);
 * - `done`: the whole write lands, then the process dies before it learns so.
 */
export type TearMode = "lost" | "truncate" | "zeros" | "overlay" | "done"

export const tearModes: ReadonlyArray<TearMode> = ["lost", "truncate", "zeros", "overlay", "done"]

export interface CrashPlan {
  /** The 0-based write (set or remove) at which the process dies; beyond the last write, nothing happens. */
  readonly at: number
  readonly mode: TearMode
  /** Where a torn value is cut, as a fraction of its length. */
  readonly cut: number
}

export const crashPlan: FastCheck.Arbitrary<CrashPlan> = FastCheck.record({
  at: FastCheck.nat({ max: 6 }),
  mode: FastCheck.constantFrom(...tearModes),
  cut: FastCheck.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })
})

const crashed = (method: string) =>
  new PlatformError.SystemError({ reason: "Unknown", module: "KeyValueStore", method, description: "crashed" })

/**
 * A KeyValueStore that dies at the planned write: that write is torn as planned, and every operation after it
 * fails, as if the process had ended. `state.crashed` tells whether the plan fired.
 */
export const crashingKeyValueStore = (
  inner: KeyValueStore.KeyValueStore,
  plan: CrashPlan
): { readonly store: KeyValueStore.KeyValueStore; readonly state: { crashed: boolean; writes: number } } => {
  const state = { crashed: false, writes: 0 }
  const guard = <A>(method: string, f: () => Effect.Effect<A, PlatformError.PlatformError>) =>
    Effect.suspend(() => (state.crashed ? Effect.fail(crashed(method)) : f()))
  const tear = (key: string, value: string): Effect.Effect<void, PlatformError.PlatformError> => {
    const cut = Math.floor(value.length * plan.cut)
    switch (plan.mode) {
      case "lost":
        return Effect.void
      case "truncate":
        return inner.set(key, value.slice(0, cut))
      case "zeros":
        return inner.set(key, value.slice(0, cut) + "\u0000".repeat(value.length - cut))
      case "overlay":
        return Effect.flatMap(
          inner.get(key),
          (old) => inner.set(key, value.slice(0, cut) + Option.getOrElse(old, () => "").slice(cut))
        )
      case "done":
        return inner.set(key, value)
    }
  }
  const store = KeyValueStore.makeStringOnly({
    get: (key) => guard("get", () => inner.get(key)),
    set: (key, value) =>
      guard("set", () => {
        if (state.writes++ !== plan.at) return inner.set(key, value)
        state.crashed = true
        return Effect.zipRight(tear(key, value), Effect.fail(crashed("set")))
      }),
    remove: (key) =>
      guard("remove", () => {
        if (state.writes++ !== plan.at) return inner.remove(key)
        state.crashed = true
        return Effect.zipRight(plan.mode === "done" ? inner.remove(key) : Effect.void, Effect.fail(crashed("remove")))
      }),
    has: (key) => guard("has", () => inner.has(key)),
    clear: guard("clear", () => inner.clear),
    size: guard("size", () => inner.size)
  })
  return { store, state }
}

// ---------------------------------------------------------------------------------------------------------------
// Web Storage
// ---------------------------------------------------------------------------------------------------------------

/**
 * A Web Storage object in memory with a quota in UTF-16 code units (keys and values, as browsers count), whose
 * `setItem` throws a `QuotaExceededError` `DOMException` past it, as browsers do. `failGet` / `failSet` make the
 * next calls throw another error instead.
 */
export class FakeStorage implements Storage {
  readonly items = new Map<string, string>()
  failGet: Error | undefined = undefined
  failSet: Error | undefined = undefined
  constructor(readonly quota: number = Infinity) {}
  get length(): number {
    return this.items.size
  }
  key(index: number): string | null {
    return Array.from(this.items.keys())[index] ?? null
  }
  getItem(key: string): string | null {
    if (this.failGet !== undefined) throw this.failGet
    return this.items.get(key) ?? null
  }
  setItem(key: string, value: string): void {
    if (this.failSet !== undefined) throw this.failSet
    let used = key.length + value.length
    for (const [k, v] of this.items) if (k !== key) used += k.length + v.length
    if (used > this.quota) {
      throw new DOMException(`Setting the value of '${key}' exceeded the quota.`, "QuotaExceededError")
    }
    this.items.set(key, value)
  }
  removeItem(key: string): void {
    this.items.delete(key)
  }
  clear(): void {
    this.items.clear()
  }
  [name: string]: unknown
}
