/**
 * Push sync helpers and the event stream of the sync engine, against the in-process emulator.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, HashMap, Layer, Option, Queue } from "effect"
import { CognitoSync } from "../../src/index.js"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import type * as Engine from "../../src/local/Engine.js"
import * as LocalStore from "../../src/sync/LocalStore.js"
import * as SyncManager from "../../src/sync/SyncManager.js"

const identityPoolId = "us-east-1:00000000-0000-0000-0000-000000000001"
const identityId = "us-east-1:00000000-0000-0000-0000-0000000000aa"

const device = (engine: Engine.Engine) =>
  Effect.provide(
    SyncManager.SyncManager,
    SyncManager.layer({ identityPoolId, identityId }).pipe(
      Layer.provide(Layer.mergeAll(CognitoSyncLocal.layerWith({ engine }), LocalStore.layerMemory))
    )
  )

const configurePush = (engine: Engine.Engine) =>
  Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
    sync.setIdentityPoolConfiguration({
      IdentityPoolId: identityPoolId,
      PushSync: {
        ApplicationArns: ["arn:aws:sns:us-east-1:123456789012:app/GCM/my-app"],
        RoleArn: "arn:aws:iam::123456789012:role/cognito-push"
      }
    })).pipe(Effect.provide(CognitoSyncLocal.layerWith({ engine })))

const subscriptionsOf = (state: Engine.EngineState) =>
  Option.match(HashMap.get(state.pools, identityPoolId), {
    onNone: () => [],
    onSome: (pool) =>
      Option.match(HashMap.get(pool.identities, identityId), {
        onNone: () => [],
        onSome: (identity) => Array.from(HashMap.values(identity.devices)).flatMap((d) => d.subscriptions)
      })
  })

describe("push sync helpers", () => {
  it.effect("registerDevice keeps the device id; subscribe and unsubscribe use it", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      yield* configurePush(engine)
      const manager = yield* device(engine)
      const settings = yield* manager.openDataset("settings")
      const early = yield* settings.subscribe().pipe(Effect.flip)
      expect(early._tag).toBe("DeviceNotRegistered")
      const deviceId = yield* manager.registerDevice("GCM", "push-token-1")
      expect(yield* manager.registerDevice("GCM", "push-token-1")).toBe(deviceId)
      yield* settings.subscribe()
      expect(subscriptionsOf(yield* engine.state)).toEqual(["settings"])
      yield* settings.unsubscribe()
      expect(subscriptionsOf(yield* engine.state)).toEqual([])
    }))

  it.effect("handlePush synchronizes a dataset that is behind, and ignores what is not for it", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const writer = yield* (yield* device(engine)).openDataset("settings")
      const reader = yield* device(engine)
      const readerSettings = yield* reader.openDataset("settings")
      yield* writer.put("theme", "dark")
      const written = yield* writer.synchronize()
      const payload = {
        source: "cognito-sync",
        identityPoolId,
        identityId,
        datasetName: "settings",
        syncCount: String(written.syncCount)
      }
      expect(Option.isNone(yield* reader.handlePush({ ...payload, source: "elsewhere" }))).toBe(true)
      expect(
        Option.isNone(
          yield* reader.handlePush({ ...payload, identityId: "us-east-1:00000000-0000-0000-0000-0000000000bb" })
        )
      )
        .toBe(true)
      const synced = yield* reader.handlePush(payload)
      expect(Option.map(synced, (result) => result.pulled)).toEqual(Option.some(["theme"]))
      expect(yield* readerSettings.get("theme")).toEqual(Option.some("dark"))
      // Already caught up: nothing to do.
      expect(Option.isNone(yield* reader.handlePush(payload))).toBe(true)
      const invalid = yield* reader.handlePush({ ...payload, datasetName: "bad name!" }).pipe(Effect.flip)
      expect(invalid._tag).toBe("SyncValidationError")
    }))
})

describe("sync events", () => {
  it.effect("a synchronize reports started, pulled, pushed and finished, in order", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const manager = yield* device(engine)
      const settings = yield* manager.openDataset("settings")
      yield* settings.put("theme", "dark")
      const queue = yield* manager.subscribe
      yield* settings.synchronize()
      const events = Chunk.toReadonlyArray(yield* Queue.takeAll(queue))
      expect(events.map((event) => event._tag)).toEqual(["SyncStarted", "Pulled", "Pushed", "SyncFinished"])
      const finished = events[3]
      expect(finished?._tag === "SyncFinished" && finished.result.pushed).toEqual(["theme"])
    }).pipe(Effect.scoped))
})
