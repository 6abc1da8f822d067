/**
 * The emulator's engine: Cognito Sync's semantics as a pure transition over explicit, immutable state. Every
 * operation is `(state, input, context) => { state, result }`; the {@link Engine} service holds the state, takes
 * time from Effect's `Clock`, and serializes calls, so two racing writers behave as one after the other.
 *
 * The rules and where each comes from are written down in `docs/local.md`.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import type * as CognitoSync from "../CognitoSync.js"
import * as E from "../CognitoSyncError.js"
import * as limitRules from "../internal/limits.js"
import * as Operations from "../Operations.js"
import type * as S from "../Schemas.js"

// ---------------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------------

/**
 * A record as the engine keeps it. `value` undefined is a tombstone.
 *
 * @since 0.1.0
 * @category state
 */
export interface RecordState {
  readonly key: string
  readonly value: string | undefined
  readonly syncCount: number
  readonly lastModifiedDate: number
  readonly lastModifiedBy: string
  readonly deviceLastModifiedDate: number | undefined
}

/**
 * A dataset as the engine keeps it.
 *
 * @since 0.1.0
 * @category state
 */
export interface DatasetState {
  readonly name: string
  readonly creationDate: number
  readonly lastModifiedDate: number
  readonly lastModifiedBy: string
  readonly syncCount: number
  readonly records: HashMap.HashMap<string, RecordState>
  /** Live (not removed) records. */
  readonly numRecords: number
  /** UTF-8 bytes of the keys and values of the live records. */
  readonly dataStorage: number
  /** For a dataset made by an identity merge: the name of the dataset it was merged next to. */
  readonly mergedInto: string | undefined
}

/**
 * A device registered for push sync.
 *
 * @since 0.1.0
 * @category state
 */
export interface DeviceState {
  readonly deviceId: string
  readonly platform: string
  readonly token: string
  readonly subscriptions: ReadonlyArray<string>
}

/**
 * An identity's datasets and devices.
 *
 * @since 0.1.0
 * @category state
 */
export interface IdentityState {
  readonly datasets: HashMap.HashMap<string, DatasetState>
  /** Per dataset name, the sync count it had when it was last deleted (counts go on from there). */
  readonly deletedAt: HashMap.HashMap<string, number>
  readonly devices: HashMap.HashMap<string, DeviceState>
  readonly lastModifiedDate: number | undefined
}

/**
 * The bulk publish state machine of a pool.
 *
 * @since 0.1.0
 * @category state
 */
export interface BulkPublishState {
  readonly startTime: number | undefined
  readonly completeTime: number | undefined
  readonly failureMessage: string | undefined
}

/**
 * An identity pool.
 *
 * @since 0.1.0
 * @category state
 */
export interface PoolState {
  readonly identities: HashMap.HashMap<string, IdentityState>
  readonly pushSync: S.PushSync | undefined
  readonly cognitoStreams: S.CognitoStreams | undefined
  readonly events: { readonly [eventType: string]: string }
  readonly bulkPublish: BulkPublishState
  readonly syncSessionsCount: number
  readonly lastModifiedDate: number | undefined
}

/**
 * A sync session, named by the `SyncSessionToken` ListRecords hands out.
 *
 * @since 0.1.0
 * @category state
 */
export interface SessionState {
  readonly poolId: string
  readonly identityId: string
  readonly datasetName: string
  readonly expiresAt: number
  readonly consumed: boolean
}

/**
 * The whole state of an emulated service.
 *
 * @since 0.1.0
 * @category state
 */
export interface EngineState {
  readonly pools: HashMap.HashMap<string, PoolState>
  readonly sessions: HashMap.HashMap<string, SessionState>
  /** The earliest expiry among `sessions` (`Infinity` when there is none): none can expire before. */
  readonly sessionsExpireFrom: number
  /** Feeds request ids, session tokens and device ids. */
  readonly counter: number
  /** Makes this engine's tokens and ids unlike another engine's. */
  readonly salt: string
}

/**
 * The service's limits. The defaults are the published quotas.
 *
 * @since 0.1.0
 * @category options
 */
export interface Limits {
  readonly datasetsPerIdentity: number
  readonly recordsPerDataset: number
  readonly bytesPerDataset: number
}

/**
 * The published quotas: 20 datasets per identity, 1024 records and 1 MB per dataset.
 *
 * @since 0.1.0
 * @category options
 */
export const defaultLimits: Limits = limitRules.publishedLimits

const noLimits: Limits = { datasetsPerIdentity: Infinity, recordsPerDataset: Infinity, bytesPerDataset: Infinity }

/**
 * Engine settings.
 *
 * @since 0.1.0
 * @category options
 */
export interface Settings {
  readonly limits: Limits
  /** How long a sync session token stays valid. */
  readonly tokenTtlMillis: number
  /** How long a bulk publish stays IN_PROGRESS. */
  readonly bulkPublishMillis: number
}

/**
 * Who is calling: developer credentials (no `identityId`) may do anything; Cognito Identity credentials may
 * touch only their own identity, and only through the operations the model opens to them.
 *
 * @since 0.1.0
 * @category models
 */
export interface Caller {
  readonly identityId?: string | undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Transitions
// ---------------------------------------------------------------------------------------------------------------

/**
 * What one call does: the next state and the answer.
 *
 * @since 0.1.0
 * @category transitions
 */
export interface Step<A> {
  readonly state: EngineState
  readonly result: Either.Either<A, E.ModeledError>
}

/**
 * What a transition knows besides the state.
 *
 * @since 0.1.0
 * @category transitions
 */
export interface Context {
  readonly now: number
  readonly requestId: string
  readonly caller: Caller
  readonly settings: Settings
}

type Name = Operations.OperationName
type Handler<N extends Name> = (
  state: EngineState,
  input: CognitoSync.Input<N>,
  context: Context
) => Step<CognitoSync.Output<N>>

/**
 * The bytes a record counts toward the 1 MB dataset limit: UTF-8 key plus value; a tombstone counts nothing.
 *
 * @since 0.1.0
 * @category rules
 */
export const recordBytes: (record: { readonly key: string; readonly value: string | undefined }) => number =
  limitRules.recordBytes

type ErrorName = E.ModeledErrorName
const errorClasses = new Map<string, E.ModeledErrorClass>(E.modeledErrors.map((error) => [error._tag, error]))

const failure = (context: Context, name: ErrorName, message: string): E.ModeledError => {
  const ErrorClass = errorClasses.get(name)!
  return new ErrorClass({ message, status: E.modeledStatus[name], requestId: context.requestId })
}

const fail = <A>(state: EngineState, context: Context, name: ErrorName, message: string): Step<A> => ({
  state,
  result: Either.left(failure(context, name, message))
})

const succeed = <A>(state: EngineState, value: A): Step<A> => ({ state, result: Either.right(value) })

const emptyPool: PoolState = {
  identities: HashMap.empty(),
  pushSync: undefined,
  cognitoStreams: undefined,
  events: {},
  bulkPublish: { startTime: undefined, completeTime: undefined, failureMessage: undefined },
  syncSessionsCount: 0,
  lastModifiedDate: undefined
}

const emptyIdentity: IdentityState = {
  datasets: HashMap.empty(),
  deletedAt: HashMap.empty(),
  devices: HashMap.empty(),
  lastModifiedDate: undefined
}

const poolOf = (state: EngineState, poolId: string): PoolState =>
  Option.getOrElse(HashMap.get(state.pools, poolId), () => emptyPool)

const identityOf = (pool: PoolState, identityId: string): IdentityState =>
  Option.getOrElse(HashMap.get(pool.identities, identityId), () => emptyIdentity)

const datasetOf = (identity: IdentityState, name: string): DatasetState | undefined =>
  Option.getOrUndefined(HashMap.get(identity.datasets, name))

const withPool = (state: EngineState, poolId: string, pool: PoolState): EngineState => ({
  ...state,
  pools: HashMap.set(state.pools, poolId, pool)
})

const withIdentity = (
  state: EngineState,
  poolId: string,
  identityId: string,
  identity: IdentityState,
  now?: number
): EngineState => {
  const pool = poolOf(state, poolId)
  return withPool(state, poolId, {
    ...pool,
    identities: HashMap.set(pool.identities, identityId, identity),
    ...(now === undefined ? {} : { lastModifiedDate: now })
  })
}

const toDataset = (identityId: string, dataset: DatasetState): S.Dataset => ({
  IdentityId: identityId,
  DatasetName: dataset.name,
  CreationDate: new Date(dataset.creationDate),
  LastModifiedDate: new Date(dataset.lastModifiedDate),
  LastModifiedBy: dataset.lastModifiedBy,
  DataStorage: dataset.dataStorage,
  NumRecords: dataset.numRecords
})

const toRecord = (record: RecordState): S.Record => ({
  Key: record.key,
  ...(record.value === undefined ? {} : { Value: record.value }),
  SyncCount: record.syncCount,
  LastModifiedDate: new Date(record.lastModifiedDate),
  LastModifiedBy: record.lastModifiedBy,
  ...(record.deviceLastModifiedDate === undefined
    ? {}
    : { DeviceLastModifiedDate: new Date(record.deviceLastModifiedDate) })
})

const identityStorage = (identity: IdentityState): number => {
  let bytes = 0
  for (const dataset of HashMap.values(identity.datasets)) bytes += dataset.dataStorage
  return bytes
}

const poolStorage = (pool: PoolState): number => {
  let bytes = 0
  for (const identity of HashMap.values(pool.identities)) bytes += identityStorage(identity)
  return bytes
}

// Page tokens are opaque to clients: base64 of a small JSON value.
const encodePageToken = (position: unknown): string => btoa(JSON.stringify(position))
const decodePageToken = (token: string): unknown => {
  try {
    return JSON.parse(atob(token))
  } catch {
    return undefined
  }
}

const pageSize = (maxResults: number | undefined, limit: number): number | undefined =>
  maxResults === undefined ? limit : maxResults < 1 ? undefined : Math.min(maxResults, limit)

/** Pages a sorted list by offset. Undefined for a bad token or page size. */
const pageByOffset = <A>(
  items: ReadonlyArray<A>,
  input: { readonly NextToken?: string | undefined; readonly MaxResults?: number | undefined },
  limit: number
): { readonly page: ReadonlyArray<A>; readonly nextToken: string | undefined } | string => {
  const size = pageSize(input.MaxResults, limit)
  if (size === undefined) return `MaxResults must be at least 1, got ${input.MaxResults}`
  let offset = 0
  if (input.NextToken !== undefined) {
    const position = decodePageToken(input.NextToken)
    if (typeof position !== "number" || !Number.isInteger(position) || position < 0) return "Invalid NextToken"
    offset = position
  }
  const page = items.slice(offset, offset + size)
  return { page, nextToken: offset + size < items.length ? encodePageToken(offset + size) : undefined }
}

const nextId = (state: EngineState, prefix: string): readonly [EngineState, string] => {
  const counter = state.counter + 1
  return [{ ...state, counter }, `${prefix}${state.salt}${counter.toString(16).padStart(8, "0")}`]
}

const byteHex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"))

/** A well-formed id looks like a GUID, so clients that check ids accept it. */
const guidFrom = (text: string): string => {
  // Every request takes one: a plain loop over a table, not an array per character.
  let hex = ""
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    hex += code < 256 ? byteHex[code] : code.toString(16)
  }
  const h = hex.padEnd(32, "0").slice(-32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/**
 * The name a merged copy of `name` from `identityId` gets: `<name>.<identityId>`, cut to 128 characters.
 *
 * @since 0.1.0
 * @category rules
 */
export const mergedDatasetName = (name: string, identityId: string): string =>
  `${name.slice(0, Math.max(1, 127 - identityId.length))}.${identityId}`

const mergedNames = (identity: IdentityState, name: string): ReadonlyArray<string> => {
  const names: Array<string> = []
  for (const dataset of HashMap.values(identity.datasets)) {
    if (dataset.mergedInto === name) names.push(dataset.name)
  }
  return names.sort()
}

const bulkPublishStatus = (pool: PoolState, context: Context): CognitoSync.Output<"GetBulkPublishDetails"> => {
  const { completeTime, failureMessage, startTime } = pool.bulkPublish
  if (startTime === undefined) return { BulkPublishStatus: "NOT_STARTED" }
  const done = completeTime !== undefined && completeTime <= context.now
  return {
    BulkPublishStartTime: new Date(startTime),
    BulkPublishStatus: !done ? "IN_PROGRESS" : failureMessage === undefined ? "SUCCEEDED" : "FAILED",
    ...(done && failureMessage === undefined ? { BulkPublishCompleteTime: new Date(completeTime) } : {}),
    ...(done && failureMessage !== undefined ? { FailureMessage: failureMessage } : {})
  }
}

const platformOfArn = (arn: string): string | undefined => /:app\/([A-Z_]+)\//.exec(arn)?.[1]

const pushConfigurationProblem = (pool: PoolState, platform?: string): string | undefined => {
  const arns = pool.pushSync?.ApplicationArns ?? []
  if (arns.length === 0) return "Push sync is not configured for this identity pool"
  if (platform !== undefined && !arns.some((arn) => platformOfArn(arn) === platform)) {
    return `No platform application is configured for platform ${platform}`
  }
  return undefined
}

const sessionProblem = (
  session: SessionState | undefined,
  input: { readonly IdentityPoolId: string; readonly IdentityId: string; readonly DatasetName: string },
  context: Context
): string | undefined => {
  if (
    session === undefined || session.poolId !== input.IdentityPoolId || session.identityId !== input.IdentityId ||
    session.datasetName !== input.DatasetName
  ) return "SyncSessionToken not valid for these inputs"
  if (session.expiresAt <= context.now) return "SyncSessionToken has expired"
  if (session.consumed) return "SyncSessionToken has already been used"
  return undefined
}

/**
 * Drops sessions that expired, now and then, so the table does not grow without bound. The table is only walked
 * when a session has expired: it holds every session of the last few minutes.
 */
const pruneSessions = (state: EngineState, now: number): EngineState => {
  if (state.counter % 1024 !== 0 || state.sessionsExpireFrom > now) return state
  const sessions = HashMap.filter(state.sessions, (session) => session.expiresAt > now)
  let sessionsExpireFrom = Infinity
  for (const session of HashMap.values(sessions)) sessionsExpireFrom = Math.min(sessionsExpireFrom, session.expiresAt)
  return { ...state, sessions, sessionsExpireFrom }
}

const writeDataset = (
  identity: IdentityState,
  dataset: DatasetState,
  now: number
): IdentityState => ({
  ...identity,
  datasets: HashMap.set(identity.datasets, dataset.name, dataset),
  lastModifiedDate: now
})

/**
 * Writes records as one UpdateRecords would: one sync count up, every written record stamped with it. Checks the
 * limits; nothing is written when one is broken.
 */
const applyWrites = (
  identity: IdentityState,
  existing: DatasetState | undefined,
  name: string,
  writes: ReadonlyArray<{ readonly key: string; readonly value: string | undefined; readonly device?: number }>,
  by: string,
  context: Context
): Either.Either<{ readonly dataset: DatasetState; readonly written: ReadonlyArray<RecordState> }, string> => {
  const limits = context.settings.limits
  if (existing === undefined && HashMap.size(identity.datasets) >= limits.datasetsPerIdentity) {
    return Either.left(`Number of datasets exceeds the limit of ${limits.datasetsPerIdentity} per identity`)
  }
  const baseCount = existing?.syncCount ?? Option.getOrElse(HashMap.get(identity.deletedAt, name), () => 0)
  const syncCount = baseCount + 1
  let records = existing?.records ?? HashMap.empty<string, RecordState>()
  let numRecords = existing?.numRecords ?? 0
  let dataStorage = existing?.dataStorage ?? 0
  const written: Array<RecordState> = []
  for (const write of writes) {
    const previous = Option.getOrUndefined(HashMap.get(records, write.key))
    if (previous !== undefined && previous.value !== undefined) {
      numRecords--
      dataStorage -= recordBytes(previous)
    }
    const record: RecordState = {
      key: write.key,
      value: write.value,
      syncCount,
      lastModifiedDate: context.now,
      lastModifiedBy: by,
      deviceLastModifiedDate: write.device
    }
    if (record.value !== undefined) {
      numRecords++
      dataStorage += recordBytes(record)
    }
    records = HashMap.set(records, write.key, record)
    written.push(record)
  }
  if (numRecords > limits.recordsPerDataset) {
    return Either.left(`Number of records exceeds the limit of ${limits.recordsPerDataset} per dataset`)
  }
  if (dataStorage > limits.bytesPerDataset) {
    return Either.left(`Dataset size exceeds the limit of ${limits.bytesPerDataset} bytes`)
  }
  return Either.right({
    dataset: {
      name,
      creationDate: existing?.creationDate ?? context.now,
      lastModifiedDate: context.now,
      lastModifiedBy: by,
      syncCount,
      records,
      numRecords,
      dataStorage,
      mergedInto: existing?.mergedInto
    },
    written
  })
}

const handlers: { readonly [N in Name]: Handler<N> } = {
  ListRecords: (state, input, context) => {
    const pool = poolOf(state, input.IdentityPoolId)
    const identity = identityOf(pool, input.IdentityId)
    const dataset = datasetOf(identity, input.DatasetName)
    const deletedAt = Option.getOrElse(HashMap.get(identity.deletedAt, input.DatasetName), () => 0)
    const lastSyncCount = input.LastSyncCount ?? 0
    const currentCount = dataset?.syncCount ?? 0
    // A count from before the last delete belongs to an earlier life of the dataset.
    const deletedAfter = lastSyncCount > 0 && lastSyncCount <= deletedAt
    if (!deletedAfter && lastSyncCount > currentCount) {
      return fail(
        state,
        context,
        "InvalidParameterException",
        `No such SyncCount: ${lastSyncCount} exists for this Dataset`
      )
    }

    let next = state
    let token = input.SyncSessionToken
    if (token !== undefined) {
      const problem = sessionProblem(Option.getOrUndefined(HashMap.get(state.sessions, token)), input, context)
      if (problem !== undefined) return fail(state, context, "InvalidParameterException", problem)
    } else {
      const [counted, id] = nextId(state, "")
      token = id
      next = pruneSessions(counted, context.now)
      const expiresAt = context.now + context.settings.tokenTtlMillis
      next = {
        ...next,
        sessions: HashMap.set(next.sessions, token, {
          poolId: input.IdentityPoolId,
          identityId: input.IdentityId,
          datasetName: input.DatasetName,
          expiresAt,
          consumed: false
        }),
        sessionsExpireFrom: Math.min(next.sessionsExpireFrom, expiresAt)
      }
      next = withPool(next, input.IdentityPoolId, { ...pool, syncSessionsCount: pool.syncSessionsCount + 1 })
    }

    const size = pageSize(input.MaxResults, context.settings.limits.recordsPerDataset)
    if (size === undefined) {
      return fail(state, context, "InvalidParameterException", `MaxResults must be at least 1, got ${input.MaxResults}`)
    }
    let after: readonly [number, string] = [deletedAfter ? 0 : lastSyncCount, ""]
    if (input.NextToken !== undefined) {
      const position = decodePageToken(input.NextToken)
      if (
        !Array.isArray(position) || position.length !== 2 || typeof position[0] !== "number" ||
        typeof position[1] !== "string"
      ) return fail(state, context, "InvalidParameterException", "Invalid NextToken")
      after = [position[0], position[1]]
    }
    const changed: Array<RecordState> = []
    if (dataset !== undefined) {
      for (const record of HashMap.values(dataset.records)) {
        const minimum = deletedAfter ? 0 : lastSyncCount
        if (record.syncCount <= minimum) continue
        if (record.syncCount < after[0] || (record.syncCount === after[0] && record.key <= after[1])) continue
        changed.push(record)
      }
    }
    changed.sort((a, b) => a.syncCount - b.syncCount || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    const page = changed.slice(0, size)
    const last = page[page.length - 1]
    const merged = mergedNames(identity, input.DatasetName)
    return succeed(next, {
      Records: page.map(toRecord),
      ...(changed.length > size && last !== undefined
        ? { NextToken: encodePageToken([last.syncCount, last.key]) }
        : {}),
      Count: page.length,
      DatasetSyncCount: currentCount,
      ...(dataset === undefined ? {} : { LastModifiedBy: dataset.lastModifiedBy }),
      ...(merged.length === 0 ? {} : { MergedDatasetNames: merged }),
      DatasetExists: dataset !== undefined,
      DatasetDeletedAfterRequestedSyncCount: deletedAfter,
      SyncSessionToken: token
    })
  },

  UpdateRecords: (state, input, context) => {
    const session = Option.getOrUndefined(HashMap.get(state.sessions, input.SyncSessionToken))
    const problem = sessionProblem(session, input, context)
    if (problem !== undefined) return fail(state, context, "InvalidParameterException", problem)
    const pool = poolOf(state, input.IdentityPoolId)
    const identity = identityOf(pool, input.IdentityId)
    const dataset = datasetOf(identity, input.DatasetName)
    const patches = input.RecordPatches ?? []

    const seen = new Set<string>()
    for (const patch of patches) {
      if (seen.has(patch.Key)) {
        return fail(state, context, "InvalidParameterException", `Duplicate key in RecordPatches: ${patch.Key}`)
      }
      seen.add(patch.Key)
      if (patch.Op === "replace" && patch.Value === undefined) {
        return fail(state, context, "InvalidParameterException", `A replace patch needs a Value (key ${patch.Key})`)
      }
    }
    for (const patch of patches) {
      const current = dataset === undefined
        ? 0
        : Option.match(HashMap.get(dataset.records, patch.Key), { onNone: () => 0, onSome: (r) => r.syncCount })
      if (patch.SyncCount !== current) {
        return fail(
          state,
          context,
          "ResourceConflictException",
          `Current SyncCount for: ${patch.Key} is: ${current} not: ${patch.SyncCount}`
        )
      }
    }

    const consumed: EngineState = {
      ...state,
      sessions: HashMap.set(state.sessions, input.SyncSessionToken, { ...session!, consumed: true })
    }
    if (patches.length === 0) return succeed(consumed, { Records: [] })

    const by = input.DeviceId ?? input.IdentityId
    const applied = applyWrites(
      identity,
      dataset,
      input.DatasetName,
      patches.map((patch) => ({
        key: patch.Key,
        value: patch.Op === "remove" ? undefined : patch.Value,
        ...(patch.DeviceLastModifiedDate === undefined ? {} : { device: patch.DeviceLastModifiedDate.getTime() })
      })),
      by,
      context
    )
    if (Either.isLeft(applied)) return fail(state, context, "LimitExceededException", applied.left)
    const next = withIdentity(
      consumed,
      input.IdentityPoolId,
      input.IdentityId,
      writeDataset(identity, applied.right.dataset, context.now),
      context.now
    )
    return succeed(next, { Records: applied.right.written.map(toRecord) })
  },

  DescribeDataset: (state, input, context) => {
    const dataset = datasetOf(identityOf(poolOf(state, input.IdentityPoolId), input.IdentityId), input.DatasetName)
    return dataset === undefined
      ? fail(state, context, "ResourceNotFoundException", `Dataset ${input.DatasetName} not found`)
      : succeed(state, { Dataset: toDataset(input.IdentityId, dataset) })
  },

  DeleteDataset: (state, input, context) => {
    const identity = identityOf(poolOf(state, input.IdentityPoolId), input.IdentityId)
    const dataset = datasetOf(identity, input.DatasetName)
    if (dataset === undefined) {
      return fail(state, context, "ResourceNotFoundException", `Dataset ${input.DatasetName} not found`)
    }
    const next: IdentityState = {
      datasets: HashMap.remove(identity.datasets, input.DatasetName),
      deletedAt: HashMap.set(identity.deletedAt, input.DatasetName, dataset.syncCount),
      devices: HashMap.map(identity.devices, (device) => ({
        ...device,
        subscriptions: device.subscriptions.filter((name) => name !== input.DatasetName)
      })),
      lastModifiedDate: context.now
    }
    return succeed(withIdentity(state, input.IdentityPoolId, input.IdentityId, next, context.now), {
      Dataset: toDataset(input.IdentityId, dataset)
    })
  },

  ListDatasets: (state, input, context) => {
    const identity = identityOf(poolOf(state, input.IdentityPoolId), input.IdentityId)
    const datasets = Array.from(HashMap.values(identity.datasets)).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    )
    const paged = pageByOffset(datasets, input, 64)
    if (typeof paged === "string") return fail(state, context, "InvalidParameterException", paged)
    return succeed(state, {
      Datasets: paged.page.map((dataset) => toDataset(input.IdentityId, dataset)),
      Count: paged.page.length,
      ...(paged.nextToken === undefined ? {} : { NextToken: paged.nextToken })
    })
  },

  DescribeIdentityUsage: (state, input) => {
    const identity = identityOf(poolOf(state, input.IdentityPoolId), input.IdentityId)
    return succeed(state, {
      IdentityUsage: {
        IdentityId: input.IdentityId,
        IdentityPoolId: input.IdentityPoolId,
        ...(identity.lastModifiedDate === undefined ? {} : { LastModifiedDate: new Date(identity.lastModifiedDate) }),
        DatasetCount: HashMap.size(identity.datasets),
        DataStorage: identityStorage(identity)
      }
    })
  },

  DescribeIdentityPoolUsage: (state, input) => {
    const pool = poolOf(state, input.IdentityPoolId)
    return succeed(state, { IdentityPoolUsage: poolUsage(input.IdentityPoolId, pool) })
  },

  ListIdentityPoolUsage: (state, input, context) => {
    const pools = Array.from(HashMap.entries(state.pools)).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    const paged = pageByOffset(pools, input, 60)
    if (typeof paged === "string") return fail(state, context, "InvalidParameterException", paged)
    return succeed(state, {
      IdentityPoolUsages: paged.page.map(([poolId, pool]) => poolUsage(poolId, pool)),
      MaxResults: pageSize(input.MaxResults, 60) ?? 60,
      Count: paged.page.length,
      ...(paged.nextToken === undefined ? {} : { NextToken: paged.nextToken })
    })
  },

  GetIdentityPoolConfiguration: (state, input) =>
    succeed(state, poolConfiguration(input.IdentityPoolId, poolOf(state, input.IdentityPoolId))),

  SetIdentityPoolConfiguration: (state, input, context) => {
    const pool = poolOf(state, input.IdentityPoolId)
    if (input.CognitoStreams?.StreamingStatus === "ENABLED" && input.CognitoStreams.StreamName === undefined) {
      return fail(state, context, "InvalidParameterException", "StreamName is required to enable Cognito Streams")
    }
    const next: PoolState = {
      ...pool,
      pushSync: input.PushSync ?? pool.pushSync,
      cognitoStreams: input.CognitoStreams ?? pool.cognitoStreams
    }
    return succeed(withPool(state, input.IdentityPoolId, next), poolConfiguration(input.IdentityPoolId, next))
  },

  GetCognitoEvents: (state, input) => succeed(state, { Events: { ...poolOf(state, input.IdentityPoolId).events } }),

  SetCognitoEvents: (state, input) => {
    const pool = poolOf(state, input.IdentityPoolId)
    const events: { [eventType: string]: string } = { ...pool.events }
    for (const [eventType, arn] of Object.entries(input.Events)) {
      if (arn === "") delete events[eventType]
      else events[eventType] = arn
    }
    return succeed(withPool(state, input.IdentityPoolId, { ...pool, events }), {})
  },

  BulkPublish: (state, input, context) => {
    const pool = poolOf(state, input.IdentityPoolId)
    const streams = pool.cognitoStreams
    if (streams?.StreamName === undefined) {
      return fail(state, context, "InvalidParameterException", "Cognito Streams is not configured for this pool")
    }
    const status = bulkPublishStatus(pool, context)
    if (status.BulkPublishStatus === "IN_PROGRESS") {
      return fail(state, context, "DuplicateRequestException", "A bulk publish is already in progress")
    }
    if (
      status.BulkPublishStatus === "SUCCEEDED" && status.BulkPublishCompleteTime !== undefined &&
      context.now - status.BulkPublishCompleteTime.getTime() < 24 * 60 * 60 * 1000
    ) {
      return fail(
        state,
        context,
        "AlreadyStreamedException",
        "A bulk publish already succeeded in the last 24 hours"
      )
    }
    const next: PoolState = {
      ...pool,
      bulkPublish: {
        startTime: context.now,
        completeTime: context.now + context.settings.bulkPublishMillis,
        failureMessage: streams.StreamingStatus === "DISABLED" ? "Cognito Streams is disabled" : undefined
      }
    }
    return succeed(withPool(state, input.IdentityPoolId, next), { IdentityPoolId: input.IdentityPoolId })
  },

  GetBulkPublishDetails: (state, input, context) =>
    succeed(state, {
      IdentityPoolId: input.IdentityPoolId,
      ...bulkPublishStatus(poolOf(state, input.IdentityPoolId), context)
    }),

  RegisterDevice: (state, input, context) => {
    const pool = poolOf(state, input.IdentityPoolId)
    const problem = pushConfigurationProblem(pool, input.Platform)
    if (problem !== undefined) return fail(state, context, "InvalidConfigurationException", problem)
    const identity = identityOf(pool, input.IdentityId)
    for (const device of HashMap.values(identity.devices)) {
      if (device.platform === input.Platform && device.token === input.Token) {
        return succeed(state, { DeviceId: device.deviceId })
      }
    }
    const [counted, id] = nextId(state, "device")
    const deviceId = guidFrom(id)
    const next: IdentityState = {
      ...identity,
      devices: HashMap.set(identity.devices, deviceId, {
        deviceId,
        platform: input.Platform,
        token: input.Token,
        subscriptions: []
      })
    }
    return succeed(withIdentity(counted, input.IdentityPoolId, input.IdentityId, next), { DeviceId: deviceId })
  },

  SubscribeToDataset: (state, input, context) => changeSubscription(state, input, context, true),

  UnsubscribeFromDataset: (state, input, context) => changeSubscription(state, input, context, false)
}

const poolUsage = (poolId: string, pool: PoolState): S.IdentityPoolUsage => ({
  IdentityPoolId: poolId,
  SyncSessionsCount: pool.syncSessionsCount,
  DataStorage: poolStorage(pool),
  ...(pool.lastModifiedDate === undefined ? {} : { LastModifiedDate: new Date(pool.lastModifiedDate) })
})

const poolConfiguration = (poolId: string, pool: PoolState): CognitoSync.Output<"GetIdentityPoolConfiguration"> => ({
  IdentityPoolId: poolId,
  ...(pool.pushSync === undefined ? {} : { PushSync: setMembers(pool.pushSync) }),
  ...(pool.cognitoStreams === undefined ? {} : { CognitoStreams: setMembers(pool.cognitoStreams) })
})

/** The members of a configuration that are set: an output leaves a member out rather than holding `undefined`. */
const setMembers = <A extends object>(value: A): { [K in keyof A]: Exclude<A[K], undefined> } =>
  Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as {
    [K in keyof A]: Exclude<A[K], undefined>
  }

const changeSubscription = (
  state: EngineState,
  input: CognitoSync.Input<"SubscribeToDataset">,
  context: Context,
  subscribe: boolean
): Step<{}> => {
  const pool = poolOf(state, input.IdentityPoolId)
  const problem = pushConfigurationProblem(pool)
  if (problem !== undefined) return fail(state, context, "InvalidConfigurationException", problem)
  const identity = identityOf(pool, input.IdentityId)
  const device = Option.getOrUndefined(HashMap.get(identity.devices, input.DeviceId))
  if (device === undefined) {
    return fail(state, context, "ResourceNotFoundException", `Device ${input.DeviceId} is not registered`)
  }
  const others = device.subscriptions.filter((name) => name !== input.DatasetName)
  const next: IdentityState = {
    ...identity,
    devices: HashMap.set(identity.devices, input.DeviceId, {
      ...device,
      subscriptions: subscribe ? [...others, input.DatasetName] : others
    })
  }
  return succeed(withIdentity(state, input.IdentityPoolId, input.IdentityId, next), {})
}

/**
 * Runs one operation against a state: checks who is calling, then applies the operation's rules. The input must
 * already satisfy the operation's Schema.
 *
 * @since 0.1.0
 * @category transitions
 */
export const step = <N extends Name>(
  state: EngineState,
  name: N,
  input: CognitoSync.Input<N>,
  context: Context
): Step<CognitoSync.Output<N>> => {
  const callerIdentity = context.caller.identityId
  if (callerIdentity !== undefined) {
    const op = Operations.operations[name]
    if (op.callers === "developer") {
      return fail(state, context, "NotAuthorizedException", `${name} needs developer credentials`)
    }
    const target = (input as { readonly IdentityId?: string }).IdentityId
    if (target !== undefined && target !== callerIdentity) {
      return fail(state, context, "NotAuthorizedException", `Access to identity ${target} is not allowed`)
    }
  }
  return (handlers[name] as Handler<N>)(state, input, context)
}

/**
 * Merges identity `from` into identity `into` of a pool, as Cognito Identity does when an identity is linked to
 * another: each dataset `name` of `from` becomes `<name>.<from>` under `into` (its live records written once,
 * sync count 1), and `name` of `into` reports it in `MergedDatasetNames` until it is deleted. `from` loses its
 * datasets. Returns the names of the merged datasets.
 *
 * @since 0.1.0
 * @category admin
 */
export const mergeIdentities = (
  state: EngineState,
  poolId: string,
  from: string,
  into: string,
  context: Context
): { readonly state: EngineState; readonly merged: ReadonlyArray<string> } => {
  // An identity merged into itself would copy its datasets next to themselves and then drop the originals.
  if (from === into) return { state, merged: [] }
  const pool = poolOf(state, poolId)
  const source = identityOf(pool, from)
  let target = identityOf(pool, into)
  const merged: Array<string> = []
  // Merged copies are held to no limit: losing data in a merge would be worse than going over one.
  const unlimited: Context = { ...context, settings: { ...context.settings, limits: noLimits } }
  for (const dataset of HashMap.values(source.datasets)) {
    const name = mergedDatasetName(dataset.name, from)
    const live = Array.from(HashMap.values(dataset.records)).filter((record) => record.value !== undefined)
    const writes = live.map((record) => ({
      key: record.key,
      value: record.value,
      ...(record.deviceLastModifiedDate === undefined ? {} : { device: record.deviceLastModifiedDate })
    }))
    // A copy left from an earlier merge of `from` takes the new one as a further write: nothing is lost, and
    // clients that synced the copy see the change (its count goes on).
    const copy = applyWrites(target, datasetOf(target, name), name, writes, from, unlimited)
    if (Either.isRight(copy)) {
      target = writeDataset(target, { ...copy.right.dataset, mergedInto: dataset.name }, context.now)
      merged.push(name)
    }
  }
  const emptied: IdentityState = {
    ...source,
    datasets: HashMap.empty(),
    deletedAt: HashMap.reduce(
      source.datasets,
      source.deletedAt,
      (deletedAt, dataset, name) => HashMap.set(deletedAt, name, dataset.syncCount)
    ),
    lastModifiedDate: context.now
  }
  let next = withIdentity(state, poolId, into, target, context.now)
  next = withIdentity(next, poolId, from, emptied, context.now)
  return { state: next, merged }
}

/**
 * Seed data: pool id → identity id → dataset name → key → value. Each dataset is written in one write, so its
 * records and the dataset have sync count 1.
 *
 * @since 0.1.0
 * @category state
 */
export interface Seed {
  readonly [identityPoolId: string]: {
    readonly [identityId: string]: {
      readonly [datasetName: string]: { readonly [key: string]: string }
    }
  }
}

/**
 * A state holding the seed data (the empty state when there is none).
 *
 * @since 0.1.0
 * @category state
 */
export const initialState = (salt: string, now: number, seed: Seed = {}): EngineState => {
  let state: EngineState = {
    pools: HashMap.empty(),
    sessions: HashMap.empty(),
    sessionsExpireFrom: Infinity,
    counter: 0,
    salt
  }
  const context: Context = {
    now,
    requestId: "seed",
    caller: {},
    settings: { limits: noLimits, tokenTtlMillis: 0, bulkPublishMillis: 0 }
  }
  for (const [poolId, identities] of Object.entries(seed)) {
    for (const [identityId, datasets] of Object.entries(identities)) {
      let identity = identityOf(poolOf(state, poolId), identityId)
      for (const [name, records] of Object.entries(datasets)) {
        const writes = Object.entries(records).map(([key, value]) => ({ key, value }))
        const applied = applyWrites(identity, undefined, name, writes, identityId, context)
        if (Either.isRight(applied)) identity = writeDataset(identity, applied.right.dataset, now)
      }
      state = withIdentity(state, poolId, identityId, identity, now)
    }
  }
  return state
}

// ---------------------------------------------------------------------------------------------------------------
// The engine service
// ---------------------------------------------------------------------------------------------------------------

/**
 * A plain view of the stored data, for tests and tools: pool → identity → dataset.
 *
 * @since 0.1.0
 * @category models
 */
export interface Snapshot {
  readonly [identityPoolId: string]: {
    readonly [identityId: string]: {
      readonly [datasetName: string]: {
        readonly syncCount: number
        readonly records: {
          readonly [key: string]: { readonly value: string | undefined; readonly syncCount: number }
        }
      }
    }
  }
}

/**
 * Options of an engine.
 *
 * @since 0.1.0
 * @category options
 */
export interface EngineOptions {
  /** How long a sync session token stays valid. Default: 5 minutes. */
  readonly tokenTtl?: Duration.DurationInput | undefined
  /** How long a bulk publish stays IN_PROGRESS. Default: 1 second. */
  readonly bulkPublishDuration?: Duration.DurationInput | undefined
  /** Limits other than the published quotas, for tests. */
  readonly limits?: Partial<Limits> | undefined
  /** Data present from the start. */
  readonly seed?: Seed | undefined
}

/**
 * Options of one call.
 *
 * @since 0.1.0
 * @category models
 */
export interface InvokeOptions {
  readonly caller?: Caller | undefined
  /** The request id to stamp on errors; a fresh one by default. */
  readonly requestId?: string | undefined
}

/**
 * An emulated Cognito Sync service: a state and the operations over it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Engine {
  /** Runs an operation on input that already satisfies its Schema. Calls are serialized. */
  readonly invoke: <N extends Name>(
    name: N,
    input: CognitoSync.Input<N>,
    options?: InvokeOptions
  ) => Effect.Effect<CognitoSync.Output<N>, Operations.ModeledErrors<(typeof Operations.operations)[N]>>
  /** Merges identity `from` into `into` (see {@link mergeIdentities}); returns the merged dataset names. */
  readonly mergeIdentities: (
    identityPoolId: string,
    from: string,
    into: string
  ) => Effect.Effect<ReadonlyArray<string>>
  /** The current state. */
  readonly state: Effect.Effect<EngineState>
  /** A plain view of the stored data. */
  readonly snapshot: Effect.Effect<Snapshot>
  /** A fresh request id. */
  readonly nextRequestId: Effect.Effect<string>
  /** The settings in force. */
  readonly settings: Settings
}

/**
 * A plain view of a state's data.
 *
 * @since 0.1.0
 * @category state
 */
export const snapshotOf = (state: EngineState): Snapshot => {
  const pools: { [poolId: string]: { [identityId: string]: { [name: string]: Snapshot[string][string][string] } } } = {}
  for (const [poolId, pool] of HashMap.entries(state.pools)) {
    const identities: { [identityId: string]: { [name: string]: Snapshot[string][string][string] } } = {}
    for (const [identityId, identity] of HashMap.entries(pool.identities)) {
      const datasets: { [name: string]: Snapshot[string][string][string] } = {}
      for (const [name, dataset] of HashMap.entries(identity.datasets)) {
        const records: { [key: string]: { value: string | undefined; syncCount: number } } = {}
        for (const [key, record] of HashMap.entries(dataset.records)) {
          // Defined, not assigned: `__proto__` is a valid key (and dataset name) and must stay an own property.
          Object.defineProperty(records, key, {
            value: { value: record.value, syncCount: record.syncCount },
            enumerable: true,
            writable: true,
            configurable: true
          })
        }
        Object.defineProperty(datasets, name, {
          value: { syncCount: dataset.syncCount, records },
          enumerable: true,
          writable: true,
          configurable: true
        })
      }
      identities[identityId] = datasets
    }
    pools[poolId] = identities
  }
  return pools
}

/**
 * Makes an engine.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: EngineOptions = {}): Effect.Effect<Engine> =>
  Effect.gen(function*() {
    const settings: Settings = {
      limits: { ...defaultLimits, ...options.limits },
      tokenTtlMillis: Duration.toMillis(options.tokenTtl ?? Duration.minutes(5)),
      bulkPublishMillis: Duration.toMillis(options.bulkPublishDuration ?? Duration.seconds(1))
    }
    const salt = (yield* Random.nextIntBetween(0, 0x1000000)).toString(16).padStart(6, "0")
    const ref = yield* Ref.make(initialState(salt, yield* Clock.currentTimeMillis, options.seed))
    const issueRequestId = (state: EngineState): readonly [string, EngineState] => {
      const [next, id] = nextId(state, "")
      return [guidFrom(id), next]
    }
    const nextRequestId = Ref.modify(ref, issueRequestId)
    // One synchronous `Ref.modify` that reads the clock inside it: each call is atomic, so calls are serialized
    // and their times follow their order, with no semaphore to take and release.
    const transact = <A>(f: (state: EngineState, now: number) => readonly [A, EngineState]) =>
      Effect.clockWith((clock) => Ref.modify(ref, (state) => f(state, clock.unsafeCurrentTimeMillis())))

    const invoke = <N extends Name>(name: N, input: CognitoSync.Input<N>, invokeOptions?: InvokeOptions) =>
      Effect.flatten(transact((state, now) => {
        const [requestId, counted] = invokeOptions?.requestId === undefined
          ? issueRequestId(state)
          : [invokeOptions.requestId, state] as const
        const { result, state: next } = step(counted, name, input, {
          now,
          requestId,
          caller: invokeOptions?.caller ?? {},
          settings
        })
        return [result, next] as const
      })) as Effect.Effect<CognitoSync.Output<N>, Operations.ModeledErrors<(typeof Operations.operations)[N]>>

    return {
      invoke,
      mergeIdentities: (poolId, from, into) =>
        transact((state, now) => {
          const merged = mergeIdentities(state, poolId, from, into, {
            now,
            requestId: "merge",
            caller: {},
            settings
          })
          return [merged.merged, merged.state] as const
        }),
      state: Ref.get(ref),
      snapshot: Effect.map(Ref.get(ref), snapshotOf),
      nextRequestId,
      settings
    }
  })
