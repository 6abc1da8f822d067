/**
 * Two tabs (or processes) over one durable store: each keeps its own copy in memory, but an edit in one never
 * overwrites the other's unsynced edits in the store.
 */
import { KeyValueStore } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import * as LocalStore from "../../src/sync/LocalStore.js"
import * as SyncManager from "../../src/sync/SyncManager.js"

const identityPoolId = "us-east-1:00000000-0000-0000-0000-000000000001"
const identityId = "us-east-1:00000000-0000-0000-0000-0000000000aa"

describe("a durable store shared by two tabs", () => {
  it.effect("edits of both tabs survive, and a sync pushes both", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const kv = yield* KeyValueStore.KeyValueStore
      const tab = () =>
        Effect.provide(
          SyncManager.SyncManager,
          SyncManager.layer({ identityPoolId, identityId }).pipe(
            Layer.provide(Layer.mergeAll(
              CognitoSyncLocal.layerWith({ engine }),
              LocalStore.layerKeyValueStore.pipe(Layer.provide(Layer.succeed(KeyValueStore.KeyValueStore, kv)))
            ))
          )
        )
      // Both tabs open the dataset before either edits it.
      const a = yield* (yield* tab()).openDataset("settings")
      const b = yield* (yield* tab()).openDataset("settings")
      yield* a.put("theme", "dark")
      yield* b.put("language", "fr")
      yield* a.put("font", "serif")

      // A third tab (a reload) sees every edit in the store.
      const reloaded = yield* (yield* tab()).openDataset("settings")
      expect(Object.fromEntries(yield* reloaded.getAll())).toEqual({ theme: "dark", language: "fr", font: "serif" })

      // Tab B syncs: all three edits reach the server.
      const result = yield* b.synchronize()
      expect([...result.pushed].sort()).toEqual(["font", "language", "theme"])
      const snapshot = yield* engine.snapshot
      expect(Object.keys(snapshot[identityPoolId]?.[identityId]?.["settings"]?.records ?? {}).sort()).toEqual([
        "font",
        "language",
        "theme"
      ])
      expect(Option.getOrUndefined(yield* b.get("theme"))).toBe("dark")
    }).pipe(Effect.provide(KeyValueStore.layerMemory)))
})
