/**
 * The emulator's engine, part 5: who may call what (developer and Cognito Identity credentials), identity merges,
 * seed data, and several layers over one engine.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import * as Engine from "../../src/local/Engine.js"
import {
  ALICE,
  asClient,
  BOB,
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

const ROLE = "arn:aws:iam::123456789012:role/CognitoSyncRole"
const GCM_APP = "arn:aws:sns:us-east-1:123456789012:app/GCM/my-app"
const STREAMS = { StreamName: "sync-stream", RoleArn: ROLE, StreamingStatus: "ENABLED" } as const
const pool = { IdentityPoolId: POOL }

/** Every operation once, against `identityId` (developer-only ones against the pool). */
const everyCall = (identityId: string, deviceId: string, SyncSessionToken: string) =>
  Effect.map(service, (sync) => {
    const ids = { IdentityPoolId: POOL, IdentityId: identityId }
    const ds = { ...ids, DatasetName: "settings" }
    return {
      identity: {
        ListRecords: sync.listRecords(ds),
        UpdateRecords: sync.updateRecords({ ...ds, SyncSessionToken, RecordPatches: [put("x", "y", 0)] }),
        DescribeDataset: sync.describeDataset(ds),
        DeleteDataset: sync.deleteDataset(ds),
        ListDatasets: sync.listDatasets(ids),
        DescribeIdentityUsage: sync.describeIdentityUsage(ids),
        RegisterDevice: sync.registerDevice({ ...ids, Platform: "GCM", Token: "another-token" }),
        SubscribeToDataset: sync.subscribeToDataset({ ...ds, DeviceId: deviceId }),
        UnsubscribeFromDataset: sync.unsubscribeFromDataset({ ...ds, DeviceId: deviceId })
      },
      developer: {
        BulkPublish: sync.bulkPublish(pool),
        GetBulkPublishDetails: sync.getBulkPublishDetails(pool),
        GetCognitoEvents: sync.getCognitoEvents(pool),
        SetCognitoEvents: sync.setCognitoEvents({ ...pool, Events: { SyncTrigger: "" } }),
        GetIdentityPoolConfiguration: sync.getIdentityPoolConfiguration(pool),
        SetIdentityPoolConfiguration: sync.setIdentityPoolConfiguration({ ...pool, CognitoStreams: STREAMS }),
        DescribeIdentityPoolUsage: sync.describeIdentityPoolUsage(pool),
        ListIdentityPoolUsage: sync.listIdentityPoolUsage({})
      }
    }
  })

/** Push sync, streams and an event configured; Bob with a dataset, a registered device and a session token. */
const setUp = Effect.gen(function*() {
  const sync = yield* service
  yield* sync.setIdentityPoolConfiguration({
    ...pool,
    PushSync: { ApplicationArns: [GCM_APP], RoleArn: ROLE },
    CognitoStreams: STREAMS
  })
  yield* sync.setCognitoEvents({ ...pool, Events: { SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:f" } })
  const bobs = dataset("settings", BOB)
  yield* write(bobs, [put("secret", "bob's", 0)])
  const device = (yield* sync.registerDevice({ ...pool, IdentityId: BOB, Platform: "GCM", Token: "t" })).DeviceId!
  return { device, token: yield* token(bobs) }
})

/** What the developer sees of the pool. */
const poolView = Effect.gen(function*() {
  const sync = yield* service
  return {
    configuration: yield* sync.getIdentityPoolConfiguration(pool),
    events: yield* sync.getCognitoEvents(pool),
    bulkPublish: yield* sync.getBulkPublishDetails(pool),
    usage: yield* sync.describeIdentityPoolUsage(pool)
  }
})

describe("credentials", () => {
  it.effect("an identity works on its own data through every operation open to it", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        yield* setUp
        yield* asClient(
          engine,
          Effect.gen(function*() {
            const sync = yield* service
            const mine = dataset("settings", ALICE)
            expect((yield* write(mine, [put("a", "1", 0)])).Records![0]!.SyncCount).toBe(1)
            expect(valuesOf(yield* listAll(mine))).toEqual({ a: "1" })
            expect((yield* sync.describeDataset(mine)).Dataset?.NumRecords).toBe(1)
            expect((yield* sync.listDatasets({ ...pool, IdentityId: ALICE })).Count).toBe(1)
            const usage = yield* sync.describeIdentityUsage({ ...pool, IdentityId: ALICE })
            expect(usage.IdentityUsage?.DatasetCount).toBe(1)
            const registered = yield* sync.registerDevice({
              ...pool,
              IdentityId: ALICE,
              Platform: "GCM",
              Token: "mine"
            })
            yield* sync.subscribeToDataset({ ...mine, DeviceId: registered.DeviceId! })
            yield* sync.unsubscribeFromDataset({ ...mine, DeviceId: registered.DeviceId! })
            yield* sync.deleteDataset(mine)
          }),
          { identityId: ALICE }
        )
      })))

  it.effect("an identity touching another identity, or calling a developer operation, gets NotAuthorizedException", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const bobs = yield* setUp
        const data = yield* engine.snapshot
        const view = yield* poolView
        yield* asClient(
          engine,
          Effect.gen(function*() {
            const others = yield* everyCall(BOB, bobs.device, bobs.token)
            const own = yield* everyCall(ALICE, bobs.device, bobs.token)
            const calls: ReadonlyArray<readonly [string, Effect.Effect<unknown, { readonly _tag: string }>]> = [
              ...Object.entries(others.identity),
              ...Object.entries(own.developer)
            ]
            expect(calls).toHaveLength(17)
            for (const [name, call] of calls) {
              const error = yield* Effect.flip(call)
              expect({ name, tag: error._tag }).toEqual({ name, tag: "NotAuthorizedException" })
              expect(statusOf(error)).toBe(403)
            }
          }),
          { identityId: ALICE }
        )
        // Nothing changed: Bob's data and the pool's settings are as they were, and Bob's token still works.
        expect(yield* engine.snapshot).toEqual(data)
        expect(yield* poolView).toEqual(view)
        const sync = yield* service
        yield* sync.updateRecords({ ...dataset("settings", BOB), SyncSessionToken: bobs.token })
      })))

  it.effect("developer credentials may call anything, for any identity", () =>
    withEngine({}, () =>
      Effect.gen(function*() {
        const bobs = yield* setUp
        const calls = yield* everyCall(BOB, bobs.device, bobs.token)
        const all: ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown>]> = [
          ...Object.entries(calls.identity),
          ...Object.entries(calls.developer)
        ]
        expect(all).toHaveLength(17)
        for (const [name, call] of all) {
          const result = yield* Effect.either(call)
          expect({ name, ok: Either.isRight(result) }).toEqual({ name, ok: true })
        }
      })))
})

describe("identity merge", () => {
  it.effect("the old identity's datasets appear as <name>.<old> with their live records, reported until deleted", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        const aliceSettings = dataset("settings", ALICE)
        yield* write(aliceSettings, [put("a", "1", 0), put("b", "2", 0)], { DeviceId: "phone" })
        yield* write(aliceSettings, [remove("b", 1)])
        yield* write(dataset("game", ALICE), [put("level", "3", 0)])
        yield* write(dataset("settings", BOB), [put("mine", "x", 0)])

        const merged = yield* engine.mergeIdentities(POOL, ALICE, BOB)
        const settingsCopy = `settings.${ALICE}`
        const gameCopy = `game.${ALICE}`
        expect([...merged].sort()).toEqual([gameCopy, settingsCopy])

        const bobsNames = (yield* sync.listDatasets({ ...pool, IdentityId: BOB })).Datasets!.map((d) => d.DatasetName)
        expect(bobsNames).toEqual([gameCopy, "settings", settingsCopy])
        // The copy holds the live records only, written once.
        const copy = yield* sync.listRecords(dataset(settingsCopy, BOB))
        expect(valuesOf(copy.Records!)).toEqual({ a: "1" })
        expect(copy.DatasetSyncCount).toBe(1)
        expect(copy.Records![0]!.SyncCount).toBe(1)
        expect((yield* sync.describeDataset(dataset(settingsCopy, BOB))).Dataset?.NumRecords).toBe(1)

        // The surviving dataset reports the merge, and keeps its own data.
        const bobSettings = yield* sync.listRecords(dataset("settings", BOB))
        expect(bobSettings.MergedDatasetNames).toEqual([settingsCopy])
        expect(valuesOf(bobSettings.Records!)).toEqual({ mine: "x" })
        // Even where the survivor has no such dataset yet.
        const bobGame = yield* sync.listRecords(dataset("game", BOB))
        expect(bobGame).toMatchObject({ DatasetExists: false, MergedDatasetNames: [gameCopy] })
        // The copies themselves report nothing.
        expect(copy.MergedDatasetNames).toBeUndefined()

        // The old identity has nothing left; its clients learn that their datasets were deleted.
        expect((yield* sync.listDatasets({ ...pool, IdentityId: ALICE })).Datasets).toEqual([])
        yield* failsWith(sync.describeDataset(aliceSettings), "ResourceNotFoundException")
        expect(yield* sync.listRecords({ ...aliceSettings, LastSyncCount: 2 })).toMatchObject({
          DatasetExists: false,
          DatasetDeletedAfterRequestedSyncCount: true
        })
        expect((yield* sync.describeIdentityUsage({ ...pool, IdentityId: ALICE })).IdentityUsage?.DatasetCount).toBe(0)

        // Reconciling: the app writes to the copy (still reported), then deletes it (no longer reported).
        yield* write(dataset(settingsCopy, BOB), [put("a", "reconciled", 1)])
        expect((yield* sync.listRecords(dataset("settings", BOB))).MergedDatasetNames).toEqual([settingsCopy])
        yield* sync.deleteDataset(dataset(settingsCopy, BOB))
        expect((yield* sync.listRecords(dataset("settings", BOB))).MergedDatasetNames).toBeUndefined()
        expect((yield* sync.listRecords(dataset("game", BOB))).MergedDatasetNames).toEqual([gameCopy])
      })))

  it.effect("merged names are cut to 128 characters and keep the old identity id", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        const long = "n".repeat(128)
        yield* write(dataset(long, ALICE), [put("k", "v", 0)])
        const [name] = yield* engine.mergeIdentities(POOL, ALICE, BOB)
        expect(name).toBe(`${"n".repeat(127 - ALICE.length)}.${ALICE}`)
        expect(name!.length).toBe(128)
        expect(Engine.mergedDatasetName("short", ALICE)).toBe(`short.${ALICE}`)
        expect((yield* sync.listRecords(dataset(long, BOB))).MergedDatasetNames).toEqual([name])
        // The name is a valid dataset name: the app can read and delete it.
        expect(valuesOf(yield* listAll(dataset(name!, BOB)))).toEqual({ k: "v" })
        yield* sync.deleteDataset(dataset(name!, BOB))
      })))

  it.effect("merging an identity into itself changes nothing", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        yield* write(dataset("settings", ALICE), [put("k", "v", 0)])
        const before = yield* engine.snapshot
        expect(yield* engine.mergeIdentities(POOL, ALICE, ALICE)).toEqual([])
        expect(yield* engine.snapshot).toEqual(before)
      })))

  it.effect("a second merge of the same identity adds to the copy as a new write (nothing lost, counts go on)", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        const copy = dataset(`settings.${ALICE}`, BOB)
        yield* write(dataset("settings", ALICE), [put("a", "1", 0)])
        yield* engine.mergeIdentities(POOL, ALICE, BOB)
        const seen = (yield* sync.listRecords(copy)).DatasetSyncCount!
        expect(seen).toBe(1)
        // The old identity writes again (a re-created dataset) and is merged again.
        yield* write(dataset("settings", ALICE), [put("b", "2", 0)])
        yield* engine.mergeIdentities(POOL, ALICE, BOB)
        const delta = yield* sync.listRecords({ ...copy, LastSyncCount: seen })
        expect(valuesOf(delta.Records!)).toEqual({ b: "2" })
        expect(delta.DatasetSyncCount).toBe(2)
        expect(valuesOf(yield* listAll(copy))).toEqual({ a: "1", b: "2" })
        expect((yield* sync.listRecords(dataset("settings", BOB))).MergedDatasetNames).toEqual([copy.DatasetName])
      })))
})

describe("seed data and shared engines", () => {
  const seed = { [POOL]: { [ALICE]: { settings: { theme: "dark", lang: "fr" } }, [BOB]: { game: { level: "9" } } } }

  it.effect("layerWith({ seed }) starts with the data, each dataset at count 1", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const page = yield* sync.listRecords(dataset("settings", ALICE))
      expect(page).toMatchObject({ DatasetExists: true, DatasetSyncCount: 1, Count: 2 })
      expect(valuesOf(page.Records!)).toEqual({ theme: "dark", lang: "fr" })
      expect(page.Records!.every((record) => record.SyncCount === 1)).toBe(true)
      expect((yield* sync.describeDataset(dataset("game", BOB))).Dataset).toMatchObject({
        NumRecords: 1,
        DataStorage: 6
      })
      // Seeded records are ordinary records: a new-key count conflicts, the seeded count writes.
      yield* failsWith(
        write(dataset("settings", ALICE), [put("theme", "light", 0)]),
        "ResourceConflictException",
        "Current SyncCount for: theme is: 1 not: 0"
      )
      expect((yield* write(dataset("settings", ALICE), [put("theme", "light", 1)])).Records![0]!.SyncCount).toBe(2)
    }).pipe(Effect.provide(CognitoSyncLocal.layerWith({ seed }))))

  it.effect("each use of a layer without an engine starts from its own fresh (seeded) state", () =>
    Effect.gen(function*() {
      const layer = CognitoSyncLocal.layerWith({ seed })
      yield* write(dataset("settings", ALICE), [put("theme", "light", 1)]).pipe(Effect.provide(layer))
      const page = yield* Effect.flatMap(service, (sync) => sync.listRecords(dataset("settings", ALICE))).pipe(
        Effect.provide(layer)
      )
      expect(page.DatasetSyncCount).toBe(1)
      expect(valuesOf(page.Records!).theme).toBe("dark")
    }))

  it.effect("two layers over one engine see each other's writes and conflict with each other", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const phone = CognitoSyncLocal.layerWith({ engine })
      const tablet = CognitoSyncLocal.layerWith({ engine, caller: { identityId: ALICE } })
      const settings = dataset("settings", ALICE)

      yield* write(settings, [put("a", "1", 0)]).pipe(Effect.provide(phone))
      const seen = yield* listAll(settings).pipe(Effect.provide(tablet))
      expect(valuesOf(seen)).toEqual({ a: "1" })

      // A token from one client is good for the other: they are clients of one service.
      const SyncSessionToken = yield* token(settings).pipe(Effect.provide(phone))
      const update = Effect.flatMap(
        service,
        (sync) => sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: [put("a", "tablet", 1)] })
      )
      yield* update.pipe(Effect.provide(tablet))
      yield* failsWith(
        write(settings, [put("a", "phone", 1)]).pipe(Effect.provide(phone)),
        "ResourceConflictException",
        "Current SyncCount for: a is: 2 not: 1"
      )
      // Racing across the two layers: one wins.
      const results = yield* Effect.all(
        [phone, tablet].map((layer, i) =>
          Effect.either(write(settings, [put("a", `racer-${i}`, 2)]).pipe(Effect.provide(layer)))
        ),
        { concurrency: "unbounded" }
      )
      expect(results.filter(Either.isRight)).toHaveLength(1)
      expect((yield* engine.snapshot)[POOL]![ALICE]!.settings!.syncCount).toBe(3)
    }))
})
