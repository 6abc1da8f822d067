/**
 * Helpers shared by the engine tests (test/local/engine*.test.ts): ids, a service over a fresh or shared
 * engine, and the "list, then write with the token" round trip every client does.
 */
import { expect } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as CognitoSync from "../../src/CognitoSync.js"
import type * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import * as Local from "../../src/local/CognitoSyncLocal.js"
import type * as Engine from "../../src/local/Engine.js"
import type * as S from "../../src/Schemas.js"

export const POOL = "us-east-1:00000000-0000-0000-0000-000000000001"
export const OTHER_POOL = "us-east-1:00000000-0000-0000-0000-000000000002"
export const ALICE = "us-east-1:00000000-0000-0000-0000-0000000000aa"
export const BOB = "us-east-1:00000000-0000-0000-0000-0000000000bb"

export interface Target {
  readonly IdentityPoolId: string
  readonly IdentityId: string
  readonly DatasetName: string
}

/** A dataset of an identity in {@link POOL}. */
export const dataset = (DatasetName: string, IdentityId: string = ALICE, IdentityPoolId: string = POOL): Target => ({
  IdentityPoolId,
  IdentityId,
  DatasetName
})

/** Runs `body` against a fresh engine, with the in-process layer over it (developer credentials by default). */
export const withEngine = <A, E>(
  options: Omit<CognitoSyncLocal.LayerOptions, "engine">,
  body: (engine: Engine.Engine) => Effect.Effect<A, E, CognitoSync.CognitoSync>
): Effect.Effect<A, E> =>
  Effect.flatMap(
    Local.makeEngine(options),
    (engine) => body(engine).pipe(Effect.provide(Local.layerWith({ engine, caller: options.caller })))
  )

/** The same program as another client of `engine`. */
export const asClient = <A, E>(
  engine: Engine.Engine,
  effect: Effect.Effect<A, E, CognitoSync.CognitoSync>,
  caller?: Engine.Caller
): Effect.Effect<A, E> => Effect.provide(effect, Local.layerWith({ engine, caller }))

export const service = CognitoSync.CognitoSync

/** A fresh session token for a dataset. */
export const token = (target: Target) =>
  Effect.flatMap(service, (sync) => sync.listRecords(target)).pipe(Effect.map((page) => page.SyncSessionToken!))

/** ListRecords for a session token, then UpdateRecords with it. */
export const write = (
  target: Target,
  patches: ReadonlyArray<S.RecordPatch>,
  extra: { readonly DeviceId?: string } = {}
) =>
  Effect.gen(function*() {
    const sync = yield* service
    const SyncSessionToken = yield* token(target)
    return yield* sync.updateRecords({ ...target, ...extra, SyncSessionToken, RecordPatches: patches })
  })

/** One replace patch. */
export const put = (Key: string, Value: string, SyncCount: number): S.RecordPatch => ({
  Op: "replace",
  Key,
  Value,
  SyncCount
})

/** One remove patch. */
export const remove = (Key: string, SyncCount: number): S.RecordPatch => ({ Op: "remove", Key, SyncCount })

/** Every record changed after `LastSyncCount`, following NextToken. */
export const listAll = (target: Target, LastSyncCount?: number, MaxResults?: number) =>
  Effect.gen(function*() {
    const sync = yield* service
    const pages = yield* Stream.runCollect(sync.listRecordsPages({
      ...target,
      ...(LastSyncCount === undefined ? {} : { LastSyncCount }),
      ...(MaxResults === undefined ? {} : { MaxResults })
    }))
    return Chunk.toReadonlyArray(pages).flatMap((page) => page.Records ?? [])
  })

/** Key → value (undefined for a tombstone) of records. */
export const valuesOf = (records: ReadonlyArray<S.Record>): Record<string, string | undefined> =>
  Object.fromEntries(records.map((record) => [record.Key!, record.Value]))

/** Key → sync count of records. */
export const countsOf = (records: ReadonlyArray<S.Record>): Record<string, number | undefined> =>
  Object.fromEntries(records.map((record) => [record.Key!, record.SyncCount]))

/** Runs `effect`, expects it to fail with `tag` (and `message` when given), and returns the error. */
export const failsWith = <A, E extends { readonly _tag: string; readonly message: string }, R>(
  effect: Effect.Effect<A, E, R>,
  tag: E["_tag"],
  message?: string | RegExp
) =>
  Effect.map(Effect.flip(effect), (error) => {
    expect(error._tag).toBe(tag)
    if (typeof message === "string") expect(error.message).toBe(message)
    else if (message !== undefined) expect(error.message).toMatch(message)
    return error
  })

/** The status an error carries, if any. */
export const statusOf = (error: unknown): number | undefined =>
  typeof error === "object" && error !== null && "status" in error && typeof error.status === "number"
    ? error.status
    : undefined
