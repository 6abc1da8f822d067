/**
 * The emulator's engine, part 4: the operations besides ListRecords and UpdateRecords (delete, describe, list,
 * usage counters, pool configuration, events, bulk publish, devices and subscriptions), through the layer.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import {
  ALICE,
  BOB,
  dataset,
  failsWith,
  OTHER_POOL,
  POOL,
  put,
  remove,
  service,
  statusOf,
  token,
  withEngine,
  write
} from "./engineSupport.js"

const settings = dataset("settings")
const alice = { IdentityPoolId: POOL, IdentityId: ALICE }
const ROLE = "arn:aws:iam::123456789012:role/CognitoSyncRole"
const GCM_APP = "arn:aws:sns:us-east-1:123456789012:app/GCM/my-app"
const APNS_APP = "arn:aws:sns:us-east-1:123456789012:app/APNS/my-app"
const STREAMS = { StreamName: "sync-stream", RoleArn: ROLE, StreamingStatus: "ENABLED" } as const
const HOUR = 60 * 60 * 1000

describe("DeleteDataset and DescribeDataset", () => {
  it.effect("DeleteDataset returns the metadata; afterwards Describe and Delete are ResourceNotFound, ListRecords works", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const missing = yield* failsWith(sync.deleteDataset(settings), "ResourceNotFoundException")
      expect(statusOf(missing)).toBe(404)

      yield* TestClock.setTime(5_000)
      yield* write(settings, [put("a", "12", 0), put("b", "3", 0)], { DeviceId: "phone" })
      yield* TestClock.setTime(9_000)
      yield* write(dataset("other"), [put("x", "y", 0)])
      const deleted = yield* sync.deleteDataset(settings)
      expect(deleted.Dataset).toEqual({
        IdentityId: ALICE,
        DatasetName: "settings",
        CreationDate: new Date(5_000),
        LastModifiedDate: new Date(5_000),
        LastModifiedBy: "phone",
        DataStorage: 5,
        NumRecords: 2
      })
      yield* failsWith(sync.describeDataset(settings), "ResourceNotFoundException")
      yield* failsWith(sync.deleteDataset(settings), "ResourceNotFoundException")
      const listed = yield* sync.listRecords(settings)
      expect(listed).toMatchObject({ DatasetExists: false, Count: 0, DatasetSyncCount: 0 })
      expect((yield* sync.listDatasets(alice)).Datasets!.map((d) => d.DatasetName)).toEqual(["other"])
      expect((yield* sync.describeIdentityUsage(alice)).IdentityUsage).toMatchObject({
        DatasetCount: 1,
        DataStorage: 2
      })
      // The other dataset is untouched.
      expect((yield* sync.describeDataset(dataset("other"))).Dataset?.NumRecords).toBe(1)
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("DescribeDataset: NumRecords and DataStorage leave tombstones out; dates and writer follow the writes", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* TestClock.setTime(1_000)
      yield* write(settings, [put("a", "1", 0), put("bb", "22", 0), put("ccc", "333", 0)], { DeviceId: "phone" })
      expect((yield* sync.describeDataset(settings)).Dataset).toMatchObject({ NumRecords: 3, DataStorage: 12 })
      yield* TestClock.setTime(2_000)
      yield* write(settings, [remove("bb", 1)], { DeviceId: "tablet" })
      expect((yield* sync.describeDataset(settings)).Dataset).toEqual({
        IdentityId: ALICE,
        DatasetName: "settings",
        CreationDate: new Date(1_000),
        LastModifiedDate: new Date(2_000),
        LastModifiedBy: "tablet",
        DataStorage: 8,
        NumRecords: 2
      })
      yield* write(settings, [put("a", "1111", 1)])
      expect((yield* sync.describeDataset(settings)).Dataset).toMatchObject({ NumRecords: 2, DataStorage: 11 })
      // Another identity's dataset of the same name is another dataset.
      yield* failsWith(sync.describeDataset(dataset("settings", BOB)), "ResourceNotFoundException")
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))
})

describe("ListDatasets", () => {
  it.effect("lists an identity's datasets by name, a page at a time", () =>
    Effect.gen(function*() {
      const sync = yield* service
      expect(yield* sync.listDatasets(alice)).toMatchObject({ Datasets: [], Count: 0 })
      for (const name of ["e", "c", "a", "d", "b"]) yield* write(dataset(name), [put("k", name, 0)])
      yield* write(dataset("zz", BOB), [put("k", "v", 0)])

      const all = yield* sync.listDatasets(alice)
      expect(all.Datasets!.map((d) => d.DatasetName)).toEqual(["a", "b", "c", "d", "e"])
      expect(all.Count).toBe(5)
      expect(all.NextToken).toBeUndefined()
      expect(all.Datasets![0]).toMatchObject({ IdentityId: ALICE, NumRecords: 1, DataStorage: 2 })

      const pages: Array<ReadonlyArray<string>> = []
      let NextToken: string | undefined
      do {
        const page = yield* sync.listDatasets({
          ...alice,
          MaxResults: 2,
          ...(NextToken === undefined ? {} : { NextToken })
        })
        expect(page.Count).toBe(page.Datasets!.length)
        pages.push(page.Datasets!.map((d) => d.DatasetName!))
        NextToken = page.NextToken
      } while (NextToken !== undefined)
      expect(pages).toEqual([["a", "b"], ["c", "d"], ["e"]])

      const streamed = yield* Stream.runCollect(sync.listDatasetsPages({ ...alice, MaxResults: 1 }))
      expect(Chunk.toReadonlyArray(streamed).flatMap((page) => page.Datasets!.map((d) => d.DatasetName))).toEqual([
        "a",
        "b",
        "c",
        "d",
        "e"
      ])
      yield* failsWith(sync.listDatasets({ ...alice, MaxResults: 0 }), "InvalidParameterException")
      yield* failsWith(sync.listDatasets({ ...alice, NextToken: "nonsense" }), "InvalidParameterException")
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))
})

describe("usage counters", () => {
  it.effect("DescribeIdentityUsage: DatasetCount, DataStorage (live records) and LastModifiedDate", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const fresh = yield* sync.describeIdentityUsage(alice)
      expect(fresh.IdentityUsage).toMatchObject({
        IdentityId: ALICE,
        IdentityPoolId: POOL,
        DatasetCount: 0,
        DataStorage: 0
      })
      expect(fresh.IdentityUsage?.LastModifiedDate).toBeUndefined()

      yield* TestClock.setTime(3_000)
      yield* write(dataset("one"), [put("ab", "cd", 0)]) // 4 bytes
      yield* write(dataset("two"), [put("é", "😀", 0), put("x", "y", 0)]) // 6 + 2 bytes
      yield* write(dataset("one", BOB), [put("bob", "data", 0)])
      expect((yield* sync.describeIdentityUsage(alice)).IdentityUsage).toEqual({
        IdentityId: ALICE,
        IdentityPoolId: POOL,
        LastModifiedDate: new Date(3_000),
        DatasetCount: 2,
        DataStorage: 12
      })
      yield* TestClock.setTime(4_000)
      yield* write(dataset("two"), [remove("é", 1)])
      expect((yield* sync.describeIdentityUsage(alice)).IdentityUsage).toMatchObject({
        LastModifiedDate: new Date(4_000),
        DatasetCount: 2,
        DataStorage: 6
      })
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("DescribeIdentityPoolUsage and ListIdentityPoolUsage: sessions issued and bytes stored, kept up to date", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const usage = (IdentityPoolId: string) =>
        Effect.map(sync.describeIdentityPoolUsage({ IdentityPoolId }), (result) => result.IdentityPoolUsage)
      expect(yield* usage(POOL)).toMatchObject({ IdentityPoolId: POOL, SyncSessionsCount: 0, DataStorage: 0 })

      yield* TestClock.setTime(7_000)
      yield* write(settings, [put("a", "1", 0)]) // 1 session, 2 bytes
      yield* write(dataset("settings", BOB), [put("bb", "22", 0)]) // 1 session, 4 bytes
      const SyncSessionToken = yield* token(settings) // 1 session
      yield* sync.listRecords({ ...settings, SyncSessionToken }) // presents a token: no new session
      yield* failsWith(sync.listRecords({ ...settings, LastSyncCount: 9 }), "InvalidParameterException") // none
      expect(yield* usage(POOL)).toEqual({
        IdentityPoolId: POOL,
        SyncSessionsCount: 3,
        DataStorage: 6,
        LastModifiedDate: new Date(7_000)
      })
      yield* sync.updateRecords({ ...settings, SyncSessionToken, RecordPatches: [remove("a", 1)] })
      expect(yield* usage(POOL)).toMatchObject({ SyncSessionsCount: 3, DataStorage: 4 })
      yield* sync.deleteDataset(dataset("settings", BOB))
      expect(yield* usage(POOL)).toMatchObject({ SyncSessionsCount: 3, DataStorage: 0 })

      yield* write(dataset("settings", ALICE, OTHER_POOL), [put("other", "pool", 0)])
      expect(yield* usage(OTHER_POOL)).toMatchObject({ SyncSessionsCount: 1, DataStorage: 9 })

      const listed = yield* sync.listIdentityPoolUsage({})
      expect(listed.Count).toBe(2)
      expect(listed.IdentityPoolUsages).toEqual([yield* usage(POOL), yield* usage(OTHER_POOL)])
      const pages = yield* Stream.runCollect(sync.listIdentityPoolUsagePages({ MaxResults: 1 }))
      expect(Chunk.toReadonlyArray(pages).map((page) => page.IdentityPoolUsages!.map((u) => u.IdentityPoolId))).toEqual(
        [[POOL], [OTHER_POOL]]
      )
      expect(Chunk.toReadonlyArray(pages)[0]!.MaxResults).toBe(1)
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))
})

describe("pool configuration and events", () => {
  it.effect("SetIdentityPoolConfiguration with one member keeps the other", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const pool = { IdentityPoolId: POOL }
      const fresh = yield* sync.getIdentityPoolConfiguration(pool)
      expect(fresh).toEqual({ IdentityPoolId: POOL })

      const push = { ApplicationArns: [GCM_APP], RoleArn: ROLE }
      expect(yield* sync.setIdentityPoolConfiguration({ ...pool, PushSync: push })).toEqual({
        IdentityPoolId: POOL,
        PushSync: push
      })
      expect(yield* sync.setIdentityPoolConfiguration({ ...pool, CognitoStreams: STREAMS })).toEqual({
        IdentityPoolId: POOL,
        PushSync: push,
        CognitoStreams: STREAMS
      })
      const newPush = { ApplicationArns: [APNS_APP], RoleArn: ROLE }
      yield* sync.setIdentityPoolConfiguration({ ...pool, PushSync: newPush })
      expect(yield* sync.getIdentityPoolConfiguration(pool)).toEqual({
        IdentityPoolId: POOL,
        PushSync: newPush,
        CognitoStreams: STREAMS
      })
      // Neither member: nothing changes.
      yield* sync.setIdentityPoolConfiguration(pool)
      expect((yield* sync.getIdentityPoolConfiguration(pool)).CognitoStreams).toEqual(STREAMS)
      // Enabling streams without a stream name is refused, and changes nothing.
      yield* failsWith(
        sync.setIdentityPoolConfiguration({ ...pool, PushSync: push, CognitoStreams: { StreamingStatus: "ENABLED" } }),
        "InvalidParameterException"
      )
      expect(yield* sync.getIdentityPoolConfiguration(pool)).toEqual({
        IdentityPoolId: POOL,
        PushSync: newPush,
        CognitoStreams: STREAMS
      })
      // Another pool has its own.
      expect(yield* sync.getIdentityPoolConfiguration({ IdentityPoolId: OTHER_POOL })).toEqual({
        IdentityPoolId: OTHER_POOL
      })
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))

  it.effect("SetCognitoEvents changes only the pairs given; an empty value removes one", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const pool = { IdentityPoolId: POOL }
      const trigger = "arn:aws:lambda:us-east-1:123456789012:function:sync-trigger"
      const other = "arn:aws:lambda:us-east-1:123456789012:function:other"
      expect(yield* sync.getCognitoEvents(pool)).toEqual({ Events: {} })
      expect(yield* sync.setCognitoEvents({ ...pool, Events: { SyncTrigger: trigger } })).toEqual({})
      expect(yield* sync.getCognitoEvents(pool)).toEqual({ Events: { SyncTrigger: trigger } })
      yield* sync.setCognitoEvents({ ...pool, Events: { Other: other } })
      expect(yield* sync.getCognitoEvents(pool)).toEqual({ Events: { SyncTrigger: trigger, Other: other } })
      yield* sync.setCognitoEvents({ ...pool, Events: { SyncTrigger: other } })
      expect(yield* sync.getCognitoEvents(pool)).toEqual({ Events: { SyncTrigger: other, Other: other } })
      yield* sync.setCognitoEvents({ ...pool, Events: { SyncTrigger: "" } })
      expect(yield* sync.getCognitoEvents(pool)).toEqual({ Events: { Other: other } })
      yield* sync.setCognitoEvents({ ...pool, Events: {} })
      expect(yield* sync.getCognitoEvents(pool)).toEqual({ Events: { Other: other } })
      expect(yield* sync.getCognitoEvents({ IdentityPoolId: OTHER_POOL })).toEqual({ Events: {} })
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))
})

describe("bulk publish", () => {
  it.effect("NOT_STARTED → IN_PROGRESS (DuplicateRequest) → SUCCEEDED → AlreadyStreamed for 24 h → allowed again", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const pool = { IdentityPoolId: POOL }
      expect(yield* sync.getBulkPublishDetails(pool)).toEqual({
        IdentityPoolId: POOL,
        BulkPublishStatus: "NOT_STARTED"
      })
      // Cognito Streams must be configured first.
      yield* failsWith(sync.bulkPublish(pool), "InvalidParameterException")
      yield* sync.setIdentityPoolConfiguration({ ...pool, PushSync: { ApplicationArns: [GCM_APP] } })
      yield* failsWith(sync.bulkPublish(pool), "InvalidParameterException")
      expect((yield* sync.getBulkPublishDetails(pool)).BulkPublishStatus).toBe("NOT_STARTED")

      yield* sync.setIdentityPoolConfiguration({ ...pool, CognitoStreams: STREAMS })
      yield* TestClock.setTime(1_000_000)
      expect(yield* sync.bulkPublish(pool)).toEqual({ IdentityPoolId: POOL })
      expect(yield* sync.getBulkPublishDetails(pool)).toEqual({
        IdentityPoolId: POOL,
        BulkPublishStartTime: new Date(1_000_000),
        BulkPublishStatus: "IN_PROGRESS"
      })
      yield* failsWith(sync.bulkPublish(pool), "DuplicateRequestException")
      yield* TestClock.adjust(9_999)
      expect((yield* sync.getBulkPublishDetails(pool)).BulkPublishStatus).toBe("IN_PROGRESS")
      yield* failsWith(sync.bulkPublish(pool), "DuplicateRequestException")
      yield* TestClock.adjust(1)
      expect(yield* sync.getBulkPublishDetails(pool)).toEqual({
        IdentityPoolId: POOL,
        BulkPublishStartTime: new Date(1_000_000),
        BulkPublishCompleteTime: new Date(1_010_000),
        BulkPublishStatus: "SUCCEEDED"
      })

      // One successful run per 24 hours, counted from its completion.
      yield* failsWith(sync.bulkPublish(pool), "AlreadyStreamedException")
      yield* TestClock.adjust(24 * HOUR - 1)
      yield* failsWith(sync.bulkPublish(pool), "AlreadyStreamedException")
      expect((yield* sync.getBulkPublishDetails(pool)).BulkPublishStatus).toBe("SUCCEEDED")
      yield* TestClock.adjust(1)
      yield* sync.bulkPublish(pool)
      expect(yield* sync.getBulkPublishDetails(pool)).toEqual({
        IdentityPoolId: POOL,
        BulkPublishStartTime: new Date(1_010_000 + 24 * HOUR),
        BulkPublishStatus: "IN_PROGRESS"
      })
      // Another pool is independent.
      expect((yield* sync.getBulkPublishDetails({ IdentityPoolId: OTHER_POOL })).BulkPublishStatus).toBe("NOT_STARTED")
    }).pipe(Effect.provide(CognitoSyncLocal.layerWith({ bulkPublishDuration: "10 seconds" }))))

  it.effect("with streaming DISABLED the run ends FAILED with a FailureMessage, and may be retried at once", () =>
    Effect.gen(function*() {
      const sync = yield* service
      const pool = { IdentityPoolId: POOL }
      yield* sync.setIdentityPoolConfiguration({ ...pool, CognitoStreams: { ...STREAMS, StreamingStatus: "DISABLED" } })
      yield* sync.bulkPublish(pool)
      expect((yield* sync.getBulkPublishDetails(pool)).BulkPublishStatus).toBe("IN_PROGRESS")
      // The default duration is one second.
      yield* TestClock.adjust(999)
      expect((yield* sync.getBulkPublishDetails(pool)).BulkPublishStatus).toBe("IN_PROGRESS")
      yield* TestClock.adjust(1)
      const failed = yield* sync.getBulkPublishDetails(pool)
      expect(failed).toMatchObject({ BulkPublishStatus: "FAILED", BulkPublishStartTime: new Date(0) })
      expect(failed.FailureMessage).toEqual(expect.stringMatching(/disabled/i))
      expect(failed.BulkPublishCompleteTime).toBeUndefined()

      // A failure does not start the 24 hours: enable streaming and run again.
      yield* sync.setIdentityPoolConfiguration({ ...pool, CognitoStreams: STREAMS })
      yield* sync.bulkPublish(pool)
      yield* TestClock.adjust("1 second")
      const succeeded = yield* sync.getBulkPublishDetails(pool)
      expect(succeeded).toMatchObject({ BulkPublishStatus: "SUCCEEDED", BulkPublishCompleteTime: new Date(2_000) })
      expect(succeeded.FailureMessage).toBeUndefined()
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))
})

describe("devices and subscriptions", () => {
  it.effect("RegisterDevice needs push sync with an application for the platform; ids are stable per token", () =>
    withEngine({}, (engine) =>
      Effect.gen(function*() {
        const sync = yield* service
        const register = (Platform: "GCM" | "APNS" | "APNS_SANDBOX" | "ADM", Token: string, IdentityId = ALICE) =>
          sync.registerDevice({ IdentityPoolId: POOL, IdentityId, Platform, Token })
        const unconfigured = yield* failsWith(register("GCM", "t1"), "InvalidConfigurationException")
        expect(statusOf(unconfigured)).toBe(400)
        yield* sync.setIdentityPoolConfiguration({ IdentityPoolId: POOL, PushSync: { RoleArn: ROLE } })
        yield* failsWith(register("GCM", "t1"), "InvalidConfigurationException")
        yield* sync.setIdentityPoolConfiguration({
          IdentityPoolId: POOL,
          PushSync: { ApplicationArns: [GCM_APP], RoleArn: ROLE }
        })
        yield* failsWith(register("APNS", "t1"), "InvalidConfigurationException")
        yield* failsWith(register("APNS_SANDBOX", "t1"), "InvalidConfigurationException")

        const first = (yield* register("GCM", "t1")).DeviceId!
        expect(first.length).toBeGreaterThanOrEqual(1)
        expect(first.length).toBeLessThanOrEqual(256)
        expect((yield* register("GCM", "t1")).DeviceId).toBe(first)
        const second = (yield* register("GCM", "t2")).DeviceId!
        expect(second).not.toBe(first)
        expect((yield* register("GCM", "t2")).DeviceId).toBe(second)
        const bobs = (yield* register("GCM", "t1", BOB)).DeviceId!
        expect(bobs).not.toBe(first)
        expect(bobs).not.toBe(second)

        yield* sync.setIdentityPoolConfiguration({
          IdentityPoolId: POOL,
          PushSync: { ApplicationArns: [GCM_APP, APNS_APP], RoleArn: ROLE }
        })
        const apns = (yield* register("APNS", "t1")).DeviceId!
        expect(new Set([first, second, bobs, apns]).size).toBe(4)
        // Registering stores no data.
        expect(yield* engine.snapshot).toEqual({ [POOL]: { [ALICE]: {}, [BOB]: {} } })
      })))

  it.effect("Subscribe/UnsubscribeFromDataset: ResourceNotFoundException for a device the identity has not registered", () =>
    Effect.gen(function*() {
      const sync = yield* service
      yield* sync.setIdentityPoolConfiguration({
        IdentityPoolId: POOL,
        PushSync: { ApplicationArns: [GCM_APP], RoleArn: ROLE }
      })
      const DeviceId = (yield* sync.registerDevice({ ...alice, Platform: "GCM", Token: "t" })).DeviceId!
      const bobsDevice =
        (yield* sync.registerDevice({ IdentityPoolId: POOL, IdentityId: BOB, Platform: "GCM", Token: "t" }))
          .DeviceId!
      yield* write(settings, [put("a", "1", 0)])

      expect(yield* sync.subscribeToDataset({ ...settings, DeviceId })).toEqual({})
      expect(yield* sync.subscribeToDataset({ ...settings, DeviceId })).toEqual({})
      expect(yield* sync.unsubscribeFromDataset({ ...settings, DeviceId })).toEqual({})
      expect(yield* sync.unsubscribeFromDataset({ ...settings, DeviceId })).toEqual({})

      const unknown = yield* failsWith(
        sync.subscribeToDataset({ ...settings, DeviceId: "no-such-device" }),
        "ResourceNotFoundException"
      )
      expect(statusOf(unknown)).toBe(404)
      yield* failsWith(
        sync.unsubscribeFromDataset({ ...settings, DeviceId: "no-such-device" }),
        "ResourceNotFoundException"
      )
      // Bob's device is not Alice's.
      yield* failsWith(sync.subscribeToDataset({ ...settings, DeviceId: bobsDevice }), "ResourceNotFoundException")
      yield* sync.subscribeToDataset({ ...dataset("settings", BOB), DeviceId: bobsDevice })
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))
})
