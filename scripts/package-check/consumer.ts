/**
 * Type-checked (not run) in a scratch project where effect-cognito-sync is installed from its tarball, with
 * `moduleResolution` NodeNext and bundler and `skipLibCheck: false`, so the published `.d.ts` files of all
 * three entry points must resolve and compile. Copied there by scripts/check-package.sh.
 */
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { Effect, Layer, Option, Scope } from "effect"
import { CognitoSync, CognitoSyncError, Credentials, Operations, Retry, Schemas } from "effect-cognito-sync"
import { CognitoSyncLocal, LocalEngine, LocalServer, SigV4 } from "effect-cognito-sync/local"
import { Conflict, LocalStore, SyncError, SyncManager } from "effect-cognito-sync/sync"

const IdentityPoolId = "us-east-1:0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10"
const IdentityId = "us-east-1:2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90"

// ".": the layer's type is the public contract.
export const client: Layer.Layer<CognitoSync.CognitoSync, never, HttpClient.HttpClient> = CognitoSync.layer({
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  endpoint: "http://127.0.0.1:4599",
  maxAttempts: 3,
  retryPolicy: Retry.defaultPolicy
})

export const write = Effect.gen(function*() {
  const sync = yield* CognitoSync.CognitoSync
  const page = yield* sync.listRecords({ IdentityPoolId, IdentityId, DatasetName: "settings", LastSyncCount: 0 })
  const token: string | undefined = page.SyncSessionToken
  const written = yield* sync.updateRecords({
    IdentityPoolId,
    IdentityId,
    DatasetName: "settings",
    SyncSessionToken: token ?? "",
    RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0, DeviceLastModifiedDate: new Date() }]
  })
  const dates: Array<Date | undefined> = (written.Records ?? []).map((record) => record.LastModifiedDate)
  return dates
}).pipe(
  // The error channel lists the modeled errors by tag.
  Effect.catchTag("ResourceConflictException", (error) => Effect.succeed([error.requestId, error.status])),
  Effect.catchTag("CognitoSyncServiceError", (error) => Effect.succeed([error.code]))
)

export const runnable: Effect.Effect<unknown, CognitoSyncError.CognitoSyncError> = write.pipe(
  Effect.provide(client),
  Effect.provide(FetchHttpClient.layer)
)

export const operationNames: ReadonlyArray<Operations.OperationName> = ["ListRecords", "UpdateRecords"]
export const datasetName: string = Schemas.DatasetName.make("settings")
export const provider: Credentials.CredentialsInput = { accessKeyId: "a", secretAccessKey: "b" }

// "./local": the server in a scope, the in-process layer, the engine.
export const server: Effect.Effect<LocalServer.RunningServer, unknown, Scope.Scope> = LocalServer.start({ port: 0 })
export const local: Layer.Layer<CognitoSync.CognitoSync> = CognitoSyncLocal.layer
export const engine: Effect.Effect<LocalEngine.Engine> = CognitoSyncLocal.makeEngine()
export const credentials: ReadonlyArray<SigV4.KnownCredentials> = LocalServer.defaultCredentials

// "./sync": the manager over a memory store and the local layer.
export const device: Layer.Layer<SyncManager.SyncManager> = SyncManager.layer({
  identityPoolId: IdentityPoolId,
  identityId: IdentityId,
  conflictResolver: Conflict.lastWriterWins
}).pipe(Layer.provide(LocalStore.layerMemory), Layer.provide(local))

export const edit = Effect.gen(function*() {
  const settings = yield* (yield* SyncManager.SyncManager).openDataset("settings")
  yield* settings.put("theme", "dark")
  const theme: Option.Option<string> = yield* settings.get("theme")
  const all: ReadonlyMap<string, string> = yield* settings.getAll()
  const result: SyncManager.SyncResult = yield* settings.synchronize()
  return { theme, all, pushed: result.pushed }
}).pipe(
  Effect.catchTag("SyncRetriesExhausted", (error: SyncError.SyncRetriesExhausted) => Effect.die(error)),
  Effect.provide(device)
)

// A durable store on a Storage-like object: its type comes from an internal module of the package.
export const storage: LocalStore.StorageLike = {
  getItem: (key) => key,
  setItem: () => undefined,
  removeItem: () => undefined,
  length: 0
}
export const durable: Layer.Layer<LocalStore.LocalStore> = LocalStore.layerStorage(() => storage)
