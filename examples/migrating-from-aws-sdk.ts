/**
 * The same task with the official AWS SDK for JavaScript v3 and with this library.
 */
import {
  CognitoSyncClient,
  CognitoSyncServiceException,
  ListRecordsCommand,
  type ListRecordsCommandOutput,
  ResourceConflictException,
  UpdateRecordsCommand
} from "@aws-sdk/client-cognito-sync"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Stream } from "effect"
import { CognitoSync } from "effect-cognito-sync"

const dataset = {
  IdentityPoolId: "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000",
  IdentityId: "us-east-1:11111111-2222-3333-4444-555555555555",
  DatasetName: "settings"
}

// #region before
// Before: the official client.
export const before = async () => {
  const client = new CognitoSyncClient({ region: "us-east-1", maxAttempts: 3 })
  // No paginators exist for Cognito Sync in the SDK: loop on NextToken by hand.
  const pages: Array<ListRecordsCommandOutput> = []
  let NextToken: string | undefined
  do {
    const page = await client.send(new ListRecordsCommand({ ...dataset, LastSyncCount: 0, NextToken }))
    pages.push(page)
    NextToken = page.NextToken
  } while (NextToken)
  try {
    await client.send(
      new UpdateRecordsCommand({
        ...dataset,
        SyncSessionToken: pages[0]?.SyncSessionToken,
        RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }]
      })
    )
  } catch (error) {
    if (error instanceof ResourceConflictException) {
      console.log(`conflict, request ${error.$metadata.requestId}: ${error.message}`)
    } else if (error instanceof CognitoSyncServiceException) {
      console.log(`${error.name} (HTTP ${error.$metadata.httpStatusCode})`)
    } else {
      throw error
    }
  }
}
// #endregion

// #region after
// After: this library.
export const after = Effect.gen(function*() {
  const sync = yield* CognitoSync.CognitoSync
  const pages = yield* Stream.runCollect(sync.listRecordsPages({ ...dataset, LastSyncCount: 0 }))
  const [first] = pages
  yield* sync.updateRecords({
    ...dataset,
    SyncSessionToken: first?.SyncSessionToken ?? "",
    RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }]
  }).pipe(
    Effect.catchTags({
      ResourceConflictException: (error) => Effect.log(`conflict, request ${error.requestId}: ${error.message}`),
      CognitoSyncServiceError: (error) => Effect.log(`${error.code} (HTTP ${error.status})`)
    })
  )
}).pipe(
  Effect.provide(CognitoSync.layerConfig({ maxAttempts: 3 })),
  Effect.provide(FetchHttpClient.layer)
)
// #endregion
