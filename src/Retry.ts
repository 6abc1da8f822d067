/**
 * The retry policy: which failures are tried again, how many times, and how long to wait in between.
 *
 * The default makes at most 3 attempts. It retries throttling (HTTP 429, or a throttling code such as
 * `TooManyRequestsException` or `ThrottlingException`), HTTP 500, 502, 503 and 504, transport failures and
 * timeouts. The wait before retry `n` (0-based) is random between 0 and `min(maxDelay, base * 2^n)` ("full
 * jitter"), with base 100 ms, 500 ms for throttling, and a 20 s cap; a `Retry-After` header raises it, up to the
 * cap. `LimitExceededException` is a quota (datasets per identity, bytes or records per dataset), not
 * throttling: waiting does not lift it, so unlike the AWS SDK for JavaScript it is not retried.
 *
 * Replace the policy for a part of a program with {@link withPolicy}, or for a client with its `retryPolicy`
 * option; `maxAttempts: 1` turns retries off.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { CognitoSyncError } from "./CognitoSyncError.js"
import { errorCode, isServiceError } from "./CognitoSyncError.js"

/**
 * A retry policy.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. 1 means no retry. */
  readonly maxAttempts: number
  /** The base of the exponential backoff for ordinary transient failures. */
  readonly baseDelay: Duration.DurationInput
  /** The base of the exponential backoff for throttling. */
  readonly throttlingBaseDelay: Duration.DurationInput
  /** No wait is longer than this, `Retry-After` included. */
  readonly maxDelay: Duration.DurationInput
  /** Whether a failure may be tried again. */
  readonly isRetryable: (error: CognitoSyncError) => boolean
}

const throttlingCodes: ReadonlySet<string> = new Set([
  "TooManyRequestsException",
  "LambdaThrottledException",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "SlowDown",
  "PriorRequestNotComplete",
  "BandwidthLimitExceeded",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "EC2ThrottledException"
])

const transientCodes: ReadonlySet<string> = new Set(["RequestTimeout", "RequestTimeoutException"])

const transientStatuses: ReadonlySet<number> = new Set([500, 502, 503, 504])

/**
 * Whether a failure is throttling: HTTP 429, or a throttling error code whatever its status. Classified by
 * status and code, so an unmodeled `ThrottlingException` counts too.
 *
 * @since 0.1.0
 * @category classification
 */
export const isThrottling = (error: CognitoSyncError): boolean =>
  isServiceError(error) && (error.status === 429 || throttlingCodes.has(errorCode(error)))

/**
 * Whether a failure is transient: HTTP 500, 502, 503 or 504, a request-timeout code, a transport failure or a
 * timeout.
 *
 * @since 0.1.0
 * @category classification
 */
export const isTransient = (error: CognitoSyncError): boolean =>
  error._tag === "CognitoSyncTransportError" || error._tag === "CognitoSyncTimeoutError" ||
  (isServiceError(error) && (transientStatuses.has(error.status) || transientCodes.has(errorCode(error))))

/**
 * The default policy: 3 attempts; throttling and transient failures are retried.
 *
 * @since 0.1.0
 * @category policies
 */
export const defaultPolicy: RetryPolicy = {
  maxAttempts: 3,
  baseDelay: Duration.millis(100),
  throttlingBaseDelay: Duration.millis(500),
  maxDelay: Duration.seconds(20),
  isRetryable: (error) => isThrottling(error) || isTransient(error)
}

/**
 * A policy that never retries.
 *
 * @since 0.1.0
 * @category policies
 */
export const none: RetryPolicy = { ...defaultPolicy, maxAttempts: 1 }

/**
 * The retry policy in force, read by every call. Defaults to {@link defaultPolicy}; a client's own
 * `retryPolicy` option takes precedence.
 *
 * @since 0.1.0
 * @category references
 */
export class Retry extends Context.Reference<Retry>()("effect-cognito-sync/Retry", {
  defaultValue: (): RetryPolicy => defaultPolicy
}) {}

/**
 * Runs an effect with another retry policy for the calls it makes.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withPolicy = (policy: RetryPolicy) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.provideService(effect, Retry, policy)

/**
 * A layer that sets the retry policy.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (policy: RetryPolicy): Layer.Layer<never> => Layer.succeedContext(Context.make(Retry, policy))

/**
 * The wait in milliseconds before retry `retry` (0 for the first retry), given a random number in [0, 1) and the
 * `Retry-After` the failed answer asked for, if any.
 *
 * @since 0.1.0
 * @category delays
 */
export const delayMillis = (
  policy: RetryPolicy,
  error: CognitoSyncError,
  retry: number,
  random: number,
  retryAfterMillis?: number | undefined
): number => {
  const cap = Duration.toMillis(policy.maxDelay)
  const base = Duration.toMillis(isThrottling(error) ? policy.throttlingBaseDelay : policy.baseDelay)
  const backoff = Math.floor(random * Math.min(cap, base * 2 ** retry))
  return retryAfterMillis === undefined ? backoff : Math.min(cap, Math.max(backoff, retryAfterMillis))
}

/**
 * Reads a `Retry-After` header: a number of seconds or an HTTP date. Undefined when absent or unreadable.
 *
 * @since 0.1.0
 * @category delays
 */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMillis)
}
