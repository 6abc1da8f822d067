import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CognitoSync } from "../../src/index.js"
import * as Server from "../../src/local/Server.js"

const ids = {
  IdentityPoolId: "us-east-1:00000000-0000-0000-0000-000000000001",
  IdentityId: "us-east-1:00000000-0000-0000-0000-0000000000aa",
  DatasetName: "settings"
}

describe("server quick", () => {
  it.live("client over loopback", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const sync = yield* CognitoSync.make({
        region: "us-east-1",
        endpoint: server.url,
        credentials: { accessKeyId: "test", secretAccessKey: "test" }
      })
      const first = yield* sync.listRecords({ ...ids })
      expect(first.DatasetExists).toBe(false)
      const written = yield* sync.updateRecords({
        ...ids,
        SyncSessionToken: first.SyncSessionToken!,
        RecordPatches: [{
          Op: "replace",
          Key: "a:b",
          Value: "1",
          SyncCount: 0,
          DeviceLastModifiedDate: new Date(1412974057151)
        }]
      })
      expect(written.Records?.[0]?.SyncCount).toBe(1)
      expect(written.Records?.[0]?.DeviceLastModifiedDate?.getTime()).toBe(1412974057151)
      const conflict = yield* sync.updateRecords({
        ...ids,
        SyncSessionToken: first.SyncSessionToken!,
        RecordPatches: []
      }).pipe(Effect.flip)
      expect(conflict._tag).toBe("InvalidParameterException")
      const bad = yield* CognitoSync.make({
        region: "us-east-1",
        endpoint: server.url,
        credentials: { accessKeyId: "nope", secretAccessKey: "test" }
      })
      const denied = yield* bad.listRecords({ ...ids }).pipe(Effect.flip)
      expect(denied._tag === "CognitoSyncServiceError" && denied.code).toBe("UnrecognizedClientException")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))
})
