import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CognitoIdentity, CognitoSync } from "../../src/index.js"
import * as Server from "../../src/local/Server.js"

const pool = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000"

const put = (sync: CognitoSync.Service, identityId: string, dataset: string, key: string, value: string) =>
  Effect.gen(function*() {
    const ids = { IdentityPoolId: pool, IdentityId: identityId, DatasetName: dataset }
    const page = yield* sync.listRecords(ids)
    yield* sync.updateRecords({
      ...ids,
      SyncSessionToken: page.SyncSessionToken ?? "",
      RecordPatches: [{ Op: "replace", Key: key, Value: value, SyncCount: 0 }]
    })
  })

describe("Cognito Identity against the local server", () => {
  it.live("an app's whole flow: identity, credentials, sync, log in, merged datasets", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const clientFor = (identity: CognitoIdentity.Provider) =>
        CognitoSync.make({ region: "us-east-1", endpoint: server.url, credentials: identity.credentials })

      // An existing user, signed in on another device, already has data.
      const user = yield* CognitoIdentity.make({
        region: "us-east-1",
        identityPoolId: pool,
        endpoint: server.url,
        logins: { "accounts.example.com": "alice" }
      })
      const userId = yield* user.identityId
      yield* put(yield* clientFor(user), userId, "settings", "theme", "dark")

      // A guest on this device: an unauthenticated identity, its own credentials, its own data.
      const guest = yield* CognitoIdentity.make({ region: "us-east-1", identityPoolId: pool, endpoint: server.url })
      const guestId = yield* guest.identityId
      expect(guestId).not.toBe(userId)
      const guestSync = yield* clientFor(guest)
      yield* put(guestSync, guestId, "settings", "cart", "3 items")

      // Identity-bound credentials cannot touch the other identity.
      const denied = yield* guestSync.listRecords({ IdentityPoolId: pool, IdentityId: userId, DatasetName: "settings" })
        .pipe(Effect.flip)
      expect(denied._tag).toBe("NotAuthorizedException")

      // The guest logs in as the existing user: Cognito merges the guest identity into the user's.
      yield* guest.setLogins({ "accounts.example.com": "alice" })
      yield* guest.credentials.resolve
      expect(yield* guest.identityId).toBe(userId)
      const merged = yield* (yield* clientFor(guest)).listRecords({
        IdentityPoolId: pool,
        IdentityId: userId,
        DatasetName: "settings"
      })
      expect(merged.MergedDatasetNames).toEqual([`settings.${guestId}`])
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("unknown identity and bad pool are typed credential errors", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const ghost = yield* CognitoIdentity.make({
        region: "us-east-1",
        identityPoolId: pool,
        endpoint: server.url,
        identityId: "us-east-1:00000000-0000-0000-0000-000000000000"
      })
      const error = yield* ghost.credentials.resolve.pipe(Effect.flip)
      expect(error._tag).toBe("CognitoSyncCredentialsError")
      expect(error.code).toBe("ResourceNotFoundException")
      const bad = yield* CognitoIdentity.make({ region: "us-east-1", identityPoolId: "nope", endpoint: server.url })
      expect((yield* bad.identityId.pipe(Effect.flip)).code).toBe("InvalidParameterException")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))
})
