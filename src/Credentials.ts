/**
 * AWS credentials for signing: static keys, keys from `Config` (the `AWS_*` environment variables), or an
 * effectful provider whose temporary credentials are cached and refreshed before they expire (Cognito Identity
 * credentials plug in here). Secrets are `Redacted` all the way to the signer.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import { CognitoSyncCredentialsError } from "./CognitoSyncError.js"

/**
 * Resolved credentials. `expiration` is set for temporary credentials.
 *
 * @since 0.1.0
 * @category models
 */
export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
  readonly sessionToken?: Redacted.Redacted<string> | undefined
  readonly expiration?: Date | undefined
}

/**
 * Credentials as a caller writes them: secrets as plain strings or already `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export interface CredentialsInput {
  readonly accessKeyId: string
  readonly secretAccessKey: string | Redacted.Redacted<string>
  readonly sessionToken?: string | Redacted.Redacted<string> | undefined
  readonly expiration?: Date | undefined
}

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-cognito-sync/CredentialsProvider")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A source of credentials, asked before every signature. Providers that fetch temporary credentials cache
 * them, so asking is cheap.
 *
 * @since 0.1.0
 * @category models
 */
export interface CredentialsProvider {
  readonly [TypeId]: TypeId
  readonly resolve: Effect.Effect<AwsCredentials, CognitoSyncCredentialsError>
  /** Forgets cached credentials, so the next `resolve` fetches fresh ones (a no-op for fixed credentials). */
  readonly invalidate: Effect.Effect<void>
}

/**
 * Whether a value is a {@link CredentialsProvider}.
 *
 * @since 0.1.0
 * @category refinements
 */
export const isCredentialsProvider = (u: unknown): u is CredentialsProvider => Predicate.hasProperty(u, TypeId)

const redact = (value: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.isRedacted(value) ? value : Redacted.make(value)

/**
 * Normalizes credentials written by a caller: secrets become `Redacted`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const normalize = (input: CredentialsInput): AwsCredentials => ({
  accessKeyId: input.accessKeyId,
  secretAccessKey: redact(input.secretAccessKey),
  ...(input.sessionToken === undefined ? {} : { sessionToken: redact(input.sessionToken) }),
  ...(input.expiration === undefined ? {} : { expiration: input.expiration })
})

/**
 * A provider of fixed credentials.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: CredentialsInput): CredentialsProvider => ({
  [TypeId]: TypeId,
  resolve: Effect.succeed(normalize(input)),
  invalidate: Effect.void
})

/**
 * A provider from a value that is either credentials or already a provider.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromInput = (input: CredentialsInput | CredentialsProvider): CredentialsProvider =>
  isCredentialsProvider(input) ? input : make(input)

/**
 * Credentials from `Config`: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, if set, `AWS_SESSION_TOKEN`.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<AwsCredentials> = /* @__PURE__ */ Config.suspend(() =>
  // Built lazily in a pure-annotated call, so a bundle that never reads it leaves `Config` out.
  Config.all({
    accessKeyId: Config.string("AWS_ACCESS_KEY_ID"),
    secretAccessKey: Config.redacted("AWS_SECRET_ACCESS_KEY"),
    sessionToken: Config.option(Config.redacted("AWS_SESSION_TOKEN"))
  }).pipe(Config.map(({ accessKeyId, secretAccessKey, sessionToken }) => ({
    accessKeyId,
    secretAccessKey,
    ...(Option.isSome(sessionToken) ? { sessionToken: sessionToken.value } : {})
  })))
)

/**
 * A provider of the credentials found in `Config` (see {@link config}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromConfig: Effect.Effect<CredentialsProvider, ConfigError.ConfigError> = /* @__PURE__ */ Effect.map(
  config,
  (credentials): CredentialsProvider => ({
    [TypeId]: TypeId,
    resolve: Effect.succeed(credentials),
    invalidate: Effect.void
  })
)

/**
 * Options of {@link refreshing}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RefreshOptions {
  /** How long before `expiration` the credentials are fetched anew. Default: 5 minutes. */
  readonly refreshBefore?: Duration.DurationInput | undefined
}

/**
 * A provider that fetches credentials with `fetch`, keeps them, and fetches again once they are within
 * `refreshBefore` of their `expiration` (never, for credentials without one). Callers that arrive while a fetch
 * is running wait for it rather than starting their own; a failed fetch is not kept, so the next call tries
 * again.
 *
 * @since 0.1.0
 * @category constructors
 */
export const refreshing = <E extends CognitoSyncCredentialsError>(
  fetch: Effect.Effect<AwsCredentials | CredentialsInput, E>,
  options?: RefreshOptions
): CredentialsProvider => {
  const refreshBeforeMillis = Duration.toMillis(options?.refreshBefore ?? Duration.minutes(5))
  let current: AwsCredentials | undefined
  const lock = Effect.unsafeMakeSemaphore(1)
  const isFresh = (credentials: AwsCredentials | undefined, now: number): credentials is AwsCredentials =>
    credentials !== undefined &&
    (credentials.expiration === undefined || credentials.expiration.getTime() - refreshBeforeMillis > now)
  const refresh = lock.withPermits(1)(
    Effect.flatMap(
      Effect.clockWith((clock) => clock.currentTimeMillis),
      (now) =>
        isFresh(current, now) ? Effect.succeed(current) : fetch.pipe(
          Effect.map((fetched) => {
            current = normalize(fetched)
            return current
          })
        )
    )
  )
  return {
    [TypeId]: TypeId,
    resolve: Effect.flatMap(
      Effect.clockWith((clock) => clock.currentTimeMillis),
      (now): Effect.Effect<AwsCredentials, CognitoSyncCredentialsError> =>
        isFresh(current, now) ? Effect.succeed(current) : refresh
    ),
    invalidate: lock.withPermits(1)(Effect.sync(() => {
      current = undefined
    }))
  }
}
