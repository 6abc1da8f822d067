import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import * as LocalStore from "../../src/sync/LocalStore.js"
import * as SyncManager from "../../src/sync/SyncManager.js"

const pool = "us-east-1:00000000-0000-0000-0000-000000000001"
const identity = "us-east-1:00000000-0000-0000-0000-0000000000aa"

describe("sync quick", () => {
  it.effect("two devices converge", () =>
    Effect.gen(function*() {
      const engine = yield* CognitoSyncLocal.makeEngine()
      const device = (n: number) =>
        SyncManager.layer({ identityPoolId: pool, identityId: identity, deviceId: `d${n}` }).pipe(
          Layer.provide(Layer.merge(CognitoSyncLocal.layerWith({ engine }), LocalStore.layerMemory))
        )
      const a = yield* Effect.provide(SyncManager.SyncManager, device(1))
      const b = yield* Effect.provide(SyncManager.SyncManager, device(2))
      const da = yield* a.openDataset("settings")
      const db = yield* b.openDataset("settings")
      yield* da.put("theme", "dark")
      yield* da.put("draft", "x")
      const r1 = yield* da.synchronize()
      expect([...r1.pushed].sort()).toEqual(["draft", "theme"])
      expect(r1.syncCount).toBe(1)
      yield* db.put("theme", "light")
      const r2 = yield* db.synchronize()
      expect(r2.conflicts.length).toBe(1)
      yield* da.remove("draft")
      yield* da.synchronize()
      yield* db.synchronize()
      yield* da.synchronize()
      const va = yield* da.getAll()
      const vb = yield* db.getAll()
      expect(Object.fromEntries(va)).toEqual(Object.fromEntries(vb))
      expect(Option.isNone(yield* db.get("draft"))).toBe(true)
    }))
})
