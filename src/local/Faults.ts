/**
 * Fault injection for testing clients against the emulator: throttling, internal errors, latency, and a write
 * that is applied but whose answer is lost. The server and the in-process layer share it. Faults are drawn from
 * a generator seeded with `seed`, in call order, so one sequence of calls meets the same faults every run.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"

/**
 * Fault settings. Rates are probabilities in [0, 1].
 *
 * @since 0.1.0
 * @category models
 */
export interface Faults {
  /** Answer this share of calls with 429 TooManyRequestsException, before doing anything. */
  readonly throttleRate?: number | undefined
  /** Answer this share of calls with 500 InternalErrorException, before doing anything. */
  readonly errorRate?: number | undefined
  /** Wait this long before answering each call. */
  readonly latency?: Duration.DurationInput | undefined
  /** Apply this share of successful writes, then lose the answer (the server drops the connection). */
  readonly dropAfterWriteRate?: number | undefined
  /** The seed of the fault generator. Default 1. */
  readonly seed?: number | undefined
}

/**
 * A fault to answer with instead of running the call.
 *
 * @since 0.1.0
 * @category models
 */
export interface InjectedError {
  readonly status: number
  readonly code: "TooManyRequestsException" | "InternalErrorException"
  readonly message: string
}

/**
 * Draws faults for calls, in order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Injector {
  /** The latency to add to every call, if any. */
  readonly latency: Duration.Duration | undefined
  /** Whether to fail a call before running it. */
  readonly before: () => InjectedError | undefined
  /** Whether to lose the answer of a successful call of this operation. */
  readonly dropAnswer: (operation: string) => boolean
}

/**
 * The operations that change state: the ones whose answer a dropped connection can lose after the change.
 *
 * @since 0.1.0
 * @category models
 */
export const writeOperations: ReadonlySet<string> = new Set([
  "UpdateRecords",
  "DeleteDataset",
  "RegisterDevice",
  "SetCognitoEvents",
  "SetIdentityPoolConfiguration",
  "SubscribeToDataset",
  "UnsubscribeFromDataset",
  "BulkPublish"
])

/** A small, fast, seeded generator (mulberry32). */
const seeded = (seed: number) => {
  let state = seed >>> 0
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Makes an injector for fault settings.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeInjector = (faults: Faults = {}): Injector => {
  const random = seeded(faults.seed ?? 1)
  const hit = (rate: number | undefined) => rate !== undefined && rate > 0 && random() < rate
  return {
    latency: faults.latency === undefined ? undefined : Duration.decode(faults.latency),
    before: () =>
      hit(faults.throttleRate)
        ? { status: 429, code: "TooManyRequestsException", message: "Rate exceeded" }
        : hit(faults.errorRate)
        ? { status: 500, code: "InternalErrorException", message: "Injected internal error" }
        : undefined,
    dropAnswer: (operation) => writeOperations.has(operation) && hit(faults.dropAfterWriteRate)
  }
}
