/**
 * `npm start`: the library against the embedded emulator, no AWS account needed.
 *
 * It starts the local Cognito Sync server on a free port of 127.0.0.1, then:
 * 1. uses the client directly: writes a record, reads it back, writes with a stale sync count and catches the
 *    conflict by its tag;
 * 2. runs two devices (two sync managers, each with its own local store) that edit one dataset offline, one of
 *    them removing a key, and synchronize: the conflict on the same key is resolved by last-writer-wins, and both
 *    devices end with the same data as the server.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Console, Effect, Layer } from "effect"
import { CognitoSync } from "effect-cognito-sync"
import { LocalServer } from "effect-cognito-sync/local"
import { LocalStore, SyncManager } from "effect-cognito-sync/sync"

const identityPoolId = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000"
const identityId = "us-east-1:11111111-2222-3333-4444-555555555555"

const show = (values: ReadonlyMap<string, string>) =>
  Array.from(values).sort(([a], [b]) => a < b ? -1 : 1).map(([k, v]) => `${k}=${v}`).join(", ")

// Part 1: the client, one call at a time.
const clientStory = Effect.gen(function*() {
  const sync = yield* CognitoSync.CognitoSync
  const dataset = { IdentityPoolId: identityPoolId, IdentityId: identityId, DatasetName: "profile" }
  const page = yield* sync.listRecords({ ...dataset, LastSyncCount: 0 })
  yield* Console.log(
    `  listRecords on a new dataset: exists=${page.DatasetExists}, sync count ${page.DatasetSyncCount}`
  )
  const written = yield* sync.updateRecords({
    ...dataset,
    SyncSessionToken: page.SyncSessionToken ?? "",
    RecordPatches: [{ Op: "replace", Key: "name", Value: "Ada", SyncCount: 0, DeviceLastModifiedDate: new Date() }]
  })
  yield* Console.log(`  updateRecords name=Ada: record sync count ${written.Records?.[0]?.SyncCount}`)
  const again = yield* sync.listRecords({ ...dataset, LastSyncCount: 0 })
  yield* Console.log(`  listRecords: ${again.Records?.map((r) => `${r.Key}=${r.Value}`).join(", ")}`)
  yield* sync.updateRecords({
    ...dataset,
    SyncSessionToken: again.SyncSessionToken ?? "",
    RecordPatches: [{ Op: "replace", Key: "name", Value: "Grace", SyncCount: 0 }]
  }).pipe(
    Effect.catchTag(
      "ResourceConflictException",
      (conflict) =>
        Console.log(
          `  a write with a stale sync count: ${conflict._tag} (HTTP ${conflict.status}): ${conflict.message}`
        )
    )
  )
})

// Part 2: two devices, offline edits, synchronize.
const devicesStory = (server: LocalServer.RunningServer) =>
  Effect.gen(function*() {
    const client = CognitoSync.layer({
      region: "us-east-1",
      endpoint: server.url,
      credentials: { accessKeyId: "test", secretAccessKey: "test" }
    })
    // Each device: its own sync manager and local store, the same identity, the same server.
    const device = (deviceId: string) =>
      Effect.provide(
        SyncManager.SyncManager,
        SyncManager.layer({ identityPoolId, identityId, deviceId }).pipe(
          Layer.provide(Layer.mergeAll(client, LocalStore.layerMemory))
        )
      )
    const phone = yield* (yield* device("phone")).openDataset("settings")
    const laptop = yield* (yield* device("laptop")).openDataset("settings")

    yield* phone.putAll({ theme: "light", language: "en", draft: "hello" })
    const first = yield* phone.synchronize()
    yield* Console.log(
      `  phone saves theme, language, draft and syncs: pushed ${first.pushed.length}, sync count ${first.syncCount}`
    )
    const joined = yield* laptop.synchronize()
    yield* Console.log(`  laptop syncs: pulled ${joined.pulled.length} -> ${show(yield* laptop.getAll())}`)

    yield* Console.log("  both go offline and edit:")
    yield* phone.put("theme", "dark")
    yield* phone.remove("draft")
    yield* Console.log("    phone:  theme=dark, removes draft")
    yield* Effect.sleep("50 millis") // the laptop's edit comes later, so it is the last writer
    yield* laptop.put("theme", "solarized")
    yield* laptop.put("fontSize", "14")
    yield* Console.log("    laptop: theme=solarized (a moment later), fontSize=14")

    const phoneSync = yield* phone.synchronize()
    yield* Console.log(`  phone syncs: pushed ${[...phoneSync.pushed].sort().join(", ")}`)
    const laptopSync = yield* laptop.synchronize()
    for (const conflict of laptopSync.conflicts) {
      yield* Console.log(
        `  laptop syncs: conflict on "${conflict.key}": local "${conflict.local.value}" vs remote ` +
          `"${conflict.remote.value}" -> ${conflict.resolution._tag} (last writer wins)`
      )
    }
    yield* Console.log(
      `  laptop pulled ${[...laptopSync.pulled].sort().join(", ")}; pushed ${[...laptopSync.pushed].sort().join(", ")}`
    )
    yield* phone.synchronize()

    const onPhone = show(yield* phone.getAll())
    const onLaptop = show(yield* laptop.getAll())
    const snapshot = yield* server.engine.snapshot
    const onServer = show(
      new Map(
        Object.entries(snapshot[identityPoolId]?.[identityId]?.["settings"]?.records ?? {})
          .flatMap(([key, record]) => record.value === undefined ? [] : [[key, record.value] as const])
      )
    )
    yield* Console.log(`  phone:  ${onPhone}`)
    yield* Console.log(`  laptop: ${onLaptop}`)
    yield* Console.log(`  server: ${onServer}`)
    if (onPhone !== onLaptop || onPhone !== onServer) {
      return yield* Effect.dieMessage("the devices did not converge")
    }
    yield* Console.log("  all three hold the same data.")
  })

const main = Effect.gen(function*() {
  const server = yield* LocalServer.start({ port: 0 })
  yield* Console.log(`cognito-sync-local listening on ${server.url} (embedded, in this process)`)
  yield* Console.log("\n1. The client against the emulator")
  yield* clientStory.pipe(
    Effect.provide(CognitoSync.layer({
      region: "us-east-1",
      endpoint: server.url,
      credentials: { accessKeyId: "test", secretAccessKey: "test" }
    }))
  )
  yield* Console.log("\n2. Two devices, offline edits, synchronize")
  yield* devicesStory(server)
  yield* Console.log("\nDone.")
}).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))

NodeRuntime.runMain(main)
