// Runs in a scratch project where effect-cognito-sync is installed from its tarball (no devDependencies): imports
// the three entry points as ESM and uses one function of each. Copied there by scripts/check-package.sh.
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, Option } from "effect"
import { CognitoSync } from "effect-cognito-sync"
import { CognitoSyncLocal, LocalServer } from "effect-cognito-sync/local"
import { LocalStore, SyncManager } from "effect-cognito-sync/sync"

const IdentityPoolId = "us-east-1:0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10"
const IdentityId = "us-east-1:2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90"
const DatasetName = "settings"

const check = (condition, message) => {
  if (!condition) throw new Error(`smoke: ${message}`)
}

// "." and "./local": the HTTP client against the emulator's server on a free port, then the server stops.
const overHttp = Effect.gen(function*() {
  const { records, url } = yield* Effect.scoped(Effect.gen(function*() {
    const server = yield* LocalServer.start({ port: 0 })
    const records = yield* Effect.gen(function*() {
      const sync = yield* CognitoSync.CognitoSync
      const page = yield* sync.listRecords({ IdentityPoolId, IdentityId, DatasetName, LastSyncCount: 0 })
      const written = yield* sync.updateRecords({
        IdentityPoolId,
        IdentityId,
        DatasetName,
        SyncSessionToken: page.SyncSessionToken ?? "",
        RecordPatches: [{ Op: "replace", Key: "theme", Value: "dark", SyncCount: 0 }]
      })
      return written.Records ?? []
    }).pipe(
      Effect.provide(CognitoSync.layer({
        region: "us-east-1",
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
        endpoint: server.url,
        maxAttempts: 1
      })),
      Effect.provide(FetchHttpClient.layer)
    )
    return { records, url: server.url }
  }))
  check(records.length === 1 && records[0].Value === "dark", `updateRecords over HTTP gave ${JSON.stringify(records)}`)
  // The scope is closed: the server must be gone.
  const stopped = yield* Effect.promise(() => fetch(url).then(() => false, () => true))
  check(stopped, `the server at ${url} still answers after its scope closed`)
  return url
})

// "./sync" and "./local": two devices (two memory stores) syncing through one in-process engine.
const twoDevices = Effect.gen(function*() {
  const engine = yield* CognitoSyncLocal.makeEngine()
  const device = SyncManager.layer({ identityPoolId: IdentityPoolId, identityId: IdentityId }).pipe(
    Layer.provide(LocalStore.layerMemory),
    Layer.provide(CognitoSyncLocal.layerWith({ engine }))
  )
  const pushed = yield* Effect.gen(function*() {
    const settings = yield* (yield* SyncManager.SyncManager).openDataset(DatasetName)
    yield* settings.put("theme", "dark")
    return yield* settings.synchronize()
  }).pipe(Effect.provide(device))
  check(pushed.pushed.includes("theme"), `device A pushed ${JSON.stringify(pushed.pushed)}`)
  const theme = yield* Effect.gen(function*() {
    const settings = yield* (yield* SyncManager.SyncManager).openDataset(DatasetName)
    yield* settings.synchronize()
    return yield* settings.get("theme")
  }).pipe(Effect.provide(device))
  check(Option.getOrUndefined(theme) === "dark", `device B read ${String(Option.getOrUndefined(theme))}`)
  return pushed.syncCount
})

Effect.runPromise(Effect.all([overHttp, twoDevices])).then(
  ([url, syncCount]) => console.log(`smoke ok: server ${url} started and stopped; sync count ${syncCount}`),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
