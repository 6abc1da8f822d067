/**
 * The convergence property of the sync engine, shared by `convergence.test.ts` (a few hundred cases in CI) and
 * `bench/convergence.ts` (thousands).
 *
 * A scenario is 2 to 4 devices of one user, each a SyncManager over its own durable store (LocalStore on a
 * per-device in-memory KeyValueStore, so a "process restart" re-makes the manager over the same KeyValueStore),
 * and a random sequence of steps: puts and removes on a small key set (`__proto__` included), dataset deletes,
 * syncs, syncs with an edit made while they run, syncs interrupted at a random point followed by a restart (a
 * crash), and restarts. Each device has its own conflict resolver (last writer wins, remote wins or local wins).
 * Meanwhile the emulator injects throttling, 500s and dropped connections after a write was applied. Syncs may
 * fail then, with typed errors only. Then the faults stop: every device restarts on a clean connection and syncs,
 * round after round, until a round where no device pushes, pulls, resolves or deletes anything (at most
 * {@link maxQuietRounds} rounds). Time is a deterministic clock that moves only between steps (by 0, 1 or 1000
 * ms, so device times tie too) and when something sleeps; random numbers are seeded: a counterexample replays.
 *
 * The property, checked at the end:
 *
 * 1. Liveness: the quiet round is reached, every sync after the faults succeeds, no device has pending changes.
 * 2. Convergence: every device's live values equal the server's live values (engine snapshot), and every
 *    device's lastSyncCount equals the server's dataset sync count (0 when it does not exist).
 * 3. Typed failures: every failed sync failed with one of the expected tagged errors (never a defect, never a
 *    conflict or a bad token leaking out); every local edit succeeded.
 * 4. Acknowledgements are ordered: an acknowledged write is a key in `SyncResult.pushed` of a successful sync,
 *    with the value and count the server wrote for it in that sync's last UpdateRecords; the acknowledged writes
 *    of one key have strictly increasing server counts.
 * 5. No invention: each key's final value is absent, or the value of some put of that key, or a value a conflict
 *    resolution chose for it.
 * 6. No acknowledged write is lost: let `a` be the last acknowledged write of key k, acknowledged at step t. The
 *    final value of k equals a's value, unless after t
 *    - some device edited k (put or remove; an edit made while a sync ran counts as after that sync's push) or
 *      deleted the dataset, or
 *    - a conflict resolution on k chose another value (recorded by the resolver, whatever became of its run), or
 *    - the server applied, for the first time, a DeleteDataset of a device's delete (a delete made before t that
 *      reached the server after t). A delete applied before t does not excuse it: applying that delete again later
 *      (after a lost answer) would delete data written after it.
 */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as CognitoSync from "../../src/CognitoSync.js"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import type * as Engine from "../../src/local/Engine.js"
import * as Conflict from "../../src/sync/Conflict.js"
import * as LocalStore from "../../src/sync/LocalStore.js"
import * as SyncManager from "../../src/sync/SyncManager.js"
import { manualClock } from "./syncSupport.js"

export const POOL = "us-east-1:00000000-0000-0000-0000-000000000001"
export const IDENTITY = "us-east-1:00000000-0000-0000-0000-0000000000aa"
export const DATASET = "shared"
export const KEYS = ["a", "b", "c", "__proto__"] as const
export const maxQuietRounds = 10

// ---------------------------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------------------------

/** A put's value: one of a few shared values (so devices write the same value), or one unique to the step. */
export type Value = "x" | "y" | "" | "unique"

/** An edit of the local copy. */
export type LocalEdit =
  | { readonly _tag: "Put"; readonly key: string; readonly value: Value }
  | { readonly _tag: "Remove"; readonly key: string }
  | { readonly _tag: "Delete" }

/** A step. `dt` moves the clock before it; `yields` is how many scheduler turns pass before the edit or crash. */
export type Op =
  | { readonly _tag: "Edit"; readonly device: number; readonly edit: LocalEdit; readonly dt: number }
  | { readonly _tag: "Sync"; readonly device: number; readonly dt: number }
  | {
    readonly _tag: "SyncWhileEditing"
    readonly device: number
    readonly edit: LocalEdit
    readonly yields: number
    readonly dt: number
  }
  | { readonly _tag: "Crash"; readonly device: number; readonly yields: number; readonly dt: number }
  | { readonly _tag: "Restart"; readonly device: number; readonly dt: number }

export type ResolverName = "lastWriterWins" | "remoteWins" | "localWins"

export interface Scenario {
  readonly devices: number
  readonly resolvers: ReadonlyArray<ResolverName>
  readonly faults: {
    readonly throttleRate: number
    readonly errorRate: number
    readonly dropAfterWriteRate: number
  }
  readonly seed: number
  readonly ops: ReadonlyArray<Op>
}

const rate = FastCheck.constantFrom(0, 0.05, 0.1, 0.2, 0.35)

/** Scenarios of 2 to 4 devices and up to `maxOps` operations. */
export const scenario = (maxOps = 40): FastCheck.Arbitrary<Scenario> =>
  FastCheck.integer({ min: 2, max: 4 }).chain((devices) => {
    const device = FastCheck.integer({ min: 0, max: devices - 1 })
    const key = FastCheck.constantFrom(...KEYS)
    // Device clocks: the same millisecond (ties), one apart, or a second apart.
    const dt = FastCheck.constantFrom(0, 1, 1000)
    const edit: FastCheck.Arbitrary<LocalEdit> = FastCheck.oneof(
      {
        weight: 6,
        arbitrary: FastCheck.record({
          _tag: FastCheck.constant("Put" as const),
          key,
          value: FastCheck.constantFrom<Value>("x", "y", "", "unique", "unique")
        })
      },
      { weight: 2, arbitrary: FastCheck.record({ _tag: FastCheck.constant("Remove" as const), key }) },
      { weight: 1, arbitrary: FastCheck.record({ _tag: FastCheck.constant("Delete" as const) }) }
    )
    const yields = FastCheck.integer({ min: 0, max: 10 })
    const op: FastCheck.Arbitrary<Op> = FastCheck.oneof(
      { weight: 8, arbitrary: FastCheck.record({ _tag: FastCheck.constant("Edit" as const), device, edit, dt }) },
      { weight: 5, arbitrary: FastCheck.record({ _tag: FastCheck.constant("Sync" as const), device, dt }) },
      {
        weight: 2,
        arbitrary: FastCheck.record({
          _tag: FastCheck.constant("SyncWhileEditing" as const),
          device,
          edit,
          yields,
          dt
        })
      },
      { weight: 1, arbitrary: FastCheck.record({ _tag: FastCheck.constant("Crash" as const), device, yields, dt }) },
      { weight: 1, arbitrary: FastCheck.record({ _tag: FastCheck.constant("Restart" as const), device, dt }) }
    )
    return FastCheck.record({
      devices: FastCheck.constant(devices),
      resolvers: FastCheck.array(
        FastCheck.constantFrom<ResolverName>("lastWriterWins", "lastWriterWins", "remoteWins", "localWins"),
        { minLength: devices, maxLength: devices }
      ),
      faults: FastCheck.record({ throttleRate: rate, errorRate: rate, dropAfterWriteRate: rate }),
      seed: FastCheck.integer({ min: 1, max: 0x7fffffff }),
      ops: FastCheck.array(op, { minLength: 1, maxLength: maxOps, size: "max" })
    })
  })

// ---------------------------------------------------------------------------------------------------------------
// The model: what the devices did and what they were told
// ---------------------------------------------------------------------------------------------------------------

interface Edit {
  readonly t: number
  readonly device: number
  readonly key: string
  readonly value: string | undefined
}
interface Ack {
  readonly t: number
  readonly device: number
  readonly key: string
  readonly value: string | undefined
  readonly syncCount: number
}
interface Resolution {
  readonly t: number
  readonly device: number
  readonly key: string
  readonly chosen: string | undefined
}
/** A delete of the dataset made on a device (one per delete that left the device a delete to push). */
interface DeleteIntent {
  readonly device: number
  readonly t: number
  /** The step at which the server first applied a DeleteDataset of the device made after this delete. */
  firstApplied: number | undefined
}

/** Counters over many cases, for the benchmark's report. */
export interface Stats {
  cases: number
  ops: number
  syncs: number
  failedSyncs: { [tag: string]: number }
  acks: number
  conflicts: number
  datasetDeletes: number
  deletesApplied: number
  restarts: number
  crashes: number
  /** Crashes that interrupted a sync still running (the others found it done). */
  crashesDuringSync: number
  /** Keys whose last acknowledged write nothing excused: the final value had to be that write's. */
  bindingAcks: number
  /** Edits of SyncWhileEditing steps made while the sync still ran. */
  editsDuringSync: number
  quietRounds: { [rounds: number]: number }
}

export const emptyStats = (): Stats => ({
  cases: 0,
  ops: 0,
  syncs: 0,
  failedSyncs: {},
  acks: 0,
  conflicts: 0,
  datasetDeletes: 0,
  deletesApplied: 0,
  restarts: 0,
  crashes: 0,
  crashesDuringSync: 0,
  bindingAcks: 0,
  editsDuringSync: 0,
  quietRounds: {}
})

/** The errors a sync may fail with while faults are injected. */
const expectedSyncErrors = new Set([
  "TooManyRequestsException",
  "InternalErrorException",
  "CognitoSyncTransportError",
  "SyncRetriesExhausted"
])

const show = (value: string | undefined) => value === undefined ? "(absent)" : JSON.stringify(value)

const resolverOf = (name: ResolverName): Conflict.Resolver =>
  name === "remoteWins" ? Conflict.remoteWins : name === "localWins" ? Conflict.localWins : Conflict.lastWriterWins

const failureTag = (cause: Cause.Cause<{ readonly _tag: string }>): string =>
  Option.match(Cause.failureOption(cause), { onNone: () => `defect: ${Cause.pretty(cause)}`, onSome: (e) => e._tag })

/** The records an UpdateRecords answer says the server wrote, read structurally from the engine's output. */
const writtenBy = (output: unknown): Map<string, { readonly value: string | undefined; readonly count: number }> => {
  const written = new Map<string, { readonly value: string | undefined; readonly count: number }>()
  if (typeof output !== "object" || output === null || !("Records" in output) || !Array.isArray(output.Records)) {
    return written
  }
  for (const record of output.Records as ReadonlyArray<unknown>) {
    if (typeof record !== "object" || record === null || !("Key" in record) || typeof record.Key !== "string") continue
    const value = "Value" in record && typeof record.Value === "string" ? record.Value : undefined
    const count = "SyncCount" in record && typeof record.SyncCount === "number" ? record.SyncCount : -1
    written.set(record.Key, { value, count })
  }
  return written
}

/**
 * Runs a scenario and returns the violations of the property (empty when it holds) and a trace of the steps.
 */
export const run = (
  s: Scenario,
  stats: Stats = emptyStats()
): Effect.Effect<{ readonly violations: ReadonlyArray<string>; readonly trace: ReadonlyArray<string> }> => {
  const { advance, clock } = manualClock(1_700_000_000_000)
  return Effect.gen(function*() {
    const engine = yield* CognitoSyncLocal.makeEngine()
    const violations: Array<string> = []
    const trace: Array<string> = []
    const edits: Array<Edit> = []
    const acks: Array<Ack> = []
    const resolutions: Array<Resolution> = []
    const intents: Array<DeleteIntent> = []
    let step = 0

    /** Per device, what the server wrote in the device's last applied UpdateRecords: key -> value and count. */
    const lastWrites = new Map<number, Map<string, { readonly value: string | undefined; readonly count: number }>>()

    /**
     * The engine as device `d` reaches it: every call lets other fibers run first (as a network round trip would,
     * so an edit or a crash can land between any two calls of a sync), and the writes and dataset deletes the
     * server applied for the device are noted.
     */
    const engineOf = (d: number): Engine.Engine => ({
      ...engine,
      invoke: (name, input, options) =>
        Effect.tap(
          Effect.zipRight(Effect.yieldNow(), engine.invoke(name, input, options)),
          (output) =>
            Effect.sync(() => {
              if (name === "UpdateRecords") lastWrites.set(d, writtenBy(output))
              if (name !== "DeleteDataset") return
              stats.deletesApplied++
              trace.push(`  [server] DeleteDataset by d${d} applied`)
              for (const intent of intents) {
                if (intent.device === d && intent.firstApplied === undefined) intent.firstApplied = step
              }
            })
        )
    })

    const resolver = (d: number): Conflict.Resolver => (conflict) =>
      Effect.map(resolverOf(s.resolvers[d]!)(conflict), (resolution) => {
        const chosen = resolution._tag === "UseRemote"
          ? conflict.remote.value
          : resolution._tag === "UseLocal"
          ? conflict.local.value
          : resolution.value
        resolutions.push({ t: step, device: d, key: conflict.key, chosen })
        stats.conflicts++
        trace.push(
          `  [d${d}] conflict ${conflict.key}: local ${show(conflict.local.value)} remote ${
            show(conflict.remote.value)
          } -> ${resolution._tag}`
        )
        return resolution
      })

    const kvs = yield* Effect.forEach(
      Array.from({ length: s.devices }, (_, d) => d),
      () => Effect.provide(KeyValueStore.KeyValueStore, KeyValueStore.layerMemory)
    )
    const faulty = (d: number): CognitoSync.Service =>
      CognitoSyncLocal.makeService(engineOf(d), {}, { ...s.faults, seed: s.seed + d })
    const clean = (d: number): CognitoSync.Service => CognitoSyncLocal.makeService(engineOf(d))

    /** Starts device d's "process": a manager over a new store on the device's KeyValueStore. */
    const start = (d: number, service: CognitoSync.Service) =>
      Effect.gen(function*() {
        const store = yield* Effect.provideService(LocalStore.makeKeyValueStore, KeyValueStore.KeyValueStore, kvs[d]!)
        const manager = yield* SyncManager.make({
          identityPoolId: POOL,
          identityId: IDENTITY,
          deviceId: `d${d}`,
          passBackoff: 1,
          conflictResolver: resolver(d)
        }).pipe(
          Effect.provideService(CognitoSync.CognitoSync, service),
          Effect.provideService(LocalStore.LocalStore, store)
        )
        return yield* Effect.orDie(manager.openDataset(DATASET))
      })

    const datasets: Array<SyncManager.Dataset> = []
    for (let d = 0; d < s.devices; d++) datasets.push(yield* start(d, faulty(d)))

    /** Applies a local edit on device d; an edit made while a sync runs is dated after that sync (t + 0.5). */
    const applyEdit = (d: number, edit: LocalEdit, t: number) =>
      Effect.gen(function*() {
        const dataset = datasets[d]!
        switch (edit._tag) {
          case "Put": {
            const value = edit.value === "unique" ? `v${step}` : edit.value
            trace.push(`  d${d} puts ${edit.key} = ${show(value)}`)
            const exit = yield* Effect.exit(dataset.put(edit.key, value))
            if (Exit.isFailure(exit)) violations.push(`step ${step}: put failed: ${failureTag(exit.cause)}`)
            else edits.push({ t, device: d, key: edit.key, value })
            break
          }
          case "Remove": {
            trace.push(`  d${d} removes ${edit.key}`)
            const exit = yield* Effect.exit(dataset.remove(edit.key))
            if (Exit.isFailure(exit)) violations.push(`step ${step}: remove failed: ${failureTag(exit.cause)}`)
            else edits.push({ t, device: d, key: edit.key, value: undefined })
            break
          }
          case "Delete": {
            trace.push(`  d${d} deletes the dataset`)
            stats.datasetDeletes++
            const exit = yield* Effect.exit(dataset.delete())
            if (Exit.isFailure(exit)) {
              violations.push(`step ${step}: delete failed: ${failureTag(exit.cause)}`)
              break
            }
            for (const key of KEYS) edits.push({ t, device: d, key, value: undefined })
            // Right after a delete the copy has no records: pending means a delete to push.
            if (yield* Effect.orDie(dataset.hasPendingChanges())) {
              intents.push({ device: d, t, firstApplied: undefined })
            }
            break
          }
        }
      })

    const noteSync = (d: number, exit: Exit.Exit<SyncManager.SyncResult, SyncManager.SyncError>, faults: boolean) => {
      if (Exit.isFailure(exit)) {
        const tag = failureTag(exit.cause)
        stats.failedSyncs[tag] = (stats.failedSyncs[tag] ?? 0) + 1
        trace.push(`  [d${d}] sync failed: ${tag}`)
        if (!faults) violations.push(`step ${step}: d${d}'s sync failed without faults: ${tag}`)
        else if (!expectedSyncErrors.has(tag)) violations.push(`step ${step}: d${d}'s sync failed with ${tag}`)
        return
      }
      const result = exit.value
      const written = lastWrites.get(d)
      for (const key of result.pushed) {
        const write = written?.get(key)
        if (write === undefined) {
          violations.push(`step ${step}: d${d} reports ${key} pushed, but the server wrote no such record for it`)
          continue
        }
        acks.push({ t: step, device: d, key, value: write.value, syncCount: write.count })
        stats.acks++
      }
      trace.push(
        `  [d${d}] synced: count ${result.syncCount}, pushed [${result.pushed}], pulled [${result.pulled}], passes ${result.passes}${
          result.deleted ? ", deleted" : ""
        }${
          result.deletedRemotely === undefined
            ? ""
            : `, deleted remotely (dropped [${result.deletedRemotely.dropped}])`
        }`
      )
    }

    // ----- the fault phase -----------------------------------------------------------------------------------

    for (const op of s.ops) {
      step++
      stats.ops++
      advance(op.dt)
      const d = op.device
      lastWrites.delete(d)
      switch (op._tag) {
        case "Edit": {
          trace.push(`${step}. d${d} edits`)
          yield* applyEdit(d, op.edit, step)
          break
        }
        case "Restart": {
          trace.push(`${step}. d${d} restarts`)
          stats.restarts++
          datasets[d] = yield* start(d, faulty(d))
          break
        }
        case "Sync": {
          trace.push(`${step}. d${d} syncs`)
          stats.syncs++
          noteSync(d, yield* Effect.exit(datasets[d]!.synchronize()), true)
          break
        }
        case "SyncWhileEditing": {
          trace.push(`${step}. d${d} syncs, and edits after ${op.yields} turns`)
          stats.syncs++
          const fiber = yield* Effect.fork(datasets[d]!.synchronize())
          for (let i = 0; i < op.yields; i++) yield* Effect.yieldNow()
          if (fiber.unsafePoll() === null) stats.editsDuringSync++
          yield* applyEdit(d, op.edit, step + 0.5)
          noteSync(d, yield* Fiber.await(fiber), true)
          break
        }
        case "Crash": {
          trace.push(`${step}. d${d} syncs and crashes after ${op.yields} turns`)
          stats.syncs++
          stats.crashes++
          const fiber = yield* Effect.fork(datasets[d]!.synchronize())
          for (let i = 0; i < op.yields; i++) yield* Effect.yieldNow()
          if (fiber.unsafePoll() === null) stats.crashesDuringSync++
          const exit = yield* Fiber.interrupt(fiber)
          if (!Exit.isInterrupted(exit)) noteSync(d, exit, true)
          datasets[d] = yield* start(d, faulty(d))
          break
        }
      }
    }

    // ----- the faults stop: restart every device on a clean connection, sync until quiet ---------------------

    step++
    trace.push(`${step}. faults stop; every device restarts and syncs until quiet`)
    for (let d = 0; d < s.devices; d++) datasets[d] = yield* start(d, clean(d))
    let quiet = false
    let rounds = 0
    while (!quiet && rounds < maxQuietRounds && violations.length === 0) {
      rounds++
      quiet = true
      for (let d = 0; d < s.devices; d++) {
        step++
        stats.syncs++
        lastWrites.delete(d)
        const exit = yield* Effect.exit(datasets[d]!.synchronize())
        noteSync(d, exit, false)
        if (Exit.isFailure(exit)) {
          quiet = false
          continue
        }
        const result = exit.value
        if (
          result.pushed.length > 0 || result.pulled.length > 0 || result.conflicts.length > 0 || result.deleted ||
          result.deletedRemotely !== undefined || result.passes > 1
        ) quiet = false
      }
    }
    stats.quietRounds[rounds] = (stats.quietRounds[rounds] ?? 0) + 1
    if (!quiet && violations.length === 0) violations.push(`no quiet round within ${maxQuietRounds} rounds`)

    // ----- the checks ----------------------------------------------------------------------------------------

    const snapshot = yield* engine.snapshot
    const serverDataset = snapshot[POOL]?.[IDENTITY]?.[DATASET]
    const server = new Map<string, string>()
    for (const [key, record] of Object.entries(serverDataset?.records ?? {})) {
      if (record.value !== undefined) server.set(key, record.value)
    }
    const render = (values: ReadonlyMap<string, string>) =>
      JSON.stringify(Array.from(values).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))

    // 1 and 2: liveness and convergence.
    for (let d = 0; d < s.devices; d++) {
      const dataset = datasets[d]!
      const values = yield* Effect.orDie(dataset.getAll())
      if (render(values) !== render(server)) {
        violations.push(`d${d} holds ${render(values)}, the server ${render(server)}`)
      }
      if (yield* Effect.orDie(dataset.hasPendingChanges())) violations.push(`d${d} still has pending changes`)
      const count = yield* Effect.orDie(dataset.lastSyncCount())
      if (count !== (serverDataset?.syncCount ?? 0)) {
        violations.push(`d${d} is at sync count ${count}, the server at ${serverDataset?.syncCount ?? 0}`)
      }
    }

    for (const key of KEYS) {
      const final = server.get(key)
      // 4: acknowledgements of one key come with increasing counts.
      const ofKey = acks.filter((ack) => ack.key === key)
      for (let i = 1; i < ofKey.length; i++) {
        if (ofKey[i]!.syncCount <= ofKey[i - 1]!.syncCount) {
          violations.push(
            `${key}: acknowledged at count ${ofKey[i]!.syncCount} (step ${ofKey[i]!.t}) after count ${
              ofKey[i - 1]!.syncCount
            } (step ${ofKey[i - 1]!.t})`
          )
        }
      }
      // 5: no invented value.
      if (
        final !== undefined && !edits.some((e) => e.key === key && e.value === final) &&
        !resolutions.some((r) => r.key === key && r.chosen === final)
      ) violations.push(`${key}: the final value ${show(final)} was never written`)
      // 6: the last acknowledged write survives unless something later replaced it.
      const last = ofKey[ofKey.length - 1]
      if (last === undefined) continue
      const editedLater = edits.some((e) => e.key === key && e.t > last.t)
      const resolvedLater = resolutions.some((r) => r.key === key && r.t > last.t && r.chosen !== last.value)
      const deletedLater = intents.some((i) => i.firstApplied !== undefined && i.firstApplied > last.t)
      const binding = !editedLater && !resolvedLater && !deletedLater
      if (binding) stats.bindingAcks++
      if (binding && last.value !== final) {
        violations.push(
          `${key}: d${last.device}'s write ${
            show(last.value)
          } acknowledged at step ${last.t} (count ${last.syncCount}) is lost: the final value is ${show(final)}`
        )
      }
    }
    stats.cases++
    return { violations, trace }
  }).pipe(Effect.withClock(clock), Effect.withRandom(Random.make(s.seed)))
}

/** The property for fast-check: throws with the violations and the trace when the scenario breaks it. */
export const property = (stats: Stats = emptyStats()) =>
  FastCheck.asyncProperty(scenario(), async (s) => {
    const { trace, violations } = await Effect.runPromise(run(s, stats))
    if (violations.length > 0) {
      throw new Error(`${violations.join("\n")}\n--- trace ---\n${trace.join("\n")}`)
    }
  })
