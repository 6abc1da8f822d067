import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CognitoSync } from "../../src/index.js"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"

const ids = {
  IdentityPoolId: "us-east-1:00000000-0000-0000-0000-000000000001",
  IdentityId: "us-east-1:00000000-0000-0000-0000-0000000000aa",
  DatasetName: "settings"
}

describe("local layer quick", () => {
  it.effect("write, read, conflict", () =>
    Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const first = yield* sync.listRecords({ ...ids })
      expect(first.DatasetExists).toBe(false)
      const written = yield* sync.updateRecords({
        ...ids,
        SyncSessionToken: first.SyncSessionToken!,
        RecordPatches: [{ Op: "replace", Key: "a", Value: "1", SyncCount: 0 }]
      })
      expect(written.Records?.[0]?.SyncCount).toBe(1)
      const second = yield* sync.listRecords({ ...ids, LastSyncCount: 0 })
      const conflict = yield* sync.updateRecords({
        ...ids,
        SyncSessionToken: second.SyncSessionToken!,
        RecordPatches: [{ Op: "replace", Key: "a", Value: "2", SyncCount: 0 }]
      }).pipe(Effect.flip)
      expect(conflict._tag).toBe("ResourceConflictException")
      expect(conflict.message).toBe("Current SyncCount for: a is: 1 not: 0")
      const bad = yield* sync.listRecords({ ...ids, LastSyncCount: 5 }).pipe(Effect.flip)
      expect(bad.message).toBe("No such SyncCount: 5 exists for this Dataset")
    }).pipe(Effect.provide(CognitoSyncLocal.layer)))
})
