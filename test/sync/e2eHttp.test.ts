/**
 * The sync engine end to end over real HTTP against the local server, with the official AWS SDK for JavaScript
 * writing to the same dataset alongside: a second writer the engine did not write, speaking the wire protocol
 * its own way.
 */
import * as Sdk from "@aws-sdk/client-cognito-sync"
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { CognitoSync } from "../../src/index.js"
import * as Server from "../../src/local/Server.js"
import * as LocalStore from "../../src/sync/LocalStore.js"
import * as SyncManager from "../../src/sync/SyncManager.js"

const identityPoolId = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000"
const identityId = "us-east-1:11111111-2222-3333-4444-555555555555"
const credentials = { accessKeyId: "test", secretAccessKey: "test" }
const DatasetName = "settings"

/** The official client's view of the dataset's live values. */
const sdkValues = async (client: Sdk.CognitoSyncClient) => {
  const page = await client.send(
    new Sdk.ListRecordsCommand({
      IdentityPoolId: identityPoolId,
      IdentityId: identityId,
      DatasetName,
      LastSyncCount: 0
    })
  )
  return Object.fromEntries(
    (page.Records ?? []).flatMap((r) => r.Value === undefined || r.Key === undefined ? [] : [[r.Key, r.Value]])
  )
}

/** Writes with the official client, as another app would: list for the token and counts, then update. */
const sdkWrite = async (client: Sdk.CognitoSyncClient, key: string, value: string | undefined) => {
  const ids = { IdentityPoolId: identityPoolId, IdentityId: identityId, DatasetName }
  const page = await client.send(new Sdk.ListRecordsCommand({ ...ids, LastSyncCount: 0 }))
  const current = page.Records?.find((record) => record.Key === key)
  await client.send(
    new Sdk.UpdateRecordsCommand({
      ...ids,
      SyncSessionToken: page.SyncSessionToken,
      RecordPatches: [{
        Op: value === undefined ? "remove" : "replace",
        Key: key,
        ...(value === undefined ? {} : { Value: value }),
        SyncCount: current?.SyncCount ?? 0,
        DeviceLastModifiedDate: new Date()
      }]
    })
  )
}

describe("sync over HTTP with the official SDK as a second writer", () => {
  it.live("the engine converges with writes it did not make", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const official = new Sdk.CognitoSyncClient({ endpoint: server.url, region: "us-east-1", credentials })
      yield* Effect.addFinalizer(() => Effect.sync(() => official.destroy()))
      const manager = yield* Effect.provide(
        SyncManager.SyncManager,
        SyncManager.layer({ identityPoolId, identityId, deviceId: "engine" }).pipe(
          Layer.provide(Layer.mergeAll(
            CognitoSync.layer({ region: "us-east-1", endpoint: server.url, credentials }),
            LocalStore.layerMemory
          ))
        )
      )
      const dataset = yield* manager.openDataset(DatasetName)

      // The engine writes first.
      yield* dataset.putAll({ theme: "dark", language: "en", draft: "x" })
      expect((yield* dataset.synchronize()).syncCount).toBe(1)

      // The official client changes one key, removes another and adds a third.
      yield* Effect.promise(() => sdkWrite(official, "theme", "light"))
      yield* Effect.promise(() => sdkWrite(official, "draft", undefined))
      yield* Effect.promise(() => sdkWrite(official, "sdk", "added by the AWS SDK"))

      // Meanwhile the engine edits another key offline; its sync pulls all three changes and pushes its own.
      yield* dataset.put("language", "fr")
      const result = yield* dataset.synchronize()
      expect([...result.pulled].sort()).toEqual(["draft", "sdk", "theme"])
      expect(result.pushed).toEqual(["language"])
      expect(result.conflicts).toEqual([])

      // A conflict: both change the same key; the SDK's write comes later, so last-writer-wins keeps it.
      yield* dataset.put("theme", "blue")
      yield* Effect.sleep("20 millis")
      yield* Effect.promise(() => sdkWrite(official, "theme", "green"))
      const conflicted = yield* dataset.synchronize()
      expect(conflicted.conflicts.map((c) => [c.key, c.resolution._tag])).toEqual([["theme", "UseRemote"]])

      const engineView = Object.fromEntries(yield* dataset.getAll())
      const officialView = yield* Effect.promise(() => sdkValues(official))
      expect(engineView).toEqual({ theme: "green", language: "fr", sdk: "added by the AWS SDK" })
      expect(officialView).toEqual(engineView)
      expect(yield* dataset.hasPendingChanges()).toBe(false)
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))
})
