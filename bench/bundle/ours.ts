/**
 * Bundle-size entry (i): a small browser program that lists a dataset's records and writes two patches with this
 * library on `FetchHttpClient`. Deep imports (`effect/Effect`), as the library's own sources use: the `effect`
 * barrel (`import { Schema } from "effect"`) defeats esbuild's tree-shaking (fast-check and more come in).
 * Bundled by `bench/bundle.ts`; never run.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import { CognitoSync } from "../../src/index.js"

const IdentityPoolId = "us-east-1:0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10"
const IdentityId = "us-east-1:2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90"

const program = Effect.gen(function*() {
  const sync = yield* CognitoSync.CognitoSync
  const page = yield* sync.listRecords({ IdentityPoolId, IdentityId, DatasetName: "settings", LastSyncCount: 0 })
  const written = yield* sync.updateRecords({
    IdentityPoolId,
    IdentityId,
    DatasetName: "settings",
    SyncSessionToken: page.SyncSessionToken ?? "",
    RecordPatches: [
      { Op: "replace", Key: "theme", Value: "dark", SyncCount: 0, DeviceLastModifiedDate: new Date() },
      { Op: "remove", Key: "draft", SyncCount: 3 }
    ]
  })
  return written.Records ?? []
})

export const main = () =>
  program.pipe(
    Effect.provide(CognitoSync.layer({
      region: "us-east-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token" }
    })),
    Effect.provide(FetchHttpClient.layer),
    Effect.runPromise
  ).then((records) => console.log(records.length), (error) => console.error(error))

main()
