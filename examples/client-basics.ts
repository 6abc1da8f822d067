/**
 * The client's everyday use: read a dataset, write to it, handle a conflict, read every page.
 */
import { FetchHttpClient } from "@effect/platform"
import { Effect, Stream } from "effect"
import { CognitoSync } from "effect-cognito-sync"

const IdentityPoolId = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000"
const IdentityId = "us-east-1:11111111-2222-3333-4444-555555555555"

// #region write
// Sets one key: read the dataset to get a session token and the key's sync count, then write.
export const setSetting = (key: string, value: string) =>
  Effect.gen(function*() {
    const sync = yield* CognitoSync.CognitoSync
    const dataset = { IdentityPoolId, IdentityId, DatasetName: "settings" }
    // A dataset holds at most 1024 records, so one page of 1024 has them all.
    const page = yield* sync.listRecords({ ...dataset, LastSyncCount: 0, MaxResults: 1024 })
    const current = page.Records?.find((record) => record.Key === key)
    const { Records } = yield* sync.updateRecords({
      ...dataset,
      SyncSessionToken: page.SyncSessionToken ?? "",
      RecordPatches: [{
        Op: "replace",
        Key: key,
        Value: value,
        SyncCount: current?.SyncCount ?? 0, // 0 for a new key
        DeviceLastModifiedDate: new Date()
      }]
    })
    return Records ?? []
  })
// #endregion

// #region conflict
// A stale SyncCount fails the whole call with ResourceConflictException: pull again and retry once.
export const setSettingOnce = (key: string, value: string) =>
  setSetting(key, value).pipe(
    Effect.catchTag("ResourceConflictException", (conflict) =>
      Effect.logWarning(`conflict (request ${conflict.requestId}): ${conflict.message}`).pipe(
        Effect.zipRight(setSetting(key, value))
      ))
  )
// #endregion

// #region pages
// Every record of a dataset, following NextToken through as many pages as there are.
export const allRecords = Effect.gen(function*() {
  const sync = yield* CognitoSync.CognitoSync
  return yield* sync.listRecordsPages({ IdentityPoolId, IdentityId, DatasetName: "settings", LastSyncCount: 0 }).pipe(
    Stream.flatMap((page) => Stream.fromIterable(page.Records ?? [])),
    Stream.runCollect
  )
})
// #endregion

// #region provide
export const main = setSettingOnce("theme", "dark").pipe(
  Effect.provide(CognitoSync.layerConfig()), // AWS_REGION, AWS_ACCESS_KEY_ID, ... (see "Configuration")
  Effect.provide(FetchHttpClient.layer)
)
// #endregion
