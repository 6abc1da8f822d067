/**
 * Type-checked (not run) in a scratch project where effect-cognito-sync is installed from its tarball, with no
 * Node types (`"types": []`, DOM libs): the root and "./sync" entry points must not need `@types/node`. Copied
 * there by scripts/check-package.sh.
 */
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer } from "effect"
import { CognitoSync } from "effect-cognito-sync"
import { LocalStore, SyncManager } from "effect-cognito-sync/sync"

const client = CognitoSync.layer({
  region: "us-east-1",
  credentials: { accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token" }
}).pipe(Layer.provide(FetchHttpClient.layer))

export const device: Layer.Layer<SyncManager.SyncManager> = SyncManager.layer({
  identityPoolId: "us-east-1:0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10",
  identityId: "us-east-1:2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90"
}).pipe(Layer.provide(LocalStore.layerStorage(() => window.localStorage)), Layer.provide(client))

export const main = Effect.gen(function*() {
  const settings = yield* (yield* SyncManager.SyncManager).openDataset("settings")
  yield* settings.put("theme", "dark")
  return yield* settings.synchronize()
}).pipe(Effect.provide(device))
