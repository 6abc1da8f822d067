/**
 * Bundle-size program for "effect-cognito-sync/sync" (browser): a dataset in `localStorage`, one edit and a
 * synchronize through the client on `FetchHttpClient`. Bundled by scripts/bundle-size.ts; never run.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { CognitoSync } from "effect-cognito-sync"
import { LocalStore, SyncManager } from "effect-cognito-sync/sync"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const program = Effect.gen(function*() {
  const settings = yield* (yield* SyncManager.SyncManager).openDataset("settings")
  yield* settings.put("theme", "dark")
  return yield* settings.synchronize()
})

const manager = SyncManager.layer({
  identityPoolId: "us-east-1:0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10",
  identityId: "us-east-1:2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90"
}).pipe(
  Layer.provide(LocalStore.layerStorage(() => window.localStorage)),
  Layer.provide(CognitoSync.layer({ region: "us-east-1", credentials: { accessKeyId: "AKID", secretAccessKey: "s" } })),
  Layer.provide(FetchHttpClient.layer)
)

program.pipe(Effect.provide(manager), Effect.runPromise).then(
  (result) => console.log(result.pushed),
  (error) => console.error(error)
)
