/**
 * Racing writers over real HTTP. Each client does ListRecords, then UpdateRecords with the counts it saw. The
 * server must behave as if the accepted calls ran one after another: exactly their effects are present, the final
 * state equals the state of SOME serial order of them (found by replaying them on the pure engine), and every
 * rejected call (409) wrote nothing.
 */
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { CognitoSync } from "../../src/index.js"
import * as Engine from "../../src/local/Engine.js"
import * as Server from "../../src/local/Server.js"
import { developer, identityA, poolId } from "./serverSupport.js"

const ids = { IdentityPoolId: poolId, IdentityId: identityA }

interface Patch {
  readonly Op: "replace"
  readonly Key: string
  readonly Value: string
  readonly SyncCount: number
}

/** One client's UpdateRecords, as sent, and what came of it. */
interface Call {
  readonly client: number
  readonly patches: ReadonlyArray<Patch>
  readonly outcome: Either.Either<ReadonlyArray<number>, string>
}

type DatasetSnapshot = Engine.Snapshot[string][string][string]

const settings: Engine.Settings = {
  limits: Engine.defaultLimits,
  tokenTtlMillis: 60_000,
  bulkPublishMillis: 0
}

/** Runs one call (a ListRecords for a token, then the UpdateRecords) on a pure engine state. */
const replayOne = (state: Engine.EngineState, dataset: string, call: Call): Engine.EngineState | undefined => {
  const context: Engine.Context = { now: 1_000_000, requestId: "replay", caller: {}, settings }
  const listed = Engine.step(state, "ListRecords", { ...ids, DatasetName: dataset }, context)
  if (Either.isLeft(listed.result)) return undefined
  const updated = Engine.step(listed.state, "UpdateRecords", {
    ...ids,
    DatasetName: dataset,
    SyncSessionToken: listed.result.right.SyncSessionToken!,
    RecordPatches: call.patches
  }, context)
  return Either.isRight(updated.result) ? updated.state : undefined
}

const datasetOf = (state: Engine.EngineState, dataset: string): DatasetSnapshot | undefined =>
  Engine.snapshotOf(state)[poolId]?.[identityA]?.[dataset]

/**
 * Searches for an order of `calls` that, replayed one after another from `initial`, succeeds at every step and
 * ends in `target`. Prunes a branch as soon as a record is written at a count the target contradicts. Bounded.
 */
const findSerialOrder = (
  initial: Engine.EngineState,
  dataset: string,
  calls: ReadonlyArray<Call>,
  target: DatasetSnapshot
): ReadonlyArray<number> | undefined => {
  let budget = 100_000
  const search = (
    state: Engine.EngineState,
    remaining: ReadonlyArray<Call>,
    order: ReadonlyArray<number>
  ): ReadonlyArray<number> | undefined => {
    if (remaining.length === 0) {
      const reached = datasetOf(state, dataset)
      return JSON.stringify(reached) === JSON.stringify(target) ? order : undefined
    }
    for (const call of remaining) {
      if (--budget < 0) return undefined
      const next = replayOne(state, dataset, call)
      if (next === undefined) continue
      const count = datasetOf(next, dataset)!.syncCount
      const rest = remaining.filter((other) => other !== call)
      // A record written now keeps this count unless a later call writes its key again.
      const consistent = call.patches.every((patch) => {
        const final = target.records[patch.Key]
        if (final === undefined) return false
        if (final.syncCount === count) return final.value === patch.Value
        return final.syncCount > count && rest.some((other) => other.patches.some((p) => p.Key === patch.Key))
      })
      if (!consistent) continue
      const found: ReadonlyArray<number> | undefined = search(next, rest, [...order, call.client])
      if (found !== undefined) return found
    }
    return undefined
  }
  return search(initial, calls, [])
}

/** The engine state of the dataset before the race: `before` replayed as one write (count 1), or empty. */
const initialState = (dataset: string, before: { readonly [key: string]: string }) =>
  Engine.initialState(
    "replay",
    0,
    Object.keys(before).length === 0 ? {} : { [poolId]: { [identityA]: { [dataset]: before } } }
  )

/** Runs `clients` racing writers; `patchesOf` builds a client's patches from the counts its ListRecords saw. */
const race = (
  server: Server.RunningServer,
  dataset: string,
  clients: number,
  patchesOf: (client: number, counts: ReadonlyMap<string, number>) => ReadonlyArray<Patch>,
  options: { readonly barrier: boolean }
) =>
  Effect.gen(function*() {
    const syncs = yield* Effect.forEach(
      Array.from({ length: clients }, (_, i) => i),
      () => CognitoSync.make({ region: "us-east-1", endpoint: server.url, credentials: developer, maxAttempts: 1 })
    )
    const list = (client: number) =>
      Effect.map(syncs[client]!.listRecords({ ...ids, DatasetName: dataset }), (page) => ({
        token: page.SyncSessionToken!,
        counts: new Map((page.Records ?? []).map((r) => [r.Key!, r.SyncCount!] as const))
      }))
    const update = (client: number, listed: { readonly token: string; readonly counts: ReadonlyMap<string, number> }) =>
      Effect.gen(function*() {
        const patches = patchesOf(client, listed.counts)
        const result = yield* Effect.either(syncs[client]!.updateRecords({
          ...ids,
          DatasetName: dataset,
          SyncSessionToken: listed.token,
          RecordPatches: patches
        }))
        const outcome: Either.Either<ReadonlyArray<number>, string> = Either.isRight(result)
          ? Either.right((result.right.Records ?? []).map((r) => r.SyncCount!))
          : Either.left(result.left._tag)
        return { client, patches, outcome } satisfies Call
      })
    const clientIds = Array.from({ length: clients }, (_, i) => i)
    if (options.barrier) {
      const listed = yield* Effect.forEach(clientIds, list, { concurrency: "unbounded" })
      return yield* Effect.forEach(clientIds, (i) => update(i, listed[i]!), { concurrency: "unbounded" })
    }
    return yield* Effect.forEach(clientIds, (i) => Effect.flatMap(list(i), (listed) => update(i, listed)), {
      concurrency: "unbounded"
    })
  })

/** The checks every race must pass. Returns the accepted calls. */
const checkRace = (
  server: Server.RunningServer,
  dataset: string,
  before: { readonly [key: string]: string },
  calls: ReadonlyArray<Call>
) =>
  Effect.gen(function*() {
    const accepted = calls.filter((call) => Either.isRight(call.outcome))
    const rejected = calls.filter((call) => Either.isLeft(call.outcome))
    expect(accepted.length).toBeGreaterThanOrEqual(1)
    // Every rejection is a sync-count conflict.
    for (const call of rejected) expect(call.outcome).toEqual(Either.left("ResourceConflictException"))
    const baseCount = Object.keys(before).length === 0 ? 0 : 1
    const final = (yield* server.engine.snapshot)[poolId]?.[identityA]?.[dataset]
    expect(final).toBeDefined()
    // One count per accepted call, and each accepted call's records all carry its own, distinct count.
    expect(final!.syncCount).toBe(baseCount + accepted.length)
    const counts = accepted.map((call) => {
      const written = Either.getOrThrow(call.outcome)
      expect(new Set(written).size).toBe(1)
      return written[0]!
    }).sort((a, b) => a - b)
    expect(counts).toEqual(accepted.map((_, i) => baseCount + i + 1))
    // Exactly the keys of the accepted calls (and of the data before) are present: rejected calls wrote nothing.
    const expectedKeys = new Set([
      ...Object.keys(before),
      ...accepted.flatMap((call) => call.patches.map((p) => p.Key))
    ])
    expect(Object.keys(final!.records).sort()).toEqual([...expectedKeys].sort())
    for (const call of rejected) {
      for (const patch of call.patches) {
        const record = final!.records[patch.Key]
        expect(record === undefined || record.value !== patch.Value).toBe(true)
      }
    }
    // The final state is the state of some serial order of the accepted calls.
    const order = findSerialOrder(initialState(dataset, before), dataset, accepted, final!)
    expect(order).toBeDefined()
    expect(order!.length).toBe(accepted.length)
    return accepted
  })

/** Writes `before` to the dataset in one call, so it starts at count 1. */
const prepare = (server: Server.RunningServer, dataset: string, before: { readonly [key: string]: string }) =>
  Effect.gen(function*() {
    const sync = yield* CognitoSync.make({ region: "us-east-1", endpoint: server.url, credentials: developer })
    const page = yield* sync.listRecords({ ...ids, DatasetName: dataset })
    yield* sync.updateRecords({
      ...ids,
      DatasetName: dataset,
      SyncSessionToken: page.SyncSessionToken!,
      RecordPatches: Object.entries(before).map(([Key, Value]) => ({
        Op: "replace" as const,
        Key,
        Value,
        SyncCount: 0
      }))
    })
  })

const hotAndOwn = (client: number, counts: ReadonlyMap<string, number>): ReadonlyArray<Patch> => [
  { Op: "replace", Key: "hot", Value: `client-${client}`, SyncCount: counts.get("hot") ?? 0 },
  { Op: "replace", Key: `own-${client}`, Value: `client-${client}`, SyncCount: counts.get(`own-${client}`) ?? 0 }
]

describe("local server: concurrent writers over HTTP", () => {
  it.live("16 racing writers on one key: the accepted calls form a serial order, the rejected wrote nothing", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const before = { hot: "initial", cold: "untouched" }
      for (const round of [1, 2]) {
        const dataset = `race-${round}`
        yield* prepare(server, dataset, before)
        const calls = yield* race(server, dataset, 16, hotAndOwn, { barrier: false })
        const accepted = yield* checkRace(server, dataset, before, calls)
        const final = (yield* server.engine.snapshot)[poolId]![identityA]![dataset]!
        // The last accepted writer's value won the hot key.
        const last = accepted.find((call) => Either.getOrThrow(call.outcome)[0] === final.syncCount)!
        expect(final.records["hot"]).toEqual({ value: `client-${last.client}`, syncCount: final.syncCount })
        expect(final.records["cold"]).toEqual({ value: "untouched", syncCount: 1 })
      }
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("when all 16 read before any writes, exactly one write is accepted", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      const before = { hot: "initial" }
      yield* prepare(server, "barrier", before)
      const calls = yield* race(server, "barrier", 16, hotAndOwn, { barrier: true })
      const accepted = yield* checkRace(server, "barrier", before, calls)
      expect(accepted.length).toBe(1)
      expect(calls.filter((call) => Either.isLeft(call.outcome)).length).toBe(15)
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it.live("a mixed workload: distinct keys are all accepted one after another, hot-key writers race", () =>
    Effect.gen(function*() {
      const server = yield* Server.start({ port: 0 })
      // Clients 0-9 write only their own key; clients 10-15 also write the shared key.
      const mixed = (client: number, counts: ReadonlyMap<string, number>): ReadonlyArray<Patch> =>
        client < 10
          ? [{ Op: "replace", Key: `own-${client}`, Value: `v${client}`, SyncCount: counts.get(`own-${client}`) ?? 0 }]
          : hotAndOwn(client, counts)
      for (const round of [1, 2]) {
        const dataset = `mixed-${round}`
        const calls = yield* race(server, dataset, 16, mixed, { barrier: false })
        const accepted = yield* checkRace(server, dataset, {}, calls)
        const distinct = calls.filter((call) => call.client < 10)
        expect(distinct.every((call) => Either.isRight(call.outcome))).toBe(true)
        expect(accepted.length).toBeGreaterThanOrEqual(11)
        const final = (yield* server.engine.snapshot)[poolId]![identityA]![dataset]!
        for (const call of distinct) {
          expect(final.records[`own-${call.client}`]).toEqual({
            value: `v${call.client}`,
            syncCount: Either.getOrThrow(call.outcome)[0]
          })
        }
      }
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))

  it("the serial-order search rejects a state no serial order produces", () => {
    // Two calls that both wrote "hot" from count 0 cannot both have been accepted.
    const calls: ReadonlyArray<Call> = [
      { client: 0, patches: [{ Op: "replace", Key: "hot", Value: "a", SyncCount: 0 }], outcome: Either.right([1]) },
      { client: 1, patches: [{ Op: "replace", Key: "hot", Value: "b", SyncCount: 0 }], outcome: Either.right([2]) }
    ]
    const impossible: DatasetSnapshot = { syncCount: 2, records: { hot: { value: "b", syncCount: 2 } } }
    expect(findSerialOrder(initialState("d", {}), "d", calls, impossible)).toBeUndefined()
    const possible: ReadonlyArray<Call> = [
      calls[0]!,
      { client: 1, patches: [{ Op: "replace", Key: "hot", Value: "b", SyncCount: 1 }], outcome: Either.right([2]) }
    ]
    expect(findSerialOrder(initialState("d", {}), "d", [...possible].reverse(), impossible)).toEqual([0, 1])
  })
})
