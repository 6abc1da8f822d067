/**
 * The offline-first sync engine: open a dataset, read and edit it locally, and `synchronize` it with Cognito
 * Sync. The algorithm and every policy are described in `docs/sync.md`.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const manager = yield* SyncManager.SyncManager
 *   const settings = yield* manager.openDataset("settings")
 *   yield* settings.put("theme", "dark")
 *   const result = yield* settings.synchronize()
 * })
 * program.pipe(
 *   Effect.provide(SyncManager.layer({ identityPoolId, identityId })),
 *   Effect.provide(LocalStore.layerMemory),
 *   Effect.provide(CognitoSync.layer({ region, credentials })),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as CognitoSync from "../CognitoSync.js"
import type { CognitoSyncError } from "../CognitoSyncError.js"
import { publishedLimits, recordBytes } from "../internal/limits.js"
import * as Schemas from "../Schemas.js"
import * as Conflict from "./Conflict.js"
import * as LocalStore from "./LocalStore.js"
import { DeviceNotRegistered, IdentityChangeRefused, SyncRetriesExhausted, SyncValidationError } from "./SyncError.js"

// ---------------------------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------------------------

/**
 * What to do when the dataset was deleted on the server (by another device) since the last sync.
 *
 * - `keepLocalChanges` (default): drop the records that were synced, keep and push the edits not yet pushed;
 * - `deleteLocal`: drop everything, unpushed edits included (they are reported);
 * - `recreate`: keep everything and push it all back.
 *
 * @since 0.1.0
 * @category policies
 */
export type DatasetDeletedPolicy = "keepLocalChanges" | "deleteLocal" | "recreate"

/**
 * What to do with datasets merged in by identity linking (`<name>.<identityId>`).
 *
 * - `merge` (default): fold their records into this dataset (conflicts go through the resolver), push, then
 *   delete them on the server;
 * - `keep`: leave them and only report them.
 *
 * @since 0.1.0
 * @category policies
 */
export type DatasetsMergedPolicy = "merge" | "keep"

/**
 * Options of the manager.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly identityPoolId: string
  /** The identity, or an effect that finds it (Cognito Identity's GetId, for example). */
  readonly identityId: string | Effect.Effect<string, CognitoSyncError>
  /** Whether `identityId` is an authenticated identity. Default false. */
  readonly authenticated?: boolean | undefined
  /** Decides conflicts. Default: {@link Conflict.lastWriterWins}. */
  readonly conflictResolver?: Conflict.Resolver | undefined
  /** Default `keepLocalChanges`. */
  readonly onDatasetDeleted?: DatasetDeletedPolicy | undefined
  /** Default `merge`. */
  readonly onDatasetsMerged?: DatasetsMergedPolicy | undefined
  /** Passes one synchronize may make before it gives up. Default 5. */
  readonly maxPasses?: number | undefined
  /** The base of the backoff between passes. Default 100 ms (capped at 2 s). */
  readonly passBackoff?: Duration.DurationInput | undefined
  /** A device id sent with every push; the registered push device id by default. */
  readonly deviceId?: string | undefined
}

/**
 * A record of the local copy, with its metadata.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordInfo {
  readonly key: string
  /** Undefined when the key is deleted. */
  readonly value: string | undefined
  /** The record's last known server sync count (0: not yet on the server). */
  readonly syncCount: number
  /** An edit not yet pushed. */
  readonly modified: boolean
  readonly lastModifiedBy: string | undefined
  readonly lastModifiedDate: Date | undefined
  readonly deviceLastModifiedDate: Date | undefined
}

/**
 * A conflict and how it ended.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedConflict {
  readonly key: string
  readonly resolution: Conflict.Resolution
  readonly local: Conflict.Side
  readonly remote: Conflict.Side
}

/**
 * What a synchronize did.
 *
 * @since 0.1.0
 * @category models
 */
export interface SyncResult {
  readonly datasetName: string
  /** The server sync count the local copy caught up with. */
  readonly syncCount: number
  /** Keys the pull changed locally. */
  readonly pulled: ReadonlyArray<string>
  /** Keys pushed to the server. */
  readonly pushed: ReadonlyArray<string>
  readonly conflicts: ReadonlyArray<ResolvedConflict>
  /** The dataset had been deleted on the server; what the policy did. */
  readonly deletedRemotely:
    | { readonly policy: DatasetDeletedPolicy; readonly dropped: ReadonlyArray<string> }
    | undefined
  /** Merged datasets folded into this one (and deleted on the server). */
  readonly merged: ReadonlyArray<string>
  /** The dataset was deleted locally; the deletion reached the server. */
  readonly deleted: boolean
  /** Passes made (1 when nothing had to start over). */
  readonly passes: number
}

/**
 * What the engine reports while it works.
 *
 * @since 0.1.0
 * @category events
 */
export type SyncEvent =
  | { readonly _tag: "SyncStarted"; readonly datasetName: string }
  | { readonly _tag: "Pulled"; readonly datasetName: string; readonly records: number; readonly syncCount: number }
  | {
    readonly _tag: "Conflict"
    readonly datasetName: string
    readonly key: string
    readonly resolution: Conflict.Resolution
  }
  | { readonly _tag: "Pushed"; readonly datasetName: string; readonly records: number }
  | { readonly _tag: "Retried"; readonly datasetName: string; readonly pass: number; readonly reason: string }
  | {
    readonly _tag: "DatasetDeletedRemotely"
    readonly datasetName: string
    readonly policy: DatasetDeletedPolicy
    readonly dropped: ReadonlyArray<string>
  }
  | { readonly _tag: "DatasetsMerged"; readonly datasetName: string; readonly merged: ReadonlyArray<string> }
  | { readonly _tag: "SyncFinished"; readonly datasetName: string; readonly result: SyncResult }
  | { readonly _tag: "SyncFailed"; readonly datasetName: string; readonly error: SyncError }

/**
 * How a synchronize can fail.
 *
 * @since 0.1.0
 * @category errors
 */
export type SyncError = CognitoSyncError | LocalStore.LocalStoreError | SyncRetriesExhausted

/**
 * How a local edit can fail.
 *
 * @since 0.1.0
 * @category errors
 */
export type EditError = SyncValidationError | LocalStore.LocalStoreError | CognitoSyncError

/**
 * A handle on one dataset. Handles of one name share state and one sync lock.
 *
 * @since 0.1.0
 * @category models
 */
export interface Dataset {
  readonly name: string
  /** The value of a key, if it has one. */
  readonly get: (key: string) => Effect.Effect<Option.Option<string>, EditError>
  /** Every live key and value. */
  readonly getAll: () => Effect.Effect<ReadonlyMap<string, string>, EditError>
  /** A record with its metadata, deleted ones included. */
  readonly getRecord: (key: string) => Effect.Effect<Option.Option<RecordInfo>, EditError>
  /** Every record with its metadata, deleted ones included. */
  readonly getRecords: () => Effect.Effect<ReadonlyArray<RecordInfo>, EditError>
  /** Sets a value. */
  readonly put: (key: string, value: string) => Effect.Effect<void, EditError>
  /** Sets several values at once (one save). */
  readonly putAll: (
    entries: Iterable<readonly [string, string]> | { readonly [key: string]: string }
  ) => Effect.Effect<void, EditError>
  /** Deletes a key (a real deletion, pushed as `remove`). */
  readonly remove: (key: string) => Effect.Effect<void, EditError>
  /** Deletes the whole dataset, here and, at the next synchronize, on the server. */
  readonly delete: () => Effect.Effect<void, EditError>
  /** The server sync count the local copy has caught up with. */
  readonly lastSyncCount: () => Effect.Effect<number, EditError>
  /** Whether the copy has edits not yet pushed. */
  readonly hasPendingChanges: () => Effect.Effect<boolean, EditError>
  /** Pulls, resolves, pushes; see docs/sync.md. */
  readonly synchronize: () => Effect.Effect<SyncResult, SyncError>
  /** Subscribes the registered push device to this dataset's changes. */
  readonly subscribe: () => Effect.Effect<void, CognitoSyncError | LocalStore.LocalStoreError | DeviceNotRegistered>
  /** Unsubscribes the registered push device. */
  readonly unsubscribe: () => Effect.Effect<void, CognitoSyncError | LocalStore.LocalStoreError | DeviceNotRegistered>
}

/**
 * A silent push from Cognito Sync.
 *
 * @since 0.1.0
 * @category models
 */
export interface PushPayload {
  readonly source: string
  readonly identityPoolId: string
  readonly identityId: string
  readonly datasetName: string
  readonly syncCount: number | string
}

/**
 * The manager.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Opens (creating locally if needed) a dataset. Idempotent; needs no Scope. */
  readonly openDataset: (name: string) => Effect.Effect<Dataset, EditError>
  /** The names of the local datasets of the current identity. */
  readonly listDatasets: () => Effect.Effect<ReadonlyArray<string>, EditError>
  /** The current identity. */
  readonly identityId: Effect.Effect<string, CognitoSyncError>
  /**
   * The unauthenticated identity logged in and became `authenticatedIdentityId`: local datasets move to it, all
   * records marked for push. Refused when the current identity is already authenticated.
   */
  readonly linkIdentity: (
    authenticatedIdentityId: string
  ) => Effect.Effect<void, IdentityChangeRefused | LocalStore.LocalStoreError | CognitoSyncError>
  /** Clears every local dataset of the current identity (on sign-out). */
  readonly wipe: () => Effect.Effect<void, LocalStore.LocalStoreError | CognitoSyncError>
  /** Registers this device for push sync and keeps its device id. */
  readonly registerDevice: (
    platform: Schema.Schema.Type<typeof Schemas.Platform>,
    token: string
  ) => Effect.Effect<string, CognitoSyncError | LocalStore.LocalStoreError>
  /** Synchronizes the dataset a push names, if the local copy is behind it. */
  readonly handlePush: (
    payload: PushPayload
  ) => Effect.Effect<Option.Option<SyncResult>, SyncError | SyncValidationError>
  /** Events of every dataset's syncs, from when the stream starts running. */
  readonly events: Stream.Stream<SyncEvent>
  /**
   * A subscription to the events that starts now (the stream above starts only when it runs): every event
   * published after this returns is in the queue, until the scope closes.
   */
  readonly subscribe: Effect.Effect<Queue.Dequeue<SyncEvent>, never, Scope.Scope>
}

/**
 * The manager's tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class SyncManager extends Context.Tag("effect-cognito-sync/SyncManager")<SyncManager, Service>() {}

// ---------------------------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------------------------

type LocalRecord = LocalStore.LocalRecord
type LocalDataset = LocalStore.LocalDataset

interface Runtime {
  readonly key: LocalStore.DatasetKey
  readonly state: Ref.Ref<LocalDataset>
  /** Serializes changes to the copy and their saves. */
  readonly edit: Effect.Semaphore
  /** Serializes synchronize runs. */
  readonly syncLock: Effect.Semaphore
  readonly tickets: { requested: number; covered: number; last: Exit.Exit<SyncResult, SyncError> | undefined }
}

const validateName = (name: string): Either.Either<string, SyncValidationError> =>
  Either.mapLeft(
    Schema.decodeUnknownEither(Schemas.DatasetName)(name),
    () =>
      new SyncValidationError({
        datasetName: name,
        path: "datasetName",
        message: "a dataset name has 1 to 128 characters of a-z, A-Z, 0-9, '_', '.', ':' and '-'"
      })
  )

const emptyDataset = (key: LocalStore.DatasetKey): LocalDataset => ({
  identityPoolId: key.identityPoolId,
  identityId: key.identityId,
  name: key.name,
  lastSyncCount: 0,
  deletedLocally: false,
  localVersion: 0,
  records: {}
})

const recordInfo = (record: LocalRecord): RecordInfo => ({
  key: record.key,
  value: record.value,
  syncCount: record.syncCount,
  modified: record.modified,
  lastModifiedBy: record.lastModifiedBy,
  lastModifiedDate: record.lastModifiedDate === undefined ? undefined : new Date(record.lastModifiedDate),
  deviceLastModifiedDate: record.deviceLastModifiedDate === undefined
    ? undefined
    : new Date(record.deviceLastModifiedDate)
})

const side = (record: LocalRecord | undefined): Conflict.Side => ({
  value: record?.value,
  syncCount: record?.syncCount ?? 0,
  deviceLastModifiedDate: record?.deviceLastModifiedDate,
  lastModifiedDate: record?.lastModifiedDate,
  lastModifiedBy: record?.lastModifiedBy
})

/** A remote record as a clean local record. */
const fromRemote = (remote: Schemas.Record, key: string, localVersion: number): LocalRecord => ({
  key,
  ...(remote.Value === undefined ? {} : { value: remote.Value }),
  syncCount: remote.SyncCount ?? 0,
  modified: false,
  localVersion,
  ...(remote.DeviceLastModifiedDate === undefined
    ? {}
    : { deviceLastModifiedDate: remote.DeviceLastModifiedDate.getTime() }),
  ...(remote.LastModifiedDate === undefined ? {} : { lastModifiedDate: remote.LastModifiedDate.getTime() }),
  ...(remote.LastModifiedBy === undefined ? {} : { lastModifiedBy: remote.LastModifiedBy })
})

const remoteSide = (remote: Schemas.Record): Conflict.Side => ({
  value: remote.Value,
  syncCount: remote.SyncCount ?? 0,
  deviceLastModifiedDate: remote.DeviceLastModifiedDate?.getTime(),
  lastModifiedDate: remote.LastModifiedDate?.getTime(),
  lastModifiedBy: remote.LastModifiedBy
})

/** A local edit (modified) of `key` to `value`, based on `syncCount`. */
const edited = (
  record: LocalRecord | undefined,
  key: string,
  value: string | undefined,
  syncCount: number,
  localVersion: number,
  now: number
): LocalRecord => ({
  key,
  ...(value === undefined ? {} : { value }),
  syncCount,
  modified: true,
  localVersion,
  deviceLastModifiedDate: now,
  ...(record?.lastModifiedDate === undefined ? {} : { lastModifiedDate: record.lastModifiedDate }),
  ...(record?.lastModifiedBy === undefined ? {} : { lastModifiedBy: record.lastModifiedBy })
})

const withRecord = (dataset: LocalDataset, record: LocalRecord): LocalDataset => ({
  ...dataset,
  records: { ...dataset.records, [record.key]: record }
})

const getRecord = (dataset: LocalDataset, key: string): LocalRecord | undefined =>
  Object.prototype.hasOwnProperty.call(dataset.records, key) ? dataset.records[key] : undefined

const liveSize = (dataset: LocalDataset): { readonly records: number; readonly bytes: number } => {
  let records = 0
  let bytes = 0
  for (const record of Object.values(dataset.records)) {
    if (record.value === undefined) continue
    records++
    bytes += recordBytes(record)
  }
  return { records, bytes }
}

const isNoSuchSyncCount = (error: CognitoSyncError): boolean =>
  error._tag === "InvalidParameterException" && /No such SyncCount/i.test(error.message)

const describe = (error: CognitoSyncError): string => `${error._tag}: ${error.message}`

type PassOutcome = { readonly _tag: "Done" } | { readonly _tag: "Again"; readonly reason: string }
const done: PassOutcome = { _tag: "Done" }
const again = (reason: string): PassOutcome => ({ _tag: "Again", reason })

/** The part of the Web Locks API (`navigator.locks`) the engine uses. */
interface WebLocks {
  readonly request: (
    name: string,
    options: { readonly signal: AbortSignal },
    callback: () => Promise<void> | undefined
  ) => Promise<unknown>
}

const webLocks = (): WebLocks | undefined => {
  const locks = (globalThis as { readonly navigator?: { readonly locks?: WebLocks | undefined } }).navigator?.locks
  return typeof locks?.request === "function" ? locks : undefined
}

/**
 * Runs `self` holding the Web Lock `name` where the runtime has Web Locks (browsers), so that two tabs sharing
 * one store never run it at once; elsewhere runs it as is. Interrupted while waiting, it withdraws the request;
 * the lock is released when `self` ends, however it ends. A runtime that refuses the request (for example an
 * opaque origin) runs `self` without the lock.
 */
const withWebLock = (name: string) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const locks = webLocks()
  if (locks === undefined) return self
  const acquire = Effect.async<() => void>((resume) => {
    const controller = new AbortController()
    let cancelled = false
    let release: (() => void) | undefined
    locks.request(name, { signal: controller.signal }, () => {
      if (cancelled) return undefined
      return new Promise<void>((resolve) => {
        release = resolve
        resume(Effect.succeed(resolve))
      })
    }).catch(() => {
      if (!cancelled) resume(Effect.succeed(() => {}))
    })
    return Effect.sync(() => {
      cancelled = true
      controller.abort()
      release?.()
    })
  })
  return Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(restore(acquire), (release) => Effect.ensuring(restore(self), Effect.sync(release)))
  )
}

/**
 * Makes the manager.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<Service, never, CognitoSync.CognitoSync | LocalStore.LocalStore> =>
  Effect.gen(function*() {
    const client = yield* CognitoSync.CognitoSync
    const store = yield* LocalStore.LocalStore
    const events = yield* PubSub.sliding<SyncEvent>(4096)
    const resolver = options.conflictResolver ?? Conflict.lastWriterWins
    const deletedPolicy = options.onDatasetDeleted ?? "keepLocalChanges"
    const mergedPolicy = options.onDatasetsMerged ?? "merge"
    const maxPasses = Math.max(1, options.maxPasses ?? 5)
    const backoffBase = Duration.toMillis(options.passBackoff ?? Duration.millis(100))
    const poolId = options.identityPoolId

    const publish = (event: SyncEvent) => PubSub.publish(events, event)

    // The identity: fixed, or found once by an effect; changed by linkIdentity.
    const identityRef = yield* Ref.make<Option.Option<string>>(
      typeof options.identityId === "string" ? Option.some(options.identityId) : Option.none()
    )
    const identityLock = yield* Effect.makeSemaphore(1)
    const identityId: Effect.Effect<string, CognitoSyncError> = Effect.flatMap(
      Ref.get(identityRef),
      Option.match({
        onSome: Effect.succeed,
        onNone: () =>
          identityLock.withPermits(1)(Effect.flatMap(Ref.get(identityRef), (current) =>
            Option.isSome(current) || typeof options.identityId === "string"
              ? Effect.succeed(Option.getOrElse(current, () =>
                ""))
              : Effect.tap(options.identityId, (id) =>
                Ref.set(identityRef, Option.some(id)))))
      })
    )

    const runtimes = new Map<string, Runtime>()
    const runtimesLock = yield* Effect.makeSemaphore(1)

    const runtimeFor = (name: string): Effect.Effect<Runtime, CognitoSyncError | LocalStore.LocalStoreError> =>
      Effect.flatMap(identityId, (identity) => {
        const key: LocalStore.DatasetKey = { identityPoolId: poolId, identityId: identity, name }
        const id = JSON.stringify([identity, name])
        const existing = runtimes.get(id)
        if (existing !== undefined) {
          return Effect.succeed(existing)
        }
        return runtimesLock.withPermits(1)(Effect.suspend(() => {
          const again = runtimes.get(id)
          if (again !== undefined) {
            return Effect.succeed(again)
          }
          return Effect.gen(function*() {
            const loaded = yield* store.load(key)
            const runtime: Runtime = {
              key,
              state: yield* Ref.make(Option.getOrElse(loaded, () =>
                emptyDataset(key))),
              edit: yield* Effect.makeSemaphore(1),
              syncLock: yield* Effect.makeSemaphore(1),
              tickets: { requested: 0, covered: 0, last: undefined }
            }
            runtimes.set(id, runtime)
            return runtime
          })
        }))
      })

    /**
     * Changes the copy and saves it, atomically with respect to other changes. The save comes first. With a shared
     * store (another tab or process may have saved since), the change applies to the copy as last saved, under a
     * cross-tab lock, so their edits are kept rather than overwritten.
     */
    const mutate = <A, E = never>(
      runtime: Runtime,
      f: (dataset: LocalDataset, now: number) => Either.Either<readonly [A, LocalDataset], E>
    ): Effect.Effect<A, E | LocalStore.LocalStoreError> =>
      runtime.edit.withPermits(1)(withEditLock(
        runtime,
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          if (store.shared === true) {
            const saved = yield* store.load(runtime.key)
            if (Option.isSome(saved)) yield* Ref.set(runtime.state, saved.value)
          }
          const current = yield* Ref.get(runtime.state)
          const result = f(current, now)
          if (Either.isLeft(result)) return yield* Effect.fail(result.left)
          const [value, next] = result.right
          if (next !== current) {
            yield* store.save(next)
            yield* Ref.set(runtime.state, next)
          }
          return value
        })
      ))

    const withEditLock = <A, E>(runtime: Runtime, effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      store.shared === true
        ? withWebLock(`effect-cognito-sync/edit:${JSON.stringify([poolId, runtime.key.identityId, runtime.key.name])}`)(
          effect
        )
        : effect

    // ----- local edits ---------------------------------------------------------------------------------------

    const checkLimits = (dataset: LocalDataset): Either.Either<LocalDataset, SyncValidationError> => {
      const size = liveSize(dataset)
      if (size.records > publishedLimits.recordsPerDataset) {
        return Either.left(
          new SyncValidationError({
            datasetName: dataset.name,
            path: "records",
            message: `a dataset holds at most ${publishedLimits.recordsPerDataset} records`
          })
        )
      }
      if (size.bytes > publishedLimits.bytesPerDataset) {
        return Either.left(
          new SyncValidationError({
            datasetName: dataset.name,
            path: "size",
            message: `a dataset holds at most ${publishedLimits.bytesPerDataset} bytes of keys and values (UTF-8)`
          })
        )
      }
      return Either.right(dataset)
    }

    const validKey = Schema.decodeUnknownEither(Schemas.RecordKey)
    const validValue = Schema.decodeUnknownEither(Schemas.RecordValue)

    const writeValues = (
      runtime: Runtime,
      entries: ReadonlyArray<readonly [string, string | undefined]>
    ): Effect.Effect<void, EditError> =>
      mutate(runtime, (dataset, now) => {
        // An edit after a delete of the dataset keeps the delete pending: the sync deletes the old dataset, then
        // pushes the records written since.
        let next: LocalDataset = dataset
        let version = dataset.localVersion
        for (const [key, value] of entries) {
          if (Either.isLeft(validKey(key))) {
            return Either.left(
              new SyncValidationError({
                datasetName: dataset.name,
                path: "key",
                message: "a record key has 1 to 1024 characters"
              })
            )
          }
          if (value !== undefined && (typeof value !== "string" || Either.isLeft(validValue(value)))) {
            return Either.left(
              new SyncValidationError({
                datasetName: dataset.name,
                path: "value",
                message: "a record value is a string of at most 1048575 characters"
              })
            )
          }
          const record = getRecord(next, key)
          if (record !== undefined && record.value === value) continue
          if (record === undefined && value === undefined) continue
          version++
          next = withRecord(next, edited(record, key, value, record?.syncCount ?? 0, version, now))
        }
        if (next === dataset) return Either.right([undefined, dataset] as const)
        return Either.map(checkLimits({ ...next, localVersion: version }), (checked) => [undefined, checked] as const)
      })

    /** A put's values must be strings: JavaScript callers can pass anything, and `undefined` is not a removal. */
    const putValues = (
      runtime: Runtime,
      entries: ReadonlyArray<readonly [string, string]>
    ): Effect.Effect<void, EditError> =>
      entries.every(([, value]) => typeof value === "string")
        ? writeValues(runtime, entries)
        : Effect.fail(
          new SyncValidationError({
            datasetName: runtime.key.name,
            path: "value",
            message: "a record value is a string of at most 1048575 characters"
          })
        )

    // ----- synchronize ---------------------------------------------------------------------------------------

    const pullAll = (runtime: Runtime, name: string, lastSyncCount: number) =>
      Stream.runCollect(
        client.listRecordsPages({
          IdentityPoolId: poolId,
          IdentityId: runtime.key.identityId,
          DatasetName: name,
          LastSyncCount: lastSyncCount
        })
      ).pipe(Effect.map((chunk) => Array.from(chunk)))

    const deviceIdOf = (identity: string) =>
      options.deviceId !== undefined
        ? Effect.succeed(options.deviceId)
        : Effect.map(
          store.loadIdentity(poolId, identity),
          (info) => Option.getOrUndefined(Option.flatMapNullable(info, (i) => i.deviceId))
        )

    interface Report {
      pulled: Set<string>
      pushed: Set<string>
      conflicts: Array<ResolvedConflict>
      deletedRemotely: SyncResult["deletedRemotely"]
      merged: Set<string>
      pendingMergedDeletes: Set<string>
      deleted: boolean
    }

    /** Applies the deleted-dataset policy to the copy. */
    const applyDeletedPolicy = (runtime: Runtime, report: Report) =>
      Effect.tap(
        mutate(runtime, (dataset) => {
          const kept: Array<readonly [string, LocalRecord]> = []
          const dropped: Array<string> = []
          for (const record of Object.values(dataset.records)) {
            const keep = deletedPolicy === "recreate"
              ? record.value !== undefined || record.modified
              : deletedPolicy === "keepLocalChanges" && record.modified
            if (keep) {
              // The server's dataset is gone: every kept record is new to it.
              kept.push([record.key, { ...record, syncCount: 0, modified: true }])
            } else if (record.value !== undefined || record.modified) dropped.push(record.key)
          }
          // fromEntries defines own properties, so a key such as "__proto__" stays a record.
          const records = Object.fromEntries(kept)
          return Either.right([dropped, { ...dataset, lastSyncCount: 0, records }] as const)
        }),
        (dropped) => {
          report.deletedRemotely = { policy: deletedPolicy, dropped }
          return publish({
            _tag: "DatasetDeletedRemotely",
            datasetName: runtime.key.name,
            policy: deletedPolicy,
            dropped
          })
        }
      )

    /** Asks the resolver about a conflict, and reports it in the result and the events. */
    const resolveConflict = (
      runtime: Runtime,
      report: Report,
      key: string,
      local: LocalRecord,
      remote: Schemas.Record
    ) =>
      Effect.gen(function*() {
        const conflict: Conflict.Conflict = {
          datasetName: runtime.key.name,
          key,
          local: side(local),
          remote: remoteSide(remote)
        }
        const resolution = yield* resolver(conflict)
        report.conflicts.push({ key, resolution, local: conflict.local, remote: conflict.remote })
        yield* publish({ _tag: "Conflict", datasetName: runtime.key.name, key, resolution })
        return resolution
      })

    /** Merges pulled records into the copy, resolving conflicts. */
    const applyPull = (
      runtime: Runtime,
      remote: ReadonlyArray<Schemas.Record>,
      base: number,
      fullPull: boolean,
      report: Report
    ) =>
      Effect.gen(function*() {
        const snapshot = yield* Ref.get(runtime.state)
        // Decide conflicts first: the resolver is an effect and may take its time.
        const resolutions = new Map<string, { readonly version: number; readonly resolution: Conflict.Resolution }>()
        for (const record of remote) {
          const key = record.Key
          if (key === undefined) continue
          const local = getRecord(snapshot, key)
          if (local === undefined || !local.modified) continue
          if ((record.SyncCount ?? 0) === local.syncCount) continue
          if (record.Value === local.value) continue
          const resolution = yield* resolveConflict(runtime, report, key, local, record)
          resolutions.set(key, { version: local.localVersion, resolution })
        }
        yield* mutate(runtime, (dataset, now) => {
          let next = dataset
          let version = dataset.localVersion
          const seen = new Set<string>()
          for (const record of remote) {
            const key = record.Key
            if (key === undefined) continue
            seen.add(key)
            const current = getRecord(next, key)
            const remoteCount = record.SyncCount ?? 0
            if (current === undefined || !current.modified) {
              if (current === undefined && record.Value === undefined) {
                // A deletion of a key this device never had: remember the tombstone, nothing changed.
                next = withRecord(next, fromRemote(record, key, 0))
                continue
              }
              if (current?.value !== record.Value || current?.syncCount !== remoteCount) report.pulled.add(key)
              next = withRecord(next, fromRemote(record, key, current?.localVersion ?? 0))
              continue
            }
            if (remoteCount === current.syncCount) continue
            if (record.Value === current.value) {
              next = withRecord(next, fromRemote(record, key, current.localVersion))
              continue
            }
            const decided = resolutions.get(key)
            if (decided === undefined || decided.version !== current.localVersion) {
              // Edited after the conflict was decided (or the conflict is new): the newest edit wins, rebased.
              next = withRecord(next, { ...current, syncCount: remoteCount })
              continue
            }
            switch (decided.resolution._tag) {
              case "UseRemote":
                report.pulled.add(key)
                next = withRecord(next, fromRemote(record, key, current.localVersion))
                break
              case "UseLocal":
                next = withRecord(next, { ...current, syncCount: remoteCount })
                break
              case "UseValue": {
                const value = decided.resolution.value
                if (value === record.Value) {
                  next = withRecord(next, fromRemote(record, key, current.localVersion))
                } else {
                  version++
                  next = withRecord(next, edited(current, key, value, remoteCount, version, now))
                }
                break
              }
            }
          }
          if (fullPull) {
            // The server lacks these records altogether: keep them and push them back rather than lose them.
            for (const record of Object.values(next.records)) {
              if (seen.has(record.key) || record.syncCount === 0) continue
              if (record.value === undefined && !record.modified) continue
              next = withRecord(next, { ...record, syncCount: 0, modified: true })
            }
          }
          return Either.right([undefined, { ...next, localVersion: version, lastSyncCount: base, lastSyncDate: now }])
        })
      })

    /** Folds merged datasets into the copy. */
    const applyMerged = (runtime: Runtime, names: ReadonlyArray<string>, report: Report) =>
      Effect.gen(function*() {
        for (const mergedName of names) {
          if (mergedName === runtime.key.name || report.pendingMergedDeletes.has(mergedName)) continue
          const pages = yield* pullAll(runtime, mergedName, 0)
          const incoming = pages.flatMap((page) => page.Records ?? []).filter((r) =>
            r.Key !== undefined && r.Value !== undefined
          )
          for (const record of incoming) {
            const key = record.Key!
            const local = getRecord(yield* Ref.get(runtime.state), key)
            let value: string | undefined = record.Value
            if (local?.value !== undefined && local.value !== record.Value) {
              const resolution = yield* resolveConflict(runtime, report, key, local, record)
              value = resolution._tag === "UseRemote"
                ? record.Value
                : resolution._tag === "UseLocal"
                ? local.value
                : resolution.value
            } else if (local?.value === record.Value) continue
            yield* mutate(runtime, (dataset, now) => {
              const current = getRecord(dataset, key)
              if (current?.value === value) return Either.right([undefined, dataset] as const)
              const version = dataset.localVersion + 1
              return Either.right(
                [
                  undefined,
                  {
                    ...withRecord(dataset, {
                      ...edited(current, key, value, current?.syncCount ?? 0, version, now),
                      deviceLastModifiedDate: record.DeviceLastModifiedDate?.getTime() ?? now
                    }),
                    localVersion: version
                  }
                ] as const
              )
            })
          }
          report.merged.add(mergedName)
          report.pendingMergedDeletes.add(mergedName)
        }
        yield* publish({ _tag: "DatasetsMerged", datasetName: runtime.key.name, merged: names })
      })

    const deleteMergedOnServer = (runtime: Runtime, report: Report) =>
      Effect.forEach(report.pendingMergedDeletes, (mergedName) =>
        client.deleteDataset({
          IdentityPoolId: poolId,
          IdentityId: runtime.key.identityId,
          DatasetName: mergedName
        }).pipe(
          Effect.catchTag("ResourceNotFoundException", () => Effect.void),
          Effect.tap(() => Effect.sync(() => report.pendingMergedDeletes.delete(mergedName)))
        ), { discard: true })

    const pass = (runtime: Runtime, report: Report): Effect.Effect<PassOutcome, SyncError> =>
      Effect.gen(function*() {
        const name = runtime.key.name
        let local = yield* Ref.get(runtime.state)
        const ids = { IdentityPoolId: poolId, IdentityId: runtime.key.identityId, DatasetName: name }

        if (local.deletedLocally) {
          // A delete whose answer was lost may have been applied: applying it again could delete data written
          // since by other devices. So ask first: a dataset deleted after this copy's count (or not there at all)
          // needs no delete. Otherwise note the count the delete is sent at, so that a retry can tell.
          const probe = yield* client.listRecords({ ...ids, LastSyncCount: local.lastSyncCount, MaxResults: 1 }).pipe(
            Effect.map(Option.some),
            Effect.catchIf(isNoSuchSyncCount, () => Effect.succeedNone)
          )
          const needed = Option.match(probe, {
            onNone: () => true,
            onSome: (page) => page.DatasetExists === true && page.DatasetDeletedAfterRequestedSyncCount !== true
          })
          if (needed) {
            const count = Option.match(probe, {
              onNone: () => local.lastSyncCount,
              onSome: (page) => page.DatasetSyncCount ?? local.lastSyncCount
            })
            yield* mutate(runtime, (dataset) =>
              Either.right(
                [undefined, dataset.lastSyncCount === count ? dataset : { ...dataset, lastSyncCount: count }] as const
              ))
            yield* client.deleteDataset(ids).pipe(Effect.catchTag("ResourceNotFoundException", () => Effect.void))
          }
          report.deleted = true
          // Forget the copy, but not the edits made since the delete: they start the dataset anew.
          local = yield* runtime.edit.withPermits(1)(Effect.gen(function*() {
            const current = yield* Ref.get(runtime.state)
            const kept = Object.values(current.records).filter((record) => record.modified)
            const next: LocalDataset = {
              ...emptyDataset(runtime.key),
              localVersion: current.localVersion,
              records: Object.fromEntries(kept.map((record) => [record.key, { ...record, syncCount: 0 }]))
            }
            if (kept.length === 0) yield* store.remove(runtime.key)
            else yield* store.save(next)
            yield* Ref.set(runtime.state, next)
            return next
          }))
          if (Object.keys(local.records).length === 0) return done
        }

        const pulled = yield* Effect.either(pullAll(runtime, name, local.lastSyncCount))
        if (Either.isLeft(pulled)) {
          const error = pulled.left
          if (!isNoSuchSyncCount(error)) return yield* Effect.fail(error)
          // The server's counts are not the ones this copy knows (a record may even have the same count and another
          // value): every value and every unpushed edit becomes an edit on count 0, so the full pull takes the
          // server's record where it holds the same value, resolves a conflict where it differs, and pushes back
          // what the server lacks.
          yield* mutate(runtime, (dataset) => {
            const records = Object.fromEntries(
              Object.values(dataset.records).map((record) =>
                [
                  record.key,
                  record.value === undefined && !record.modified
                    ? record
                    : { ...record, syncCount: 0, modified: true }
                ] as const
              )
            )
            return Either.right([undefined, { ...dataset, lastSyncCount: 0, records }] as const)
          })
          return again("the server is behind this device (No such SyncCount): pulling everything")
        }
        const pages = pulled.right
        const first = pages[0]!
        const base = first.DatasetSyncCount ?? 0
        const token = first.SyncSessionToken
        const remote = pages.flatMap((page) => page.Records ?? [])
        yield* publish({ _tag: "Pulled", datasetName: name, records: remote.length, syncCount: base })

        if (
          first.DatasetDeletedAfterRequestedSyncCount === true ||
          (local.lastSyncCount > 0 && first.DatasetExists !== true)
        ) {
          yield* applyDeletedPolicy(runtime, report)
          return again("the dataset was deleted on the server")
        }

        yield* applyPull(runtime, remote, base, local.lastSyncCount === 0, report)

        const mergedNames = (first.MergedDatasetNames ?? []).filter((n) => n !== name)
        if (mergedNames.length > 0 && mergedPolicy === "merge") yield* applyMerged(runtime, mergedNames, report)
        else if (mergedNames.length > 0) {
          for (const n of mergedNames) report.merged.add(n)
          yield* publish({ _tag: "DatasetsMerged", datasetName: name, merged: mergedNames })
        }

        const snapshot = yield* Ref.get(runtime.state)
        const modified = Object.values(snapshot.records).filter((record) => record.modified)
        if (modified.length === 0) {
          yield* deleteMergedOnServer(runtime, report)
          return done
        }
        if (token === undefined) return again("ListRecords returned no SyncSessionToken")

        const deviceId = yield* deviceIdOf(runtime.key.identityId)
        const pushedVersions = new Map(modified.map((record) => [record.key, record.localVersion]))
        const pushed = yield* Effect.either(client.updateRecords({
          ...ids,
          SyncSessionToken: token,
          ...(deviceId === undefined ? {} : { DeviceId: deviceId }),
          RecordPatches: modified.map((record) => ({
            Op: record.value === undefined ? "remove" as const : "replace" as const,
            Key: record.key,
            ...(record.value === undefined ? {} : { Value: record.value }),
            SyncCount: record.syncCount,
            DeviceLastModifiedDate: new Date(record.deviceLastModifiedDate ?? 0)
          }))
        }))
        if (Either.isLeft(pushed)) {
          const error = pushed.left
          switch (error._tag) {
            case "ResourceConflictException":
              return again(`another device wrote first (${error.message})`)
            case "InvalidParameterException":
            case "CognitoSyncTransportError":
            case "CognitoSyncTimeoutError":
              return again(`the push's outcome is unknown (${describe(error)})`)
            default:
              return yield* Effect.fail(error)
          }
        }
        const written = pushed.right.Records ?? []
        yield* mutate(runtime, (dataset) => {
          let next = dataset
          for (const record of written) {
            const key = record.Key
            if (key === undefined) continue
            const current = getRecord(next, key)
            const pushedVersion = pushedVersions.get(key)
            if (current !== undefined && pushedVersion !== undefined && current.localVersion !== pushedVersion) {
              // Edited again while the push was on its way: keep the edit, based on the new count.
              next = withRecord(next, { ...current, syncCount: record.SyncCount ?? current.syncCount })
            } else {
              next = withRecord(next, fromRemote(record, key, current?.localVersion ?? 0))
            }
          }
          const newCount = base + 1
          const safe = written.length > 0 && written.every((record) => record.SyncCount === newCount)
          return Either.right([undefined, safe ? { ...next, lastSyncCount: newCount } : next] as const)
        })
        for (const record of written) if (record.Key !== undefined) report.pushed.add(record.Key)
        yield* publish({ _tag: "Pushed", datasetName: name, records: written.length })
        yield* deleteMergedOnServer(runtime, report)
        return done
      })

    const runSync = (runtime: Runtime): Effect.Effect<SyncResult, SyncError> =>
      Effect.gen(function*() {
        const name = runtime.key.name
        yield* publish({ _tag: "SyncStarted", datasetName: name })
        const report: Report = {
          pulled: new Set(),
          pushed: new Set(),
          conflicts: [],
          deletedRemotely: undefined,
          merged: new Set(),
          pendingMergedDeletes: new Set(),
          deleted: false
        }
        let passes = 0
        let reason = ""
        while (true) {
          if (passes >= maxPasses) {
            return yield* new SyncRetriesExhausted({ datasetName: name, passes, reason })
          }
          if (passes > 0) {
            const random = yield* Random.next
            yield* Effect.sleep(Math.floor(random * Math.min(2000, backoffBase * 2 ** (passes - 1))))
            yield* publish({ _tag: "Retried", datasetName: name, pass: passes + 1, reason })
          }
          passes++
          const outcome = yield* pass(runtime, report)
          if (outcome._tag === "Done") break
          reason = outcome.reason
        }
        const final = yield* Ref.get(runtime.state)
        return {
          datasetName: name,
          syncCount: final.lastSyncCount,
          pulled: Array.from(report.pulled),
          pushed: Array.from(report.pushed),
          conflicts: report.conflicts,
          deletedRemotely: report.deletedRemotely,
          merged: Array.from(report.merged),
          deleted: report.deleted,
          passes
        }
      }).pipe(
        Effect.tapBoth({
          onFailure: (error) => publish({ _tag: "SyncFailed", datasetName: runtime.key.name, error }),
          onSuccess: (result) => publish({ _tag: "SyncFinished", datasetName: runtime.key.name, result })
        }),
        Effect.withSpan("SyncManager.synchronize", {
          attributes: { "cognito_sync.dataset": runtime.key.name, "cognito_sync.identity_pool": poolId }
        })
      )

    /**
     * One run at a time per dataset. A caller that arrives during a run waits and then starts a run of its own;
     * callers that waited together share that run. In browsers a Web Lock named by (pool, identity, dataset) also
     * keeps other tabs of the origin from syncing the dataset at the same time.
     */
    const synchronize = (runtime: Runtime): Effect.Effect<SyncResult, SyncError> =>
      Effect.suspend(() => {
        const ticket = ++runtime.tickets.requested
        return runtime.syncLock.withPermits(1)(Effect.suspend(() => {
          const last = runtime.tickets.last
          if (runtime.tickets.covered >= ticket && last !== undefined) return last
          const coverage = runtime.tickets.requested
          const lockName = `effect-cognito-sync/sync:${
            JSON.stringify([runtime.key.identityPoolId, runtime.key.identityId, runtime.key.name])
          }`
          return Effect.onExit(withWebLock(lockName)(runSync(runtime)), (exit) =>
            Effect.sync(() => {
              if (Exit.isFailure(exit) && Exit.isInterrupted(exit)) return
              runtime.tickets.covered = coverage
              runtime.tickets.last = exit
            }))
        }))
      })

    const subscription = (runtime: Runtime, subscribe: boolean) =>
      Effect.gen(function*() {
        const deviceId = yield* deviceIdOf(runtime.key.identityId)
        if (deviceId === undefined) {
          return yield* new DeviceNotRegistered({
            identityId: runtime.key.identityId,
            message: "register the device with registerDevice first"
          })
        }
        const input = {
          IdentityPoolId: poolId,
          IdentityId: runtime.key.identityId,
          DatasetName: runtime.key.name,
          DeviceId: deviceId
        }
        yield* subscribe ? client.subscribeToDataset(input) : client.unsubscribeFromDataset(input)
      })

    const handle = (name: string): Dataset => {
      const withRuntime = <A, E>(f: (runtime: Runtime) => Effect.Effect<A, E>) => Effect.flatMap(runtimeFor(name), f)
      const read = <A>(f: (dataset: LocalDataset) => A) =>
        withRuntime((runtime) => Effect.map(Ref.get(runtime.state), f))
      return {
        name,
        get: (key) => read((dataset) => Option.fromNullable(getRecord(dataset, key)?.value)),
        getAll: () =>
          read((dataset) => {
            const values = new Map<string, string>()
            for (const record of Object.values(dataset.records)) {
              if (record.value !== undefined) values.set(record.key, record.value)
            }
            return values as ReadonlyMap<string, string>
          }),
        getRecord: (key) => read((dataset) => Option.map(Option.fromNullable(getRecord(dataset, key)), recordInfo)),
        getRecords: () => read((dataset) => Object.values(dataset.records).map(recordInfo)),
        put: (key, value) => withRuntime((runtime) => putValues(runtime, [[key, value]])),
        putAll: (entries) =>
          withRuntime((runtime) =>
            putValues(
              runtime,
              Symbol.iterator in entries
                ? Array.from(entries as Iterable<readonly [string, string]>)
                : Object.entries(entries)
            )
          ),
        remove: (key) => withRuntime((runtime) => writeValues(runtime, [[key, undefined]])),
        delete: () =>
          withRuntime((runtime) =>
            mutate(runtime, (dataset) =>
              Either.right(
                [undefined, {
                  ...dataset,
                  deletedLocally: dataset.deletedLocally || dataset.lastSyncCount > 0 ||
                    Object.keys(dataset.records).length > 0,
                  records: {}
                }] as const
              ))
          ),
        lastSyncCount: () => read((dataset) => dataset.lastSyncCount),
        hasPendingChanges: () =>
          read((dataset) => dataset.deletedLocally || Object.values(dataset.records).some((record) => record.modified)),
        synchronize: () => withRuntime(synchronize),
        subscribe: () => withRuntime((runtime) => subscription(runtime, true)),
        unsubscribe: () => withRuntime((runtime) => subscription(runtime, false))
      }
    }

    const openDataset = (name: string): Effect.Effect<Dataset, EditError> =>
      Effect.gen(function*() {
        const valid = validateName(name)
        if (Either.isLeft(valid)) return yield* valid.left
        yield* runtimeFor(name)
        return handle(name)
      })

    const service: Service = {
      openDataset,
      listDatasets: () => Effect.flatMap(identityId, (identity) => store.list(poolId, identity)),
      identityId,
      linkIdentity: (target) =>
        identityLock.withPermits(1)(Effect.gen(function*() {
          const from = yield* identityId
          if (from === target) return
          const info = yield* store.loadIdentity(poolId, from)
          const authenticated = Option.match(info, {
            onNone: () => options.authenticated === true,
            onSome: (i) => i.authenticated
          })
          if (authenticated) {
            return yield* new IdentityChangeRefused({
              from,
              to: target,
              message:
                "local data moves only from an unauthenticated identity to its first authenticated one; wipe first"
            })
          }
          for (const name of yield* store.list(poolId, from)) {
            const loaded = yield* store.load({ identityPoolId: poolId, identityId: from, name })
            if (Option.isNone(loaded)) continue
            const moved: LocalDataset = {
              ...loaded.value,
              identityId: target,
              lastSyncCount: 0,
              deletedLocally: false,
              records: Object.fromEntries(
                Object.values(loaded.value.records)
                  .filter((record) => record.value !== undefined || record.modified)
                  .map((record) => [record.key, { ...record, syncCount: 0, modified: true }])
              )
            }
            yield* store.save(moved)
            yield* store.remove({ identityPoolId: poolId, identityId: from, name })
            runtimes.delete(JSON.stringify([from, name]))
          }
          yield* store.saveIdentity(poolId, target, { authenticated: true })
          yield* Ref.set(identityRef, Option.some(target))
        })),
      wipe: () =>
        Effect.gen(function*() {
          const identity = yield* identityId
          for (const name of yield* store.list(poolId, identity)) {
            yield* store.remove({ identityPoolId: poolId, identityId: identity, name })
            const runtime = runtimes.get(JSON.stringify([identity, name]))
            if (runtime !== undefined) {
              yield* runtime.edit.withPermits(1)(Ref.set(runtime.state, emptyDataset(runtime.key)))
            }
          }
        }),
      registerDevice: (platform, token) =>
        Effect.gen(function*() {
          const identity = yield* identityId
          const { DeviceId } = yield* client.registerDevice({
            IdentityPoolId: poolId,
            IdentityId: identity,
            Platform: platform,
            Token: token
          })
          const deviceId = DeviceId ?? ""
          const info = yield* store.loadIdentity(poolId, identity)
          yield* store.saveIdentity(poolId, identity, {
            authenticated: Option.match(info, {
              onNone: () => options.authenticated === true,
              onSome: (i) => i.authenticated
            }),
            deviceId
          })
          return deviceId
        }),
      handlePush: (payload) =>
        Effect.gen(function*() {
          const identity = yield* identityId
          const count = Number(payload.syncCount)
          if (
            payload.source !== "cognito-sync" || payload.identityPoolId !== poolId || payload.identityId !== identity ||
            !Number.isFinite(count)
          ) return Option.none()
          const valid = validateName(payload.datasetName)
          if (Either.isLeft(valid)) return yield* valid.left
          const runtime = yield* runtimeFor(payload.datasetName)
          const local = yield* Ref.get(runtime.state)
          if (count <= local.lastSyncCount) return Option.none()
          return Option.some(yield* synchronize(runtime))
        }),
      events: Stream.fromPubSub(events),
      subscribe: PubSub.subscribe(events)
    }
    return service
  })

/**
 * The manager as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<SyncManager, never, CognitoSync.CognitoSync | LocalStore.LocalStore> =>
  Layer.effect(SyncManager, make(options))
