/**
 * Test support for the sync engine: devices (SyncManagers over their own store) sharing one emulator engine, an
 * engine wrapper that runs a hook before chosen calls, and views of what the server holds.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as CognitoSync from "../../src/CognitoSync.js"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import type * as Engine from "../../src/local/Engine.js"
import type * as Faults from "../../src/local/Faults.js"
import type * as Operations from "../../src/Operations.js"
import * as LocalStore from "../../src/sync/LocalStore.js"
import * as SyncManager from "../../src/sync/SyncManager.js"

export const POOL = "us-east-1:00000000-0000-0000-0000-000000000001"
export const USER = "us-east-1:00000000-0000-0000-0000-0000000000aa"
export const OTHER_USER = "us-east-1:00000000-0000-0000-0000-0000000000bb"
export const GUEST = "us-east-1:00000000-0000-0000-0000-0000000000cc"

/** What a device is made of. */
export interface DeviceOptions {
  /** Faults the emulator injects into this device's calls. */
  readonly faults?: Faults.Faults | undefined
  /** The client the device uses instead of one over `engine`. */
  readonly service?: CognitoSync.Service | undefined
  /** The device's store; a fresh memory store by default. */
  readonly store?: LocalStore.Service | undefined
  /** Manager options (identity, policies, ...) over the test defaults. */
  readonly options?: Partial<SyncManager.Options> | undefined
}

/**
 * A device: a SyncManager over its own store, talking to `engine` in process. Passes back off by at most a few
 * milliseconds, so tests run on the live clock without waiting.
 */
export const device = (
  engine: Engine.Engine,
  options: DeviceOptions = {}
): Effect.Effect<SyncManager.Service> =>
  Effect.gen(function*() {
    const store = options.store ?? (yield* LocalStore.makeMemory)
    return yield* SyncManager.make({
      identityPoolId: POOL,
      identityId: USER,
      passBackoff: 1,
      ...options.options
    }).pipe(
      Effect.provideService(
        CognitoSync.CognitoSync,
        options.service ?? CognitoSyncLocal.makeService(engine, {}, options.faults)
      ),
      Effect.provideService(LocalStore.LocalStore, store)
    )
  })

/**
 * The engine, with `hook` run before every call (each page of ListRecords is a call). The hook sees the operation
 * and its input, and may call the engine itself (another device's sync, for example).
 */
export const intercept = (
  engine: Engine.Engine,
  hook: (name: Operations.OperationName, input: unknown) => Effect.Effect<void>
): Engine.Engine => ({
  ...engine,
  invoke: (name, input, options) => Effect.zipRight(hook(name, input), engine.invoke(name, input, options))
})

/**
 * The engine, with the first `count` UpdateRecords calls sent twice, as a client does when it retries a call
 * whose answer was lost: the first attempt is applied and its answer dropped; the second meets the consumed
 * session token (or a 409), and that is the answer the caller gets.
 */
export const retriedWrites = (engine: Engine.Engine, count = 1): Engine.Engine => {
  let left = count
  return {
    ...engine,
    invoke: (name, input, options) =>
      Effect.suspend(() => {
        if (name !== "UpdateRecords" || left <= 0) return engine.invoke(name, input, options)
        left--
        return Effect.zipRight(Effect.ignore(engine.invoke(name, input, options)), engine.invoke(name, input, options))
      })
  }
}

/** A server dataset as the snapshot shows it, if it exists. */
export const serverDataset = (engine: Engine.Engine, name: string, identityId: string = USER) =>
  Effect.map(engine.snapshot, (snapshot) => Option.fromNullable(snapshot[POOL]?.[identityId]?.[name]))

/** The live (not removed) values the server holds for a dataset; empty when it does not exist. */
export const serverValues = (
  engine: Engine.Engine,
  name: string,
  identityId: string = USER
): Effect.Effect<Record<string, string>> =>
  Effect.map(serverDataset(engine, name, identityId), (dataset) => {
    const values: Record<string, string> = {}
    if (Option.isNone(dataset)) return values
    for (const [key, record] of Object.entries(dataset.value.records)) {
      if (record.value !== undefined) Object.defineProperty(values, key, { value: record.value, enumerable: true })
    }
    return values
  })

/** A dataset's live values as a plain object (own properties only, so `__proto__` is a key like any other). */
export const valuesOf = (dataset: SyncManager.Dataset): Effect.Effect<Record<string, string>, SyncManager.EditError> =>
  Effect.map(dataset.getAll(), (all) => {
    const values: Record<string, string> = {}
    for (const [key, value] of all) Object.defineProperty(values, key, { value, enumerable: true })
    return values
  })

/**
 * A deterministic clock: time moves only when the test advances it or something sleeps, and a sleep takes no real
 * time. Provide it with `Effect.withClock(clock)`.
 */
export const manualClock = (start: number) => {
  let now = start
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    currentTimeMillis: Effect.sync(() => now),
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: (duration) =>
      Effect.zipRight(Effect.sync(() => void (now += Math.ceil(Duration.toMillis(duration)))), Effect.yieldNow())
  }
  return { clock, advance: (millis: number) => void (now += millis) }
}
