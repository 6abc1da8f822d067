/**
 * The part of Cognito Identity an app needs to reach Cognito Sync: `GetId` and `GetCredentialsForIdentity`
 * (JSON 1.1 protocol, routed by `X-Amz-Target`). Credentials it issues are bound to their identity, so the
 * server's Cognito Sync side lets them touch that identity only. Logging an unauthenticated identity in to a login
 * that already has an identity merges the two, as Cognito does: the engine then reports the merged datasets.
 *
 * Identity provider tokens are not verified: any non-empty token stands for the login `provider:token`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import type * as Engine from "./Engine.js"
import type { KnownCredentials } from "./SigV4.js"

/**
 * An error of Cognito Identity, as it goes on the wire.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdentityError {
  readonly status: number
  readonly code: string
  readonly message: string
}

interface IdentityRecord {
  readonly poolId: string
  readonly authenticated: boolean
  /** Set when this identity was merged into another. */
  readonly mergedInto: string | undefined
}

interface RegistryState {
  readonly identities: ReadonlyMap<string, IdentityRecord>
  /** `pool\u0000provider\u0000token` → identity id. */
  readonly logins: ReadonlyMap<string, string>
}

/**
 * How long issued credentials last.
 *
 * @since 0.1.0
 * @category options
 */
export const credentialLifetimeMillis = 60 * 60 * 1000

const poolPattern = /^[\w-]+:[0-9a-f-]+$/

const fail = (status: number, code: string, message: string): IdentityError => ({ status, code, message })

const isLogins = (u: unknown): u is { readonly [provider: string]: string } =>
  typeof u === "object" && u !== null && !Array.isArray(u) &&
  Object.entries(u).every(([provider, token]) => provider !== "" && typeof token === "string" && token !== "")

const randomHex = (length: number) =>
  Effect.map(
    Effect.all(Array.from({ length }, () => Random.nextIntBetween(0, 16))),
    (digits) => digits.map((d) => d.toString(16)).join("")
  )

const newIdentityId = (poolId: string) =>
  Effect.map(
    randomHex(32),
    (h) =>
      `${poolId.slice(0, poolId.indexOf(":"))}:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${
        h.slice(16, 20)
      }-${h.slice(20, 32)}`
  )

/**
 * The identity registry of a server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Registry {
  /** Answers one Cognito Identity call: the operation from `X-Amz-Target`, its JSON body. */
  readonly handle: (
    target: string,
    body: unknown,
    now: number
  ) => Effect.Effect<{ readonly [key: string]: unknown }, IdentityError>
}

/**
 * Makes a registry that merges identities in `engine` and hands issued credentials to `addCredentials`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRegistry = (
  engine: Engine.Engine,
  addCredentials: (credentials: KnownCredentials) => void
): Effect.Effect<Registry> =>
  Effect.gen(function*() {
    const state = yield* Ref.make<RegistryState>({ identities: new Map(), logins: new Map() })
    const lock = yield* Effect.makeSemaphore(1)
    const loginKey = (poolId: string, provider: string, token: string) => `${poolId}\u0000${provider}\u0000${token}`

    /** The identity a login already has, if any. */
    const identityOfLogins = (current: RegistryState, poolId: string, logins: { readonly [p: string]: string }) => {
      for (const [provider, token] of Object.entries(logins)) {
        const id = current.logins.get(loginKey(poolId, provider, token))
        if (id !== undefined) return id
      }
      return undefined
    }

    const withLogins = (
      current: RegistryState,
      poolId: string,
      id: string,
      logins: { readonly [p: string]: string }
    ) => {
      const next = new Map(current.logins)
      for (const [provider, token] of Object.entries(logins)) next.set(loginKey(poolId, provider, token), id)
      return next
    }

    const getId = (body: { readonly [key: string]: unknown }) =>
      Effect.gen(function*() {
        const poolId = body.IdentityPoolId
        if (typeof poolId !== "string" || !poolPattern.test(poolId) || poolId.length > 55) {
          return yield* Effect.fail(fail(400, "InvalidParameterException", "IdentityPoolId is not valid"))
        }
        const logins = body.Logins ?? {}
        if (!isLogins(logins)) return yield* Effect.fail(fail(400, "InvalidParameterException", "Logins is not valid"))
        const current = yield* Ref.get(state)
        const existing = identityOfLogins(current, poolId, logins)
        if (existing !== undefined) return { IdentityId: existing }
        const id = yield* newIdentityId(poolId)
        const authenticated = Object.keys(logins).length > 0
        yield* Ref.set(state, {
          identities: new Map(current.identities).set(id, { poolId, authenticated, mergedInto: undefined }),
          logins: withLogins(current, poolId, id, logins)
        })
        return { IdentityId: id }
      })

    const getCredentials = (body: { readonly [key: string]: unknown }, now: number) =>
      Effect.gen(function*() {
        const requested = body.IdentityId
        const logins = body.Logins ?? {}
        if (typeof requested !== "string") {
          return yield* Effect.fail(fail(400, "InvalidParameterException", "IdentityId is required"))
        }
        if (!isLogins(logins)) return yield* Effect.fail(fail(400, "InvalidParameterException", "Logins is not valid"))
        const current = yield* Ref.get(state)
        const record = current.identities.get(requested)
        if (record === undefined) {
          return yield* Effect.fail(fail(400, "ResourceNotFoundException", `Identity '${requested}' not found.`))
        }
        if (record.mergedInto !== undefined) {
          return yield* Effect.fail(fail(400, "NotAuthorizedException", "Identity was merged into another identity."))
        }
        let id = requested
        let next = current
        if (Object.keys(logins).length === 0) {
          if (record.authenticated) {
            return yield* Effect.fail(
              fail(400, "NotAuthorizedException", "Logins don't match. Include a valid login for this identity.")
            )
          }
        } else {
          const owner = identityOfLogins(current, record.poolId, logins)
          if (owner === undefined) {
            // A new login: the identity becomes authenticated with it.
            next = {
              identities: new Map(current.identities).set(id, { ...record, authenticated: true }),
              logins: withLogins(current, record.poolId, id, logins)
            }
          } else if (owner !== id) {
            if (record.authenticated) {
              return yield* Effect.fail(
                fail(400, "ResourceConflictException", "Logins belong to another authenticated identity.")
              )
            }
            // The unauthenticated identity logs in to a user who already has an identity: merge into it.
            yield* engine.mergeIdentities(record.poolId, id, owner)
            next = {
              identities: new Map(current.identities).set(id, { ...record, mergedInto: owner }),
              logins: current.logins
            }
            id = owner
          }
        }
        yield* Ref.set(state, next)
        const accessKeyId = `ASIA${(yield* randomHex(16)).toUpperCase()}`
        const secretAccessKey = yield* randomHex(40)
        const sessionToken = yield* randomHex(64)
        const expiration = now + credentialLifetimeMillis
        addCredentials({ accessKeyId, secretAccessKey, sessionToken, expiration, identityId: id })
        return {
          IdentityId: id,
          Credentials: {
            AccessKeyId: accessKeyId,
            SecretKey: secretAccessKey,
            SessionToken: sessionToken,
            Expiration: expiration / 1000
          }
        }
      })

    return {
      handle: (target, body, now) =>
        lock.withPermits(1)(Effect.suspend(() => {
          if (typeof body !== "object" || body === null || Array.isArray(body)) {
            return Effect.fail(fail(400, "SerializationException", "The request body is not a JSON object"))
          }
          const input = body as { readonly [key: string]: unknown }
          switch (target) {
            case "AWSCognitoIdentityService.GetId":
              return getId(input)
            case "AWSCognitoIdentityService.GetCredentialsForIdentity":
              return getCredentials(input, now)
            default:
              return Effect.fail(fail(400, "UnknownOperationException", `Unknown operation ${target}`))
          }
        }))
    }
  })
