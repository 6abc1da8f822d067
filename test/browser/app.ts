/**
 * The app of the browser end-to-end test: one program, run by a page in Chromium (`page.ts`) and by Node
 * (`browser.test.ts`), over the library's public entry points and `FetchHttpClient` only.
 *
 * One run is one app session on a device: it finds its Cognito Identity (the id an earlier session kept in the
 * storage, else GetId), opens a dataset from the durable store on that storage, applies some edits, optionally
 * synchronizes, and reports what it saw as plain JSON.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { CognitoIdentity, CognitoSync } from "effect-cognito-sync"
import { LocalStore, SyncManager } from "effect-cognito-sync/sync"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"

/**
 * What a run does.
 */
export interface AppOptions {
  /** The local server (Cognito Identity and Cognito Sync on one URL). */
  readonly endpoint: string
  readonly identityPoolId: string
  /** `localStorage` in a browser, {@link makeMemoryStorage} in Node. */
  readonly storage: AppStorage
  /** Names the device in reports. */
  readonly deviceLabel: string
  /** The user's identity provider tokens; none for a guest (unauthenticated identity). */
  readonly logins?: { readonly [provider: string]: string } | undefined
  /** Default "settings". */
  readonly datasetName?: string | undefined
  /** Values to put, in this order. */
  readonly put?: { readonly [key: string]: string } | undefined
  /** Keys to remove, after the puts. */
  readonly remove?: ReadonlyArray<string> | undefined
  /** Synchronize after the edits. Default true. */
  readonly sync?: boolean | undefined
}

/**
 * The storage the app uses: the durable store's part of Web Storage.
 */
export interface AppStorage extends LocalStore.StorageLike {}

/**
 * What a synchronize did, as JSON.
 */
export interface AppSyncReport {
  readonly syncCount: number
  readonly pulled: ReadonlyArray<string>
  readonly pushed: ReadonlyArray<string>
  readonly conflicts: ReadonlyArray<{ readonly key: string; readonly resolution: string }>
  readonly passes: number
}

/**
 * What a run saw, as JSON.
 */
export interface AppReport {
  readonly deviceLabel: string
  readonly runtime: "browser" | "node"
  readonly identityId: string
  /** The identity id came from the storage (an earlier session), not from GetId. */
  readonly identityReused: boolean
  /** `getAll()` right after opening the dataset: the local copy, before any edit or network call. */
  readonly opened: { readonly [key: string]: string }
  /** `getAll()` at the end of the run. */
  readonly values: { readonly [key: string]: string }
  readonly sync: AppSyncReport | undefined
  /** The engine's events, with the time (epoch ms) this run saw them. */
  readonly events: ReadonlyArray<{ readonly tag: string; readonly at: number }>
}

const identityKey = (identityPoolId: string) => `app/identityId/${identityPoolId}`

const toObject = (values: ReadonlyMap<string, string>): { [key: string]: string } => {
  // defineProperty, so that a key such as "__proto__" stays a plain entry.
  const out: { [key: string]: string } = {}
  for (const [key, value] of values) {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  }
  return out
}

/**
 * The app's session, as an Effect.
 */
export const program = (options: AppOptions): Effect.Effect<AppReport, unknown> =>
  Effect.gen(function*() {
    const region = "us-east-1"
    const saved = options.storage.getItem(identityKey(options.identityPoolId)) ?? undefined
    const identity = yield* CognitoIdentity.make({
      region,
      identityPoolId: options.identityPoolId,
      endpoint: options.endpoint,
      identityId: saved,
      logins: options.logins
    })
    // Signing in is a network step: Cognito may hand back the user's existing identity. A guest with a saved
    // identity needs no network before its data is on screen.
    if (options.logins !== undefined) yield* identity.credentials.resolve
    const identityId = yield* identity.identityId
    options.storage.setItem(identityKey(options.identityPoolId), identityId)

    const session = Effect.gen(function*() {
      const manager = yield* SyncManager.SyncManager
      // A guest who signed in to a user who already had an identity: the local data moves to that identity.
      if (saved !== undefined && saved !== identityId) yield* manager.linkIdentity(identityId)

      const events: Array<{ readonly tag: string; readonly at: number }> = []
      yield* manager.events.pipe(
        Stream.runForEach((event) => Effect.sync(() => events.push({ tag: event._tag, at: Date.now() }))),
        Effect.forkScoped
      )
      // Let the consumer subscribe before anything is published: the stream subscribes when its fiber starts,
      // and a timer fires only after the fibers already scheduled have run.
      yield* Effect.sleep("20 millis")

      const dataset = yield* manager.openDataset(options.datasetName ?? "settings")
      const opened = toObject(yield* dataset.getAll())
      for (const [key, value] of Object.entries(options.put ?? {})) yield* dataset.put(key, value)
      for (const key of options.remove ?? []) yield* dataset.remove(key)

      let sync: AppSyncReport | undefined
      if (options.sync !== false) {
        const result = yield* dataset.synchronize()
        sync = {
          syncCount: result.syncCount,
          pulled: result.pulled,
          pushed: result.pushed,
          conflicts: result.conflicts.map((conflict) => ({
            key: conflict.key,
            resolution: conflict.resolution._tag
          })),
          passes: result.passes
        }
      }
      const values = toObject(yield* dataset.getAll())
      // Let the consumer see the last event.
      yield* Effect.yieldNow()
      const report: AppReport = {
        deviceLabel: options.deviceLabel,
        runtime: typeof window === "undefined" ? "node" : "browser",
        identityId,
        identityReused: saved !== undefined && saved === identityId,
        opened,
        values,
        sync,
        events: events.slice()
      }
      return report
    })

    return yield* session.pipe(
      Effect.scoped,
      Effect.provide(SyncManager.layer({
        identityPoolId: options.identityPoolId,
        identityId: saved ?? identityId,
        authenticated: saved === undefined && options.logins !== undefined
      })),
      Effect.provide(LocalStore.layerStorage(() => options.storage)),
      Effect.provide(CognitoSync.layer({ region, endpoint: options.endpoint, credentials: identity.credentials }))
    )
  }).pipe(Effect.provide(FetchHttpClient.layer))

/**
 * Runs the app's session; a failure rejects with the pretty-printed cause.
 */
export const runApp = (options: AppOptions): Promise<AppReport> =>
  Effect.runPromiseExit(program(options)).then((exit) => {
    if (Exit.isSuccess(exit)) return exit.value
    throw new Error(`app ${options.deviceLabel} failed: ${Cause.pretty(exit.cause)}`)
  })

/**
 * A `Map`-backed Web Storage, for the Node run.
 */
export const makeMemoryStorage = (): AppStorage & {
  readonly key: (index: number) => string | null
  readonly clear: () => void
} => {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    key: (index) => Array.from(items.keys())[index] ?? null,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, String(value))
    },
    removeItem: (key) => {
      items.delete(key)
    },
    clear: () => items.clear()
  }
}
