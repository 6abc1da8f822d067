/**
 * The project's client against the local server over real loopback HTTP: all 17 operations, their success paths
 * and their main error paths, with developer and identity-bound credentials.
 */
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { CognitoSync } from "../../src/index.js"
import * as Server from "../../src/local/Server.js"
import { developer, identityA, identityB, poolId } from "./serverSupport.js"

const idKey = { accessKeyId: "AKIDIDENTITYA", secretAccessKey: "identity-a-secret", identityId: identityA }
const gcmArn = "arn:aws:sns:us-east-1:123456789012:app/GCM/my-app"
const roleArn = "arn:aws:iam::123456789012:role/cognito-push"
const streamsRole = "arn:aws:iam::123456789012:role/cognito-streams"
const triggerArn = "arn:aws:lambda:us-east-1:123456789012:function:sync-trigger"

const ids = { IdentityPoolId: poolId, IdentityId: identityA }

const clientOf = (
  server: Server.RunningServer,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } = developer
) => CognitoSync.make({ region: "us-east-1", endpoint: server.url, credentials, maxAttempts: 1 })

/** The AWS code of a failure: `code` for an unmodeled one, else the tag. */
const codeOf = (error: { readonly _tag: string }): string =>
  "code" in error && typeof error.code === "string" ? error.code : error._tag

describe("local server: our client over loopback HTTP", () => {
  it.live("all 17 operations succeed and agree with each other", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0, bulkPublishDuration: "1 hour" })
      const sync = yield* clientOf(server)

      // GetIdentityPoolConfiguration / SetIdentityPoolConfiguration
      const empty = yield* sync.getIdentityPoolConfiguration({ IdentityPoolId: poolId })
      expect(empty.IdentityPoolId).toBe(poolId)
      expect(empty.PushSync).toBeUndefined()
      const configured = yield* sync.setIdentityPoolConfiguration({
        IdentityPoolId: poolId,
        PushSync: { ApplicationArns: [gcmArn], RoleArn: roleArn },
        CognitoStreams: { StreamName: "sync-stream", RoleArn: streamsRole, StreamingStatus: "ENABLED" }
      })
      expect(configured.PushSync?.ApplicationArns).toEqual([gcmArn])
      expect(configured.CognitoStreams?.StreamName).toBe("sync-stream")
      const configuration = yield* sync.getIdentityPoolConfiguration({ IdentityPoolId: poolId })
      expect(configuration.PushSync).toEqual({ ApplicationArns: [gcmArn], RoleArn: roleArn })
      expect(configuration.CognitoStreams).toEqual({
        StreamName: "sync-stream",
        RoleArn: streamsRole,
        StreamingStatus: "ENABLED"
      })

      // SetCognitoEvents / GetCognitoEvents (an empty ARN removes the event)
      expect(yield* sync.setCognitoEvents({ IdentityPoolId: poolId, Events: { SyncTrigger: triggerArn } }))
        .toEqual({})
      expect((yield* sync.getCognitoEvents({ IdentityPoolId: poolId })).Events).toEqual({ SyncTrigger: triggerArn })
      yield* sync.setCognitoEvents({ IdentityPoolId: poolId, Events: { SyncTrigger: "" } })
      expect((yield* sync.getCognitoEvents({ IdentityPoolId: poolId })).Events ?? {}).toEqual({})

      // ListRecords / UpdateRecords
      const first = yield* sync.listRecords({ ...ids, DatasetName: "settings" })
      expect(first.DatasetExists).toBe(false)
      expect(first.DatasetSyncCount).toBe(0)
      expect(first.Records ?? []).toEqual([])
      expect(first.SyncSessionToken).toBeTypeOf("string")
      const device = new Date(1_700_000_000_000)
      const written = yield* sync.updateRecords({
        ...ids,
        DatasetName: "settings",
        SyncSessionToken: first.SyncSessionToken!,
        RecordPatches: [
          { Op: "replace", Key: "theme", Value: "dark", SyncCount: 0, DeviceLastModifiedDate: device },
          { Op: "replace", Key: "lang", Value: "fr-é", SyncCount: 0 }
        ]
      })
      expect(written.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([
        ["theme", "dark", 1],
        ["lang", "fr-é", 1]
      ])
      expect(written.Records?.[0]?.DeviceLastModifiedDate?.getTime()).toBe(device.getTime())
      expect(written.Records?.[0]?.LastModifiedDate).toBeInstanceOf(Date)
      const all = yield* sync.listRecords({ ...ids, DatasetName: "settings", LastSyncCount: 0 })
      expect(all.DatasetExists).toBe(true)
      expect(all.DatasetSyncCount).toBe(1)
      expect(all.Count).toBe(2)
      expect(all.Records?.map((r) => r.Key).sort()).toEqual(["lang", "theme"])
      const delta = yield* sync.listRecords({ ...ids, DatasetName: "settings", LastSyncCount: 1 })
      expect(delta.Records ?? []).toEqual([])
      // A remove leaves a tombstone that the delta carries.
      const removed = yield* sync.updateRecords({
        ...ids,
        DatasetName: "settings",
        SyncSessionToken: delta.SyncSessionToken!,
        RecordPatches: [{ Op: "remove", Key: "lang", SyncCount: 1 }]
      })
      expect(removed.Records?.[0]?.SyncCount).toBe(2)
      expect(removed.Records?.[0]?.Value).toBeUndefined()
      const tombstones = yield* sync.listRecords({ ...ids, DatasetName: "settings", LastSyncCount: 1 })
      expect(tombstones.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([["lang", undefined, 2]])

      // Paging follows NextToken.
      const pages = yield* Stream.runCollect(
        sync.listRecordsPages({ ...ids, DatasetName: "settings", LastSyncCount: 0, MaxResults: 1 })
      )
      expect(Chunk.size(pages)).toBe(2)
      expect(Chunk.toReadonlyArray(pages).flatMap((page) => page.Records ?? []).map((r) => r.Key)).toEqual([
        "theme",
        "lang"
      ])

      // DescribeDataset / ListDatasets / DescribeIdentityUsage: one live record, "theme" + "dark" = 9 bytes.
      const described = yield* sync.describeDataset({ ...ids, DatasetName: "settings" })
      expect(described.Dataset?.DatasetName).toBe("settings")
      expect(described.Dataset?.NumRecords).toBe(1)
      expect(described.Dataset?.DataStorage).toBe(9)
      expect(described.Dataset?.CreationDate).toBeInstanceOf(Date)
      const datasets = yield* sync.listDatasets({ ...ids })
      expect(datasets.Count).toBe(1)
      expect(datasets.Datasets?.map((d) => d.DatasetName)).toEqual(["settings"])
      const usage = yield* sync.describeIdentityUsage({ ...ids })
      expect(usage.IdentityUsage).toMatchObject({
        IdentityId: identityA,
        IdentityPoolId: poolId,
        DatasetCount: 1,
        DataStorage: 9
      })

      // DescribeIdentityPoolUsage / ListIdentityPoolUsage
      const poolUsage = yield* sync.describeIdentityPoolUsage({ IdentityPoolId: poolId })
      expect(poolUsage.IdentityPoolUsage?.IdentityPoolId).toBe(poolId)
      expect(poolUsage.IdentityPoolUsage?.DataStorage).toBe(9)
      expect(poolUsage.IdentityPoolUsage?.SyncSessionsCount).toBeGreaterThanOrEqual(4)
      const pools = yield* sync.listIdentityPoolUsage({})
      expect(pools.IdentityPoolUsages?.map((p) => p.IdentityPoolId)).toEqual([poolId])
      expect(pools.Count).toBe(1)

      // RegisterDevice / SubscribeToDataset / UnsubscribeFromDataset
      const registered = yield* sync.registerDevice({ ...ids, Platform: "GCM", Token: "push-token-1" })
      expect(registered.DeviceId).toMatch(/^[0-9a-f-]{36}$/)
      const again = yield* sync.registerDevice({ ...ids, Platform: "GCM", Token: "push-token-1" })
      expect(again.DeviceId).toBe(registered.DeviceId)
      expect(yield* sync.subscribeToDataset({ ...ids, DatasetName: "settings", DeviceId: registered.DeviceId! }))
        .toEqual({})
      expect(yield* sync.unsubscribeFromDataset({ ...ids, DatasetName: "settings", DeviceId: registered.DeviceId! }))
        .toEqual({})

      // BulkPublish / GetBulkPublishDetails
      expect((yield* sync.getBulkPublishDetails({ IdentityPoolId: poolId })).BulkPublishStatus).toBe("NOT_STARTED")
      expect(yield* sync.bulkPublish({ IdentityPoolId: poolId })).toEqual({ IdentityPoolId: poolId })
      const details = yield* sync.getBulkPublishDetails({ IdentityPoolId: poolId })
      expect(details.BulkPublishStatus).toBe("IN_PROGRESS")
      expect(details.BulkPublishStartTime).toBeInstanceOf(Date)
      const duplicate = yield* Effect.flip(sync.bulkPublish({ IdentityPoolId: poolId }))
      expect(duplicate._tag).toBe("DuplicateRequestException")

      // DeleteDataset: gone afterwards, and an old sync count reports the deletion.
      const deleted = yield* sync.deleteDataset({ ...ids, DatasetName: "settings" })
      expect(deleted.Dataset?.DatasetName).toBe("settings")
      expect(deleted.Dataset?.NumRecords).toBe(1)
      const gone = yield* Effect.flip(sync.describeDataset({ ...ids, DatasetName: "settings" }))
      expect(gone._tag).toBe("ResourceNotFoundException")
      expect(gone._tag === "ResourceNotFoundException" && gone.status).toBe(404)
      const afterDelete = yield* sync.listRecords({ ...ids, DatasetName: "settings", LastSyncCount: 2 })
      expect(afterDelete.DatasetExists).toBe(false)
      expect(afterDelete.DatasetDeletedAfterRequestedSyncCount).toBe(true)
      const goneAgain = yield* Effect.flip(sync.deleteDataset({ ...ids, DatasetName: "settings" }))
      expect(goneAgain._tag).toBe("ResourceNotFoundException")

      // What the client saw is what the engine holds.
      const snapshot = yield* server.engine.snapshot
      expect(snapshot[poolId]?.[identityA]).toEqual({})
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("sync-count, token and parameter errors", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const sync = yield* clientOf(server)
      const dataset = { ...ids, DatasetName: "errors" }
      const first = yield* sync.listRecords(dataset)
      yield* sync.updateRecords({
        ...dataset,
        SyncSessionToken: first.SyncSessionToken!,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "1", SyncCount: 0 }]
      })

      // The token was consumed by the write.
      const consumed = yield* Effect.flip(sync.updateRecords({
        ...dataset,
        SyncSessionToken: first.SyncSessionToken!,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "2", SyncCount: 1 }]
      }))
      expect(consumed._tag).toBe("InvalidParameterException")
      expect(consumed._tag === "InvalidParameterException" && consumed.status).toBe(400)
      // A token for another dataset is not valid for this one.
      const other = yield* sync.listRecords({ ...ids, DatasetName: "other" })
      const wrongInputs = yield* Effect.flip(sync.updateRecords({
        ...dataset,
        SyncSessionToken: other.SyncSessionToken!,
        RecordPatches: []
      }))
      expect(wrongInputs._tag === "InvalidParameterException" && wrongInputs.message).toBe(
        "SyncSessionToken not valid for these inputs"
      )

      // A stale count is a 409 with the service's exact message, and writes nothing.
      const second = yield* sync.listRecords(dataset)
      const conflict = yield* Effect.flip(sync.updateRecords({
        ...dataset,
        SyncSessionToken: second.SyncSessionToken!,
        RecordPatches: [
          { Op: "replace", Key: "new", Value: "x", SyncCount: 0 },
          { Op: "replace", Key: "k", Value: "2", SyncCount: 0 }
        ]
      }))
      expect(conflict._tag).toBe("ResourceConflictException")
      expect(conflict._tag === "ResourceConflictException" && [conflict.status, conflict.message]).toEqual([
        409,
        "Current SyncCount for: k is: 1 not: 0"
      ])
      expect(conflict._tag === "ResourceConflictException" && conflict.requestId).toMatch(/^[0-9a-f-]{36}$/)
      const state = yield* server.engine.snapshot
      expect(state[poolId]?.[identityA]?.["errors"]).toEqual({
        syncCount: 1,
        records: { k: { value: "1", syncCount: 1 } }
      })

      // A sync count ahead of the server's.
      const ahead = yield* Effect.flip(sync.listRecords({ ...dataset, LastSyncCount: 5 }))
      expect(ahead._tag === "InvalidParameterException" && ahead.message).toBe(
        "No such SyncCount: 5 exists for this Dataset"
      )
      // A bad page token.
      const badToken = yield* Effect.flip(sync.listDatasets({ ...ids, NextToken: "not-a-token" }))
      expect(badToken._tag).toBe("InvalidParameterException")
      // Input that breaks the model is refused before any I/O.
      const invalid = yield* Effect.flip(sync.describeDataset({ ...ids, DatasetName: "bad name!" }))
      expect(invalid._tag).toBe("CognitoSyncValidationError")
      // BulkPublish without Cognito Streams.
      const noStreams = yield* Effect.flip(sync.bulkPublish({ IdentityPoolId: poolId }))
      expect(noStreams._tag).toBe("InvalidParameterException")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("labels at their longest: a 128-character dataset name, a 256-character device id", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const sync = yield* clientOf(server)
      const name = "n".repeat(128)
      const page = yield* sync.listRecords({ ...ids, DatasetName: name })
      yield* sync.updateRecords({
        ...ids,
        DatasetName: name,
        SyncSessionToken: page.SyncSessionToken!,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
      })
      expect((yield* sync.describeDataset({ ...ids, DatasetName: name })).Dataset?.DatasetName).toBe(name)
      yield* sync.setIdentityPoolConfiguration({
        IdentityPoolId: poolId,
        PushSync: { ApplicationArns: [gcmArn], RoleArn: roleArn }
      })
      const unknownDevice = yield* Effect.flip(
        sync.subscribeToDataset({ ...ids, DatasetName: name, DeviceId: "d".repeat(256) })
      )
      expect(unknownDevice._tag).toBe("ResourceNotFoundException")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("limits: datasets per identity, records and bytes per dataset", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({
        port: 0,
        limits: { datasetsPerIdentity: 2, recordsPerDataset: 3, bytesPerDataset: 64 }
      })
      const sync = yield* clientOf(server)
      const write = (name: string, patches: ReadonlyArray<{ readonly Key: string; readonly Value: string }>) =>
        Effect.flatMap(sync.listRecords({ ...ids, DatasetName: name }), (page) =>
          sync.updateRecords({
            ...ids,
            DatasetName: name,
            SyncSessionToken: page.SyncSessionToken!,
            RecordPatches: patches.map((p) => ({ Op: "replace" as const, ...p, SyncCount: 0 }))
          }))
      yield* write("one", [{ Key: "a", Value: "1" }])
      yield* write("two", [{ Key: "a", Value: "1" }])
      const third = yield* Effect.flip(write("three", [{ Key: "a", Value: "1" }]))
      expect(third._tag).toBe("LimitExceededException")
      expect(third._tag === "LimitExceededException" && third.status).toBe(400)
      const records = yield* Effect.flip(write("one", [
        { Key: "b", Value: "1" },
        { Key: "c", Value: "1" },
        { Key: "d", Value: "1" }
      ]))
      expect(records._tag).toBe("LimitExceededException")
      const bytes = yield* Effect.flip(write("two", [{ Key: "big", Value: "x".repeat(100) }]))
      expect(bytes._tag).toBe("LimitExceededException")
      const snapshot = yield* server.engine.snapshot
      expect(Object.keys(snapshot[poolId]?.[identityA] ?? {}).sort()).toEqual(["one", "two"])
      expect(Object.keys(snapshot[poolId]?.[identityA]?.["one"]?.records ?? {})).toEqual(["a"])
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("push sync and bulk publish errors", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0, bulkPublishDuration: 0 })
      const sync = yield* clientOf(server)
      const unconfigured = yield* Effect.flip(sync.registerDevice({ ...ids, Platform: "GCM", Token: "t" }))
      expect(unconfigured._tag).toBe("InvalidConfigurationException")
      const unsubscribed = yield* Effect.flip(
        sync.subscribeToDataset({ ...ids, DatasetName: "settings", DeviceId: "no-such-device" })
      )
      expect(unsubscribed._tag).toBe("InvalidConfigurationException")
      yield* sync.setIdentityPoolConfiguration({
        IdentityPoolId: poolId,
        PushSync: { ApplicationArns: [gcmArn], RoleArn: roleArn },
        CognitoStreams: { StreamName: "s", RoleArn: streamsRole, StreamingStatus: "ENABLED" }
      })
      const wrongPlatform = yield* Effect.flip(sync.registerDevice({ ...ids, Platform: "APNS", Token: "t" }))
      expect(wrongPlatform._tag).toBe("InvalidConfigurationException")
      const noDevice = yield* Effect.flip(
        sync.unsubscribeFromDataset({ ...ids, DatasetName: "settings", DeviceId: "no-such-device" })
      )
      expect(noDevice._tag).toBe("ResourceNotFoundException")
      // A bulk publish that takes no time has succeeded at once; another within 24 hours is refused.
      yield* sync.bulkPublish({ IdentityPoolId: poolId })
      const details = yield* sync.getBulkPublishDetails({ IdentityPoolId: poolId })
      expect(details.BulkPublishStatus).toBe("SUCCEEDED")
      expect(details.BulkPublishCompleteTime).toBeInstanceOf(Date)
      const again = yield* Effect.flip(sync.bulkPublish({ IdentityPoolId: poolId }))
      expect(again._tag).toBe("AlreadyStreamedException")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("credentials: unknown key, wrong secret, identity-bound credentials", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0, credentials: [developer, idKey] })
      const unknown = yield* clientOf(server, { accessKeyId: "AKIDUNKNOWN", secretAccessKey: "x" })
      const denied = yield* Effect.flip(unknown.listRecords({ ...ids, DatasetName: "d" }))
      expect(denied._tag === "CognitoSyncServiceError" && [denied.code, denied.status]).toEqual([
        "UnrecognizedClientException",
        403
      ])
      const wrongSecret = yield* clientOf(server, { accessKeyId: "test", secretAccessKey: "wrong" })
      const badSignature = yield* Effect.flip(wrongSecret.describeIdentityUsage({ ...ids }))
      expect(badSignature._tag === "CognitoSyncServiceError" && [badSignature.code, badSignature.status]).toEqual([
        "InvalidSignatureException",
        403
      ])

      const identity = yield* clientOf(server, idKey)
      // Its own identity works, including the identity-only operations.
      const page = yield* identity.listRecords({ ...ids, DatasetName: "mine" })
      const written = yield* identity.updateRecords({
        ...ids,
        DatasetName: "mine",
        SyncSessionToken: page.SyncSessionToken!,
        RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
      })
      expect(written.Records?.[0]?.SyncCount).toBe(1)
      expect((yield* identity.describeDataset({ ...ids, DatasetName: "mine" })).Dataset?.NumRecords).toBe(1)
      // Another identity is off limits, for reads and writes.
      const other = { IdentityPoolId: poolId, IdentityId: identityB }
      const refused = yield* Effect.all([
        Effect.flip(identity.listRecords({ ...other, DatasetName: "mine" })),
        Effect.flip(identity.describeIdentityUsage(other)),
        Effect.flip(identity.deleteDataset({ ...other, DatasetName: "mine" }))
      ])
      for (const error of refused) {
        expect(codeOf(error)).toBe("NotAuthorizedException")
        expect("status" in error && error.status).toBe(403)
      }
      // Developer-only operations are refused.
      const devOnly = yield* Effect.flip(identity.getIdentityPoolConfiguration({ IdentityPoolId: poolId }))
      expect(devOnly._tag).toBe("NotAuthorizedException")
      const devOnly2 = yield* Effect.flip(identity.describeIdentityPoolUsage({ IdentityPoolId: poolId }))
      expect(devOnly2._tag).toBe("NotAuthorizedException")
      expect(Object.keys((yield* server.engine.snapshot)[poolId] ?? {})).toEqual([identityA])
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("temporary credentials added at run time need their session token", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const temporary = { accessKeyId: "ASIATEMP", secretAccessKey: "temp-secret", sessionToken: "session-1" }
      const client = CognitoSync.make({
        region: "us-east-1",
        endpoint: server.url,
        credentials: temporary,
        maxAttempts: 1
      })
      const before = yield* Effect.flip(Effect.flatMap(client, (c) => c.listDatasets({ ...ids })))
      expect(codeOf(before)).toBe("UnrecognizedClientException")
      server.addCredentials(temporary)
      const after = yield* Effect.flatMap(client, (c) => c.listDatasets({ ...ids }))
      expect(after.Count).toBe(0)
      const wrongToken = yield* Effect.flip(Effect.flatMap(
        CognitoSync.make({
          region: "us-east-1",
          endpoint: server.url,
          credentials: { ...temporary, sessionToken: "session-2" },
          maxAttempts: 1
        }),
        (c) => c.listDatasets({ ...ids })
      ))
      expect(codeOf(wrongToken)).toBe("UnrecognizedClientException")
      server.addCredentials({ ...temporary, accessKeyId: "ASIAOLD", expiration: Date.now() - 1000 })
      const expired = yield* Effect.flip(Effect.flatMap(
        CognitoSync.make({
          region: "us-east-1",
          endpoint: server.url,
          credentials: { ...temporary, accessKeyId: "ASIAOLD" },
          maxAttempts: 1
        }),
        (c) => c.listDatasets({ ...ids })
      ))
      expect(codeOf(expired)).toBe("ExpiredTokenException")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))
})
