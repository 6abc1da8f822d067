/**
 * Bundle-size program for "effect-cognito-sync" (browser): lists a dataset and writes one record on
 * `FetchHttpClient`. Bundled by scripts/bundle-size.ts; never run.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { CognitoSync } from "effect-cognito-sync"
import * as Effect from "effect/Effect"

const dataset = {
  IdentityPoolId: "us-east-1:0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10",
  IdentityId: "us-east-1:2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90",
  DatasetName: "settings"
}

const program = Effect.gen(function*() {
  const sync = yield* CognitoSync.CognitoSync
  const page = yield* sync.listRecords({ ...dataset, LastSyncCount: 0 })
  return yield* sync.updateRecords({
    ...dataset,
    SyncSessionToken: page.SyncSessionToken ?? "",
    RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0, DeviceLastModifiedDate: new Date() }]
  })
})

program.pipe(
  Effect.provide(
    CognitoSync.layer({ region: "us-east-1", credentials: { accessKeyId: "AKID", secretAccessKey: "s" } })
  ),
  Effect.provide(FetchHttpClient.layer),
  Effect.runPromise
).then((written) => console.log(written.Records?.length), (error) => console.error(error))
