/**
 * Credentials from Cognito Identity, for apps without AWS keys: `GetId` finds (or creates) the user's identity,
 * `GetCredentialsForIdentity` trades it for temporary AWS credentials. Both are unsigned calls of Cognito
 * Identity's JSON 1.1 protocol. Unauthenticated identities need no `logins`; authenticated ones pass the
 * identity provider's token in `logins` (for example `{ "accounts.google.com": idToken }`).
 *
 * The identity id and the credentials are cached; the credentials are fetched again before they expire.
 *
 * ```ts
 * const identity = yield* CognitoIdentity.make({ region: "us-east-1", identityPoolId })
 * const client = CognitoSync.layer({ region: "us-east-1", credentials: identity.credentials })
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { CognitoSyncCredentialsError } from "./CognitoSyncError.js"
import * as Credentials from "./Credentials.js"
import { errorCodeOf, messageOf, parseJson } from "./internal/restJson.js"
import { EpochSeconds } from "./Schemas.js"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly region: string
  readonly identityPoolId: string
  /** Identity provider tokens of an authenticated user. Changed later with {@link Provider.setLogins}. */
  readonly logins?: { readonly [provider: string]: string } | undefined
  /** A known identity id (from an earlier session), to skip GetId. */
  readonly identityId?: string | undefined
  /** A custom endpoint, for example the local emulator's; default `https://cognito-identity.{region}.amazonaws.com`. */
  readonly endpoint?: string | undefined
  /** How long before expiry the credentials are fetched again. Default 5 minutes. */
  readonly refreshBefore?: Duration.DurationInput | undefined
}

/**
 * Cognito Identity as a credentials source.
 *
 * @since 0.1.0
 * @category models
 */
export interface Provider {
  /** The identity id (GetId, once). */
  readonly identityId: Effect.Effect<string, CognitoSyncCredentialsError>
  /** Temporary credentials for the identity, cached and refreshed; give it to `CognitoSync.layer`. */
  readonly credentials: Credentials.CredentialsProvider
  /**
   * Logs the user in (or out, with `{}`): later calls send these tokens. Logging an unauthenticated identity in
   * links it; Cognito may answer with another identity id (the user's existing one), which `identityId` then
   * returns.
   */
  readonly setLogins: (logins: { readonly [provider: string]: string }) => Effect.Effect<void>
}

const GetIdOutput = Schema.Struct({ IdentityId: Schema.String })

const GetCredentialsOutput = Schema.Struct({
  IdentityId: Schema.String,
  Credentials: Schema.Struct({
    AccessKeyId: Schema.String,
    SecretKey: Schema.String,
    SessionToken: Schema.String,
    Expiration: EpochSeconds
  })
})

const endpointOf = (options: Options): string =>
  options.endpoint ??
    `https://cognito-identity.${options.region}.${
      options.region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    }`

/**
 * Calls one Cognito Identity operation (JSON 1.1, unsigned) and decodes its answer.
 *
 * @since 0.1.0
 * @category calls
 */
export const call = <A, I>(
  client: HttpClient.HttpClient,
  endpoint: string,
  operation: "GetId" | "GetCredentialsForIdentity",
  body: { readonly [key: string]: unknown },
  output: Schema.Schema<A, I>
): Effect.Effect<A, CognitoSyncCredentialsError> =>
  Effect.gen(function*() {
    const request = HttpClientRequest.post(endpoint, {
      headers: { "x-amz-target": `AWSCognitoIdentityService.${operation}` }
    }).pipe(HttpClientRequest.bodyText(JSON.stringify(body), "application/x-amz-json-1.1"))
    // No trace headers (`traceparent`, `b3`): a browser preflights them, and the CORS allow-lists of AWS services
    // (and the emulator's) name only the headers AWS's own clients send.
    const response = yield* HttpClient.withTracerPropagation(client, false).execute(request).pipe(
      Effect.flatMap((response) => Effect.map(response.text, (text) => ({ response, text }))),
      Effect.mapError((error) =>
        new CognitoSyncCredentialsError({
          message: `Cognito Identity ${operation} failed: ${error.reason} error`,
          code: "TransportError"
        })
      )
    )
    const json = parseJson(response.text)
    if (response.response.status < 200 || response.response.status >= 300) {
      const code = errorCodeOf(response.response.headers, json)
      const message = messageOf(json) ?? code
      return yield* new CognitoSyncCredentialsError({ message: `Cognito Identity ${operation}: ${message}`, code })
    }
    const decoded = Schema.decodeUnknownEither(output)(json)
    if (Either.isLeft(decoded)) {
      return yield* new CognitoSyncCredentialsError({
        message: `Cognito Identity ${operation} answered with an unexpected body`,
        code: "DecodeError"
      })
    }
    return decoded.right
  })

/**
 * Makes a Cognito Identity credentials source over the `HttpClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Provider, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const endpoint = endpointOf(options)
    const logins = yield* Ref.make(options.logins ?? {})
    const known = yield* Ref.make(Option.fromNullable(options.identityId))
    const lock = yield* Effect.makeSemaphore(1)

    const loginsBody = (current: { readonly [provider: string]: string }) =>
      Object.keys(current).length === 0 ? {} : { Logins: current }

    const identityId: Effect.Effect<string, CognitoSyncCredentialsError> = Effect.flatMap(
      Ref.get(known),
      Option.match({
        onSome: Effect.succeed,
        onNone: () =>
          lock.withPermits(1)(Effect.flatMap(Ref.get(known), (again) =>
            Option.match(again, {
              onSome: Effect.succeed,
              onNone: () =>
                Effect.gen(function*() {
                  const { IdentityId } = yield* call(client, endpoint, "GetId", {
                    IdentityPoolId: options.identityPoolId,
                    ...loginsBody(yield* Ref.get(logins))
                  }, GetIdOutput)
                  yield* Ref.set(known, Option.some(IdentityId))
                  return IdentityId
                })
            })))
      })
    )

    const credentials = Credentials.refreshing(
      Effect.gen(function*() {
        const id = yield* identityId
        const answer = yield* call(client, endpoint, "GetCredentialsForIdentity", {
          IdentityId: id,
          ...loginsBody(yield* Ref.get(logins))
        }, GetCredentialsOutput)
        // Linking a login can hand back the user's existing identity.
        if (answer.IdentityId !== id) yield* Ref.set(known, Option.some(answer.IdentityId))
        return {
          accessKeyId: answer.Credentials.AccessKeyId,
          secretAccessKey: answer.Credentials.SecretKey,
          sessionToken: answer.Credentials.SessionToken,
          expiration: answer.Credentials.Expiration
        }
      }),
      { refreshBefore: options.refreshBefore }
    )

    return {
      identityId,
      credentials,
      setLogins: (next) => Effect.zipRight(Ref.set(logins, next), credentials.invalidate)
    }
  })
