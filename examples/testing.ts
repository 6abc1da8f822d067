/**
 * Testing code that uses the client: swap the layer for a test double.
 */
import { Effect, Layer } from "effect"
import { CognitoSync, CognitoSyncError } from "effect-cognito-sync"
import { CognitoSyncLocal } from "effect-cognito-sync/local"

// #region code-under-test
// The code under test only asks for the service.
export const countRecords = (IdentityPoolId: string, IdentityId: string, DatasetName: string) =>
  Effect.gen(function*() {
    const sync = yield* CognitoSync.CognitoSync
    const page = yield* sync.listRecords({ IdentityPoolId, IdentityId, DatasetName, LastSyncCount: 0 })
    return page.Records?.filter((record) => record.Value !== undefined).length ?? 0
  })
// #endregion

// #region test-layer
// Every method fails with a typed error, except the ones a test overrides, with full types.
const unimplemented = CognitoSync.fromInvoker((op) =>
  Effect.fail(
    new CognitoSyncError.CognitoSyncServiceError({
      code: "NotStubbed",
      message: `${op.name} is not stubbed`,
      status: 501
    })
  )
)

export const TestCognitoSync = Layer.succeed(CognitoSync.CognitoSync, {
  ...unimplemented,
  listRecords: (input) =>
    Effect.succeed({
      Records: [
        { Key: "theme", Value: "dark", SyncCount: 1, LastModifiedDate: new Date(0) },
        { Key: "draft", SyncCount: 2 } // removed: a record without a Value
      ],
      DatasetSyncCount: 2,
      SyncSessionToken: `session-for-${input.DatasetName}`
    })
})

// In a test (with @effect/vitest: it.effect("counts live records", () => ...)):
export const test = countRecords("us-east-1:0f1e", "us-east-1:1a2b", "settings").pipe(
  Effect.provide(TestCognitoSync)
) // Effect<number, ...> that succeeds with 1
// #endregion

// #region emulator
// The same code against the emulator's engine, in process: real sync counts, conflicts, validation and errors.
// Each provide of CognitoSyncLocal.layer starts from an empty service.
export const againstEmulator = Effect.gen(function*() {
  const sync = yield* CognitoSync.CognitoSync
  const dataset = { IdentityPoolId: "us-east-1:0f1e", IdentityId: "us-east-1:1a2b", DatasetName: "settings" }
  const { SyncSessionToken } = yield* sync.listRecords({ ...dataset, LastSyncCount: 0 })
  yield* sync.updateRecords({
    ...dataset,
    SyncSessionToken: SyncSessionToken ?? "",
    RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }]
  })
  return yield* countRecords(dataset.IdentityPoolId, dataset.IdentityId, dataset.DatasetName)
}).pipe(Effect.provide(CognitoSyncLocal.layer)) // succeeds with 1
// #endregion
