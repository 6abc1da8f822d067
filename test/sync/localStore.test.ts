import * as NodeContext from "@effect/platform-node/NodeContext"
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Path from "@effect/platform/Path"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as kvStore from "../../src/sync/internal/kvStore.js"
import * as LocalStore from "../../src/sync/LocalStore.js"
import {
  crashingKeyValueStore,
  crashPlan,
  dataset,
  datasetOf,
  FakeStorage,
  IDENTITY,
  identityInfo,
  mapKeyValueStore,
  OTHER_IDENTITY,
  POOL
} from "./localStoreSupport.js"

const makeError: kvStore.MakeError = (reason, message) => new LocalStore.LocalStoreError({ reason, message })

/** A fresh store (a new "process") over a Map of raw values, in the current format or another one. */
const storeOver = (map: Map<string, string>, format: kvStore.Format = kvStore.currentFormat) =>
  kvStore.makeWith(mapKeyValueStore(map), makeError, format)

const key = (name: string, identityId = IDENTITY): LocalStore.DatasetKey => ({ identityPoolId: POOL, identityId, name })

const simple = (
  name: string,
  values: Record<string, string | undefined>,
  extra: Partial<LocalStore.LocalDataset> = {}
) =>
  ({
    identityPoolId: POOL,
    identityId: IDENTITY,
    name,
    lastSyncCount: 3,
    deletedLocally: false,
    localVersion: 7,
    records: Object.fromEntries(
      Object.entries(values).map(([k, value]) => [
        k,
        {
          key: k,
          syncCount: 1,
          modified: value === undefined,
          localVersion: 0,
          deviceLastModifiedDate: 1_700_000_000_000,
          ...(value !== undefined ? { value } : {})
        }
      ])
    ),
    ...extra
  }) satisfies LocalStore.LocalDataset

const failure = <A>(exit: Exit.Exit<A, LocalStore.LocalStoreError>): LocalStore.LocalStoreError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return Option.getOrThrow(Cause.failureOption(exit.cause))
}

const reasonOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(effect), (error) => error instanceof LocalStore.LocalStoreError ? error.reason : error)

/**
 * A dataset with its records as sorted entries: `toStrictEqual` compares an object's `constructor` property as
 * its type, so a record keyed "constructor" cannot be compared inside a plain object.
 */
const canon = (ds: LocalStore.LocalDataset | undefined) =>
  ds === undefined
    ? undefined
    : { ...ds, records: Object.entries(ds.records).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) }

// Every implementation must behave the same for the round-trip properties.
const implementations: ReadonlyArray<readonly [string, Layer.Layer<LocalStore.LocalStore>]> = [
  ["memory", LocalStore.layerMemory],
  ["KeyValueStore.layerMemory", Layer.provide(LocalStore.layerKeyValueStore, KeyValueStore.layerMemory)],
  ["layerStorage(FakeStorage)", LocalStore.layerStorage(() => new FakeStorage())],
  [
    "KeyValueStore.layerStorage(FakeStorage)",
    Layer.provide(LocalStore.layerKeyValueStore, KeyValueStore.layerStorage(() => new FakeStorage()))
  ]
]

describe("LocalStore round trip", () => {
  for (const [label, layer] of implementations) {
    it.effect.prop(
      `${label}: every dataset saved loads back equal, and list names them`,
      [FastCheck.array(dataset, { maxLength: 6 })],
      ([datasets]) =>
        Effect.gen(function*() {
          const store = yield* LocalStore.LocalStore
          const last = new Map<string, LocalStore.LocalDataset>()
          for (const ds of datasets) {
            yield* store.save(ds)
            last.set(JSON.stringify([ds.identityPoolId, ds.identityId, ds.name]), ds)
          }
          for (const ds of last.values()) {
            const loaded = yield* store.load(ds)
            expect(canon(Option.getOrUndefined(loaded))).toStrictEqual(canon(ds))
          }
          for (const [pool, identity] of [[POOL, IDENTITY], [POOL, OTHER_IDENTITY], ["eu-west-1:pool", IDENTITY]]) {
            const expected = Array.from(last.values())
              .filter((ds) => ds.identityPoolId === pool && ds.identityId === identity)
              .map((ds) => ds.name)
              .sort()
            expect(yield* store.list(pool!, identity!)).toStrictEqual(expected)
          }
        }).pipe(Effect.provide(layer)),
      { fastCheck: { numRuns: 40 } }
    )

    it.effect.prop(
      `${label}: identity facts round-trip`,
      [identityInfo, identityInfo],
      ([first, second]) =>
        Effect.gen(function*() {
          const store = yield* LocalStore.LocalStore
          expect(Option.isNone(yield* store.loadIdentity(POOL, IDENTITY))).toBe(true)
          yield* store.saveIdentity(POOL, IDENTITY, first)
          expect(Option.getOrUndefined(yield* store.loadIdentity(POOL, IDENTITY))).toStrictEqual(first)
          yield* store.saveIdentity(POOL, IDENTITY, second)
          expect(Option.getOrUndefined(yield* store.loadIdentity(POOL, IDENTITY))).toStrictEqual(second)
          expect(Option.isNone(yield* store.loadIdentity(POOL, OTHER_IDENTITY))).toBe(true)
        }).pipe(Effect.provide(layer)),
      { fastCheck: { numRuns: 30 } }
    )

    it.effect(`${label}: remove forgets a dataset and its name; load of an unknown dataset is None`, () =>
      Effect.gen(function*() {
        const store = yield* LocalStore.LocalStore
        expect(Option.isNone(yield* store.load(key("settings")))).toBe(true)
        expect(yield* store.list(POOL, IDENTITY)).toStrictEqual([])
        yield* store.save(simple("settings", { a: "1" }))
        yield* store.save(simple("b", { a: "2" }))
        yield* store.save(simple("settings", { a: "3" }))
        expect(yield* store.list(POOL, IDENTITY)).toStrictEqual(["b", "settings"])
        yield* store.remove(key("settings"))
        expect(Option.isNone(yield* store.load(key("settings")))).toBe(true)
        expect(yield* store.list(POOL, IDENTITY)).toStrictEqual(["b"])
        yield* store.remove(key("settings"))
        yield* store.remove(key("never-saved"))
        expect(yield* store.list(POOL, IDENTITY)).toStrictEqual(["b"])
        yield* store.save(simple("settings", { a: "4" }))
        expect(Option.getOrThrow(yield* store.load(key("settings"))).records.a?.value).toBe("4")
        expect(yield* store.list(POOL, IDENTITY)).toStrictEqual(["b", "settings"])
      }).pipe(Effect.provide(layer)))

    it.effect(`${label}: values are copied, a caller's later mutation does not reach the store`, () =>
      Effect.gen(function*() {
        const store = yield* LocalStore.LocalStore
        const ds = structuredClone(simple("settings", { a: "1" }))
        yield* store.save(ds)
        ;(ds.records as Record<string, LocalStore.LocalRecord>).a = {
          key: "a",
          value: "changed",
          syncCount: 0,
          modified: true,
          localVersion: 1
        }
        const loaded = Option.getOrThrow(yield* store.load(key("settings")))
        expect(loaded.records.a?.value).toBe("1")
      }).pipe(Effect.provide(layer)))
  }
})

describe("LocalStore on KeyValueStore: processes and keys", () => {
  it.effect("a new process over the same KeyValueStore sees the last save", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      const first = yield* storeOver(map)
      yield* first.save(simple("settings", { a: "1" }))
      yield* first.save(simple("settings", { a: "2" }))
      yield* first.saveIdentity(POOL, IDENTITY, { authenticated: true, deviceId: "d" })
      const second = yield* storeOver(map)
      expect(Option.getOrThrow(yield* second.load(key("settings"))).records.a?.value).toBe("2")
      expect(yield* second.list(POOL, IDENTITY)).toStrictEqual(["settings"])
      expect(Option.getOrThrow(yield* second.loadIdentity(POOL, IDENTITY))).toStrictEqual({
        authenticated: true,
        deviceId: "d"
      })
      yield* second.save(simple("settings", { a: "3" }))
      const third = yield* storeOver(map)
      expect(Option.getOrThrow(yield* third.load(key("settings"))).records.a?.value).toBe("3")
    }))

  it.effect("the same through the public layer over one KeyValueStore", () =>
    Effect.gen(function*() {
      const kv = yield* KeyValueStore.KeyValueStore
      const run = <A, E>(effect: Effect.Effect<A, E, LocalStore.LocalStore>) =>
        Effect.provide(
          effect,
          Layer.provide(LocalStore.layerKeyValueStore, Layer.succeed(KeyValueStore.KeyValueStore, kv))
        )
      yield* run(Effect.flatMap(LocalStore.LocalStore, (store) => store.save(simple("settings", { a: "1" }))))
      const loaded = yield* run(Effect.flatMap(LocalStore.LocalStore, (store) => store.load(key("settings"))))
      expect(Option.getOrThrow(loaded).records.a?.value).toBe("1")
    }).pipe(Effect.provide(KeyValueStore.layerMemory)))

  it.effect("keys are prefixed, short and safe for file names and localStorage, whatever the ids hold", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      const store = yield* storeOver(map)
      const long = { identityPoolId: "p".repeat(55), identityId: "/..\\:*?\"<>|".repeat(5), name: "n".repeat(128) }
      yield* store.save({ ...simple("x", { a: "1" }), ...long })
      yield* store.saveIdentity(long.identityPoolId, long.identityId, { authenticated: false })
      expect(map.size).toBe(6) // two slots each: the dataset, the index, the identity
      for (const k of map.keys()) {
        expect(k).toMatch(/^ecs\/v1\/(dataset|index|identity)\/[A-Za-z0-9_-]{43}\/[01]$/)
        expect(encodeURIComponent(k).length).toBeLessThan(100)
      }
      expect(Option.getOrThrow(yield* store.load(long)).name).toBe(long.name)
    }))

  it.effect("a slot's value is the documented envelope, with its FNV-1a checksum", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      const store = yield* storeOver(map)
      yield* store.save(simple("settings", { a: "1" }))
      const base = yield* kvStore.baseKey("dataset", [POOL, IDENTITY, "settings"])
      const text = map.get(`${base}/0`)!
      expect(map.get(`${base}/1`)).toBe(text) // the first save writes generation 1 to both slots
      expect(text).toMatch(/^\{"v":1,"kind":"dataset","gen":1,"data":\{.*\},"sum":"[0-9a-f]{8}"\}$/)
      const head = text.slice(0, text.lastIndexOf(`,"sum":`))
      expect(text.endsWith(`,"sum":"${kvStore.fnv1a32(head)}"}`)).toBe(true)
      yield* store.save(simple("settings", { a: "2" }))
      expect(map.get(`${base}/0`)).toBe(text) // the second save leaves generation 1 alone
      expect(map.get(`${base}/1`)).toContain(`"gen":2`)
      yield* store.save(simple("settings", { a: "3" }))
      expect(map.get(`${base}/0`)).toContain(`"gen":3`)
      expect(map.get(`${base}/1`)).toContain(`"gen":2`)
    }))

  it("FNV-1a 32 matches its published test vectors", () => {
    expect(kvStore.fnv1a32("")).toBe("811c9dc5")
    expect(kvStore.fnv1a32("a")).toBe("e40c292c")
    expect(kvStore.fnv1a32("foobar")).toBe("bf9cf968")
  })

  it.effect("concurrent first saves of many datasets of one identity all get listed", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      const store = yield* storeOver(map)
      const names = Array.from({ length: 12 }, (_, i) => `ds${String(i).padStart(2, "0")}`)
      yield* Effect.forEach(names, (name) => store.save(simple(name, { a: name })), { concurrency: "unbounded" })
      expect(yield* store.list(POOL, IDENTITY)).toStrictEqual(names)
    }))

  it.effect("an index entry lost to another process comes back on the dataset's next save", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      const a = yield* storeOver(map)
      const b = yield* storeOver(map)
      yield* a.save(simple("one", { a: "1" }))
      const snapshot = new Map(map)
      yield* b.save(simple("two", { a: "1" }))
      // Another process that read the index before "two" was added writes it back without it.
      const indexBase = yield* kvStore.baseKey("index", [POOL, IDENTITY])
      for (const slot of [0, 1]) {
        const k = `${indexBase}/${slot}`
        const old = snapshot.get(k)
        if (old !== undefined) map.set(k, old)
      }
      expect(yield* a.list(POOL, IDENTITY)).toStrictEqual(["one"])
      yield* a.save(simple("two", { a: "2" }))
      expect(yield* a.list(POOL, IDENTITY)).toStrictEqual(["one", "two"])
    }))

  it.effect("a dataset with an inconsistent record key or a non-finite date is refused, not stored damaged", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      const store = yield* storeOver(map)
      const bad = simple("settings", { a: "1" }, {
        records: { a: { key: "b", value: "1", syncCount: 0, modified: true, localVersion: 1 } }
      })
      expect(yield* reasonOf(store.save(bad))).toBe("Io")
      const nan = simple("settings", { a: "1" }, { lastSyncDate: Number.NaN })
      expect(yield* reasonOf(store.save(nan))).toBe("Io")
      expect(map.size).toBe(0)
    }))
})

describe("LocalStore crash atomicity", () => {
  type Op =
    | { readonly _tag: "save"; readonly dataset: LocalStore.LocalDataset }
    | { readonly _tag: "remove"; readonly key: LocalStore.DatasetKey }
    | { readonly _tag: "saveIdentity"; readonly info: LocalStore.IdentityInfo }

  const names = ["a", "b"] as const
  const op: FastCheck.Arbitrary<Op> = FastCheck.oneof(
    {
      weight: 5,
      arbitrary: FastCheck.constantFrom(...names).chain((name) => datasetOf(key(name), 3)).map((dataset) => ({
        _tag: "save" as const,
        dataset
      }))
    },
    {
      weight: 2,
      arbitrary: FastCheck.constantFrom(...names).map((name) => ({ _tag: "remove" as const, key: key(name) }))
    },
    { weight: 1, arbitrary: identityInfo.map((info) => ({ _tag: "saveIdentity" as const, info })) }
  )

  it.effect.prop(
    "after a crash at any write of any save or remove, a fresh load gives exactly the previous or the new state",
    [FastCheck.array(FastCheck.tuple(op, crashPlan), { minLength: 1, maxLength: 8 })],
    ([steps]) =>
      Effect.gen(function*() {
        const map = new Map<string, string>()
        // What a fresh process loads now.
        const datasets = new Map<string, Option.Option<LocalStore.LocalDataset>>(names.map((n) => [n, Option.none()]))
        let identity = Option.none<LocalStore.IdentityInfo>()
        for (const [step, plan] of steps) {
          const crashing = crashingKeyValueStore(mapKeyValueStore(map), plan)
          const store = yield* kvStore.makeWith(crashing.store, makeError)
          const exit = yield* Effect.exit(
            step._tag === "save"
              ? store.save(step.dataset)
              : step._tag === "remove"
              ? store.remove(step.key)
              : store.saveIdentity(POOL, IDENTITY, step.info)
          )
          // A write the plan did not reach: the operation succeeded.
          if (!crashing.state.crashed) expect(Exit.isSuccess(exit)).toBe(true)
          if (Exit.isFailure(exit)) expect(failure(exit).reason).toBe("Io")

          const fresh = yield* storeOver(map)
          for (const name of names) {
            const loaded = yield* fresh.load(key(name)) // never fails
            const previous = datasets.get(name)!
            const next = step._tag === "save" && step.dataset.name === name
              ? Option.some(step.dataset)
              : step._tag === "remove" && step.key.name === name
              ? Option.none()
              : previous
            const candidates = crashing.state.crashed ? [previous, next] : [next]
            expect(candidates.map((c) => canon(Option.getOrUndefined(c)))).toContainEqual(
              canon(Option.getOrUndefined(loaded))
            )
            datasets.set(name, loaded)
          }
          const loadedIdentity = yield* fresh.loadIdentity(POOL, IDENTITY)
          const nextIdentity = step._tag === "saveIdentity" ? Option.some(step.info) : identity
          expect((crashing.state.crashed ? [identity, nextIdentity] : [nextIdentity]).map(Option.getOrUndefined))
            .toContainEqual(Option.getOrUndefined(loadedIdentity))
          identity = loadedIdentity
          // Every dataset that loads is listed.
          const listed = yield* fresh.list(POOL, IDENTITY)
          for (const name of names) {
            if (Option.isSome(datasets.get(name)!)) expect(listed).toContain(name)
          }
        }
        // And the store keeps working: a clean save after all that is exact.
        const fresh = yield* storeOver(map)
        const final = simple("a", { z: "final" })
        yield* fresh.save(final)
        expect(Option.getOrUndefined(yield* (yield* storeOver(map)).load(key("a")))).toStrictEqual(final)
        expect(yield* fresh.list(POOL, IDENTITY)).toContain("a")
      }),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect("every write position of a first, second and third save, in every tear mode, exhaustively", () =>
    Effect.gen(function*() {
      const versions = [simple("a", { k: "one" }), simple("a", { k: "two", l: "x" }), simple("a", { k: "three" })]
      for (let saves = 0; saves < versions.length; saves++) {
        for (let at = 0; at < 5; at++) {
          for (const mode of ["lost", "truncate", "zeros", "overlay", "done"] as const) {
            for (const cut of [0, 0.3, 0.999]) {
              const map = new Map<string, string>()
              const clean = yield* storeOver(map)
              for (const v of versions.slice(0, saves)) yield* clean.save(v)
              const previous = saves === 0 ? undefined : versions[saves - 1]
              const crashing = crashingKeyValueStore(mapKeyValueStore(map), { at, mode, cut })
              const store = yield* kvStore.makeWith(crashing.store, makeError)
              yield* Effect.exit(store.save(versions[saves]!))
              const loaded = Option.getOrUndefined(yield* (yield* storeOver(map)).load(key("a")))
              expect([previous, versions[saves]]).toContainEqual(loaded)
              if (!crashing.state.crashed) expect(loaded).toStrictEqual(versions[saves])
            }
          }
        }
      }
    }))
})

describe("LocalStore damage: checksums, Corrupt", () => {
  const setup = Effect.gen(function*() {
    const map = new Map<string, string>()
    const store = yield* storeOver(map)
    yield* store.save(simple("settings", { a: "first" }))
    yield* store.save(simple("settings", { a: "second" }))
    const base = yield* kvStore.baseKey("dataset", [POOL, IDENTITY, "settings"])
    return { map, store, base, newest: `${base}/1`, older: `${base}/0` }
  })

  it.effect("a damaged newest slot that still parses is caught by its checksum: the previous save loads", () =>
    Effect.gen(function*() {
      const { map, newest } = yield* setup
      map.set(newest, map.get(newest)!.replace("second", "secxnd"))
      expect(JSON.parse(map.get(newest)!)).toBeTruthy()
      const loaded = yield* (yield* storeOver(map)).load(key("settings"))
      expect(Option.getOrThrow(loaded).records.a?.value).toBe("first")
    }))

  it.effect("a damaged generation number cannot promote an older slot", () =>
    Effect.gen(function*() {
      const { map, older } = yield* setup
      map.set(older, map.get(older)!.replace(`"gen":1`, `"gen":99`))
      const loaded = yield* (yield* storeOver(map)).load(key("settings"))
      expect(Option.getOrThrow(loaded).records.a?.value).toBe("second")
    }))

  it.effect("a slot copied from another dataset is not taken for this one", () =>
    Effect.gen(function*() {
      const { map, store, base } = yield* setup
      yield* store.save(simple("other", { a: "other" }))
      const otherBase = yield* kvStore.baseKey("dataset", [POOL, IDENTITY, "other"])
      map.set(`${base}/1`, map.get(`${otherBase}/0`)!)
      const loaded = yield* (yield* storeOver(map)).load(key("settings"))
      expect(Option.getOrThrow(loaded).records.a?.value).toBe("first")
    }))

  it.effect("both slots unreadable: load and save fail with Corrupt and keep the data; remove deletes it", () =>
    Effect.gen(function*() {
      const { map, newest, older } = yield* setup
      map.set(newest, "garbage")
      map.set(older, map.get(older)!.slice(0, 40))
      const before = new Map(map)
      const store = yield* storeOver(map)
      expect(yield* reasonOf(store.load(key("settings")))).toBe("Corrupt")
      expect(yield* reasonOf(store.save(simple("settings", { a: "third" })))).toBe("Corrupt")
      expect(map).toStrictEqual(before)
      yield* store.remove(key("settings"))
      expect(Option.isNone(yield* store.load(key("settings")))).toBe(true)
      expect(yield* store.list(POOL, IDENTITY)).toStrictEqual([])
    }))

  it.effect("identity facts: both copies unreadable is Corrupt, not 'no facts' (which would allow a move)", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      const store = yield* storeOver(map)
      yield* store.saveIdentity(POOL, IDENTITY, { authenticated: true })
      const base = yield* kvStore.baseKey("identity", [POOL, IDENTITY])
      map.set(`${base}/0`, "{")
      expect(Option.getOrThrow(yield* store.loadIdentity(POOL, IDENTITY)).authenticated).toBe(true)
      map.set(`${base}/1`, "")
      expect(yield* reasonOf(store.loadIdentity(POOL, IDENTITY))).toBe("Corrupt")
      expect(yield* reasonOf(store.saveIdentity(POOL, IDENTITY, { authenticated: false }))).toBe("Corrupt")
    }))
})

describe("LocalStore format versions", () => {
  // Simulated later versions of this library: v2 appends "-a" to every record value, v3 then appends "-b".
  const appendToValues = (suffix: string) => (kind: kvStore.Kind, data: unknown) => {
    if (kind !== "dataset") return data
    const d = data as { records: Array<{ value?: string }> }
    return { ...d, records: d.records.map((r) => (r.value === undefined ? r : { ...r, value: r.value + suffix })) }
  }
  const v2: kvStore.Format = { version: 2, migrations: { 1: appendToValues("-a") } }
  const v3: kvStore.Format = { version: 3, migrations: { 1: appendToValues("-a"), 2: appendToValues("-b") } }

  it.effect("older values are migrated one version at a time, in order", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      yield* (yield* storeOver(map)).save(simple("one", { k: "x" }))
      const two = simple("two", { k: "y" })
      yield* (yield* storeOver(map, v2)).save(two)
      const reader = yield* storeOver(map, v3)
      expect(Option.getOrThrow(yield* reader.load(key("one"))).records.k?.value).toBe("x-a-b")
      expect(Option.getOrThrow(yield* reader.load(key("two"))).records.k?.value).toBe("y-b")
      expect(yield* reader.list(POOL, IDENTITY)).toStrictEqual(["one", "two"])
      // Saving in v3 keeps the v1 copy in the other slot as the fallback, migrated if it is ever needed.
      yield* reader.save(simple("one", { k: "z" }))
      expect(Option.getOrThrow(yield* (yield* storeOver(map, v3)).load(key("one"))).records.k?.value).toBe("z")
    }))

  it.effect("a newer format fails with NewerFormat for load, save and remove, and nothing is overwritten", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      const current = yield* storeOver(map)
      yield* current.save(simple("settings", { k: "old" }))
      yield* current.saveIdentity(POOL, IDENTITY, { authenticated: true })
      const newer = yield* storeOver(map, v2)
      yield* newer.save(simple("settings", { k: "new" }))
      yield* newer.saveIdentity(POOL, IDENTITY, { authenticated: false })
      const before = new Map(map)
      const old = yield* storeOver(map)
      expect(yield* reasonOf(old.load(key("settings")))).toBe("NewerFormat")
      expect(yield* reasonOf(old.save(simple("settings", { k: "downgrade" })))).toBe("NewerFormat")
      expect(yield* reasonOf(old.remove(key("settings")))).toBe("NewerFormat")
      expect(yield* reasonOf(old.loadIdentity(POOL, IDENTITY))).toBe("NewerFormat")
      expect(yield* reasonOf(old.saveIdentity(POOL, IDENTITY, { authenticated: true }))).toBe("NewerFormat")
      expect(map).toStrictEqual(before)
    }))

  it.effect("a newer index fails list and first saves of that identity", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      yield* (yield* storeOver(map, v2)).save(simple("settings", { k: "new" }))
      const before = new Map(map)
      const old = yield* storeOver(map)
      expect(yield* reasonOf(old.list(POOL, IDENTITY))).toBe("NewerFormat")
      expect(yield* reasonOf(old.save(simple("another", { k: "x" })))).toBe("NewerFormat")
      expect(map).toStrictEqual(before)
    }))

  it.effect("remove checks the index first: with a newer index it fails and deletes nothing", () =>
    Effect.gen(function*() {
      const map = new Map<string, string>()
      yield* (yield* storeOver(map)).save(simple("settings", { k: "v1" }))
      yield* (yield* storeOver(map, v2)).save(simple("added-by-v2", { k: "v2" }))
      const before = new Map(map)
      const old = yield* storeOver(map)
      expect(Option.getOrThrow(yield* old.load(key("settings"))).records.k?.value).toBe("v1")
      expect(yield* reasonOf(old.remove(key("settings")))).toBe("NewerFormat")
      expect(map).toStrictEqual(before)
    }))

  it("the envelope's version is read before anything else, so an unknown future layout is still NewerFormat", () => {
    const state = kvStore.openSlot(kvStore.currentFormat, "dataset", `{"v":7,"whatever":true}`, () => Either.right(1))
    expect(state).toStrictEqual({ _tag: "Newer", version: 7 })
    expect(LocalStore.formatVersion).toBe(1)
  })
})

describe("LocalStore storage errors", () => {
  it.effect("a full localStorage (QuotaExceededError) is QuotaExceeded, through both Storage layers; the previous save stays", () =>
    Effect.gen(function*() {
      for (
        const makeLayer of [
          (storage: FakeStorage) => LocalStore.layerStorage(() => storage),
          (storage: FakeStorage) =>
            Layer.provide(LocalStore.layerKeyValueStore, KeyValueStore.layerStorage(() => storage))
        ]
      ) {
        const storage = new FakeStorage(4_000)
        yield* Effect.gen(function*() {
          const store = yield* LocalStore.LocalStore
          yield* store.save(simple("settings", { k: "small" }))
          expect(yield* reasonOf(store.save(simple("settings", { k: "x".repeat(5_000) })))).toBe("QuotaExceeded")
          expect(Option.getOrThrow(yield* store.load(key("settings"))).records.k?.value).toBe("small")
        }).pipe(Effect.provide(makeLayer(storage)))
      }
    }))

  it.effect("other Storage failures are Io; LocalStore.layerStorage tells them apart from a full store", () =>
    Effect.gen(function*() {
      const storage = new FakeStorage()
      yield* Effect.gen(function*() {
        const store = yield* LocalStore.LocalStore
        storage.failGet = new DOMException("The operation is insecure.", "SecurityError")
        expect(yield* reasonOf(store.load(key("settings")))).toBe("Io")
        storage.failGet = undefined
        storage.failSet = new TypeError("boom")
        expect(yield* reasonOf(store.save(simple("settings", { k: "v" })))).toBe("Io")
      }).pipe(Effect.provide(LocalStore.layerStorage(() => storage)))
    }))

  it.effect("KeyValueStore.layerStorage drops the thrown error: a failed read is Io, a failed write QuotaExceeded", () =>
    Effect.gen(function*() {
      const storage = new FakeStorage()
      yield* Effect.gen(function*() {
        const store = yield* LocalStore.LocalStore
        storage.failGet = new DOMException("The operation is insecure.", "SecurityError")
        expect(yield* reasonOf(store.load(key("settings")))).toBe("Io")
        storage.failGet = undefined
        storage.failSet = new DOMException("full", "QuotaExceededError")
        expect(yield* reasonOf(store.save(simple("settings", { k: "v" })))).toBe("QuotaExceeded")
      }).pipe(Effect.provide(Layer.provide(LocalStore.layerKeyValueStore, KeyValueStore.layerStorage(() => storage))))
    }))

  const fileSystemFailing = (code: string) =>
    LocalStore.layerFileSystem("/store").pipe(
      Layer.provide(FileSystem.layerNoop({
        exists: () => Effect.succeed(true),
        readFile: (path) =>
          Effect.fail(
            new PlatformError.SystemError({
              reason: "NotFound",
              module: "FileSystem",
              method: "readFile",
              pathOrDescriptor: path
            })
          ),
        // What Node's file system reports (platform-node's handleErrnoException: reason Unknown, the errno error
        // as cause). `writeFileString` is what KeyValueStore.layerFileSystem calls.
        writeFileString: (path) =>
          Effect.fail(
            new PlatformError.SystemError({
              reason: "Unknown",
              module: "FileSystem",
              method: "writeFile",
              pathOrDescriptor: path,
              cause: Object.assign(new Error(`${code}: write failed`), { code })
            })
          )
      })),
      Layer.provide(Path.layer)
    )

  it.effect("a full disk (ENOSPC, EDQUOT) is QuotaExceeded; another file system error is Io", () =>
    Effect.gen(function*() {
      for (const [code, reason] of [["ENOSPC", "QuotaExceeded"], ["EDQUOT", "QuotaExceeded"], ["EIO", "Io"]] as const) {
        const got = yield* reasonOf(
          Effect.flatMap(LocalStore.LocalStore, (store) => store.save(simple("settings", { k: "v" }))).pipe(
            Effect.provide(fileSystemFailing(code))
          )
        )
        expect(got).toBe(reason)
      }
    }))
})

describe("LocalStore.layerFileSystem", () => {
  const inTempDir = <A, E, R>(f: (dir: string) => Effect.Effect<A, E, R>) =>
    Effect.scoped(Effect.flatMap(Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped()), f)).pipe(
      Effect.provide(NodeContext.layer)
    )
  const withStore = <A, E>(dir: string, f: (store: LocalStore.Service) => Effect.Effect<A, E>) =>
    Effect.flatMap(LocalStore.LocalStore, f).pipe(
      Effect.provide(LocalStore.layerFileSystem(dir)),
      Effect.provide(NodeContext.layer)
    )

  it.effect.prop(
    "datasets round-trip through files, and a new process over the directory sees the last save",
    [FastCheck.array(dataset, { minLength: 1, maxLength: 4 })],
    ([datasets]) =>
      inTempDir((dir) =>
        Effect.gen(function*() {
          yield* withStore(dir, (store) => Effect.forEach(datasets, (ds) => store.save(ds), { discard: true }))
          const last = new Map(datasets.map((ds) => [JSON.stringify([ds.identityPoolId, ds.identityId, ds.name]), ds]))
          yield* withStore(dir, (store) =>
            Effect.forEach(last.values(), (ds) =>
              Effect.map(
                store.load(ds),
                (loaded) => expect(canon(Option.getOrUndefined(loaded))).toStrictEqual(canon(ds))
              )))
        })
      ),
    { fastCheck: { numRuns: 15 } }
  )

  it.effect("files are named from the keys, long ids included; remove deletes them; identity facts persist", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const long = {
          identityPoolId: "us-east-1:" + "p".repeat(45),
          identityId: "us-east-1:" + "i".repeat(45),
          name: "n".repeat(128)
        }
        yield* withStore(dir, (store) =>
          Effect.all([
            store.save({ ...simple("x", { a: "1" }), ...long }),
            store.saveIdentity(long.identityPoolId, long.identityId, { authenticated: true, deviceId: "dev" })
          ]))
        const files = yield* fs.readDirectory(dir)
        expect(files.length).toBe(6)
        for (const file of files) expect(decodeURIComponent(file)).toMatch(/^ecs\/v1\/(dataset|index|identity)\//)
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            expect(Option.getOrThrow(yield* store.load(long)).records.a?.value).toBe("1")
            expect(yield* store.list(long.identityPoolId, long.identityId)).toStrictEqual([long.name])
            expect(Option.getOrThrow(yield* store.loadIdentity(long.identityPoolId, long.identityId)).deviceId).toBe(
              "dev"
            )
            yield* store.remove(long)
            expect(yield* store.list(long.identityPoolId, long.identityId)).toStrictEqual([])
          }))
        expect((yield* fs.readDirectory(dir)).length).toBe(4) // the index and the identity remain
      })
    ))

  it.effect("a torn file at every write position of a save: the next process loads the previous or the new save", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const versions = [simple("a", { k: "one" }), simple("a", { k: "two" }), simple("a", { k: "three" })]
        let previous: LocalStore.LocalDataset | undefined = undefined
        for (const next of versions) {
          for (let at = 0; at < 4; at++) {
            const loadedAfter = yield* Effect.gen(function*() {
              const kv = yield* KeyValueStore.KeyValueStore
              const crashing = crashingKeyValueStore(kv, { at, mode: "truncate", cut: 0.5 })
              yield* Effect.exit(
                Effect.flatMap(kvStore.makeWith(crashing.store, makeError), (store) => store.save(next))
              )
              return yield* Effect.flatMap(kvStore.makeWith(kv, makeError), (store) => store.load(key("a")))
            }).pipe(Effect.provide(KeyValueStore.layerFileSystem(dir)), Effect.provide(NodeContext.layer))
            expect([previous, next]).toContainEqual(Option.getOrUndefined(loadedAfter))
          }
          yield* withStore(dir, (store) => store.save(next))
          previous = next
        }
      })
    ))
})
