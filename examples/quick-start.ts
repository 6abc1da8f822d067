import { FetchHttpClient } from "@effect/platform"
import { Effect } from "effect"
import { CognitoSync } from "effect-cognito-sync"

const IdentityPoolId = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000"
const IdentityId = "us-east-1:11111111-2222-3333-4444-555555555555"
const DatasetName = "settings"

const program = Effect.gen(function*() {
  const sync = yield* CognitoSync.CognitoSync
  const page = yield* sync.listRecords({ IdentityPoolId, IdentityId, DatasetName, LastSyncCount: 0 })
  for (const record of page.Records ?? []) {
    yield* Effect.log(`${record.Key} = ${record.Value ?? "(removed)"} at sync count ${record.SyncCount}`)
  }
  yield* Effect.log(`dataset sync count: ${page.DatasetSyncCount}`)
})

program.pipe(
  Effect.provide(CognitoSync.layer({
    region: "us-east-1",
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "",
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "",
      sessionToken: process.env.AWS_SESSION_TOKEN // optional
    },
    // endpoint: "http://127.0.0.1:4599", // optional override, for example the local emulator
    maxAttempts: 3 // optional; 1 = no retries
  })),
  Effect.provide(FetchHttpClient.layer),
  Effect.runPromise
)
