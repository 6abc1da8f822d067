/**
 * Runs an operation over HTTP: validate and encode, sign, send, read, decode; with a per-attempt timeout, the
 * retry policy, and one span per call.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { SignatureV4 } from "@smithy/signature-v4"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as E from "../CognitoSyncError.js"
import type { AwsCredentials, CredentialsProvider } from "../Credentials.js"
import type * as Operations from "../Operations.js"
import * as Retry from "../Retry.js"
import type { Endpoint } from "./endpoint.js"
import * as RestJson from "./restJson.js"
import { makeSigner, sign } from "./signer.js"

/** @internal */
export interface HttpInvokerOptions {
  readonly client: HttpClient.HttpClient
  readonly endpoint: Either.Either<Endpoint, string>
  readonly region: string
  readonly credentials: CredentialsProvider
  readonly retryPolicy: Retry.RetryPolicy | undefined
  readonly maxAttempts: number | undefined
  readonly timeout: Duration.Duration
}

/** Per-call options. @internal */
export interface CallOptions {
  readonly timeout?: Duration.DurationInput | undefined
}

const describeTransportFailure = (error: HttpClientError.HttpClientError): string =>
  // `description` and the cause's message say what went wrong without printing the request, its headers or URL
  // query, which may hold a session token.
  error._tag === "RequestError"
    ? `${error.reason} error${error.description ? `: ${error.description}` : causeMessage(error.cause)}`
    : `${error.reason} error reading the answer${
      error.description ? `: ${error.description}` : causeMessage(error.cause)
    }`

const causeMessage = (cause: unknown): string =>
  cause instanceof Error && cause.message !== "" ? `: ${cause.message}` : ""

const defaultClockSleep = Clock.make().sleep
const maxTimerMillis = 2 ** 31 - 1

/**
 * `Effect.timeoutFail`, cheaper. `Effect.timeoutFail` races the effect against a sleeping fiber: two forks, an
 * interruption and a merge of fiber refs on every call, about a quarter of a call's CPU (docs/benchmarks.md).
 * With the default clock, one fork and a timer do the same: on timeout the fiber is interrupted (which aborts the
 * request) and the timeout error fails the call. Any other clock (a `TestClock`) gets `Effect.timeoutFail`.
 *
 * @internal
 */
export const timeoutFail = <A, E, E2>(
  self: Effect.Effect<A, E>,
  millis: number,
  onTimeout: () => E2
): Effect.Effect<A, E | E2> =>
  Effect.clockWith((clock) =>
    clock.sleep !== defaultClockSleep
      ? Effect.timeoutFail(self, { duration: millis, onTimeout })
      : Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(Effect.fork(restore(self)), (fiber) =>
          Effect.async<A, E | E2>((resume) => {
            let settled = false
            // As with the default clock, a delay longer than a timer can hold never ends.
            const timer = millis > maxTimerMillis ? undefined : setTimeout(() => {
              if (settled) return
              settled = true
              resume(Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(onTimeout())))
            }, millis)
            fiber.addObserver((exit) => {
              if (settled) return
              settled = true
              clearTimeout(timer)
              resume(exit)
            })
            return Effect.suspend(() => {
              settled = true
              clearTimeout(timer)
              return Fiber.interrupt(fiber)
            })
          }))
      )
  )

/**
 * Builds the function that runs any operation over HTTP.
 *
 * @internal
 */
export const makeHttpInvoker = (options: HttpInvokerOptions) => {
  // Our span carries the HTTP attributes, so the platform's own client span would only repeat them.
  const client = HttpClient.withTracerDisabledWhen(options.client, () => true)
  let signerFor: { readonly credentials: AwsCredentials; readonly signer: SignatureV4 } | undefined
  const signerOf = (credentials: AwsCredentials): SignatureV4 => {
    if (signerFor === undefined || signerFor.credentials !== credentials) {
      signerFor = { credentials, signer: makeSigner(credentials, options.region) }
    }
    return signerFor.signer
  }

  return (op: Operations.Any, input: unknown, callOptions?: CallOptions): Effect.Effect<unknown, E.CognitoSyncError> =>
    Effect.withSpan(
      Effect.gen(function*() {
        if (Either.isLeft(options.endpoint)) {
          return yield* new E.CognitoSyncValidationError({
            operation: op.name,
            path: "endpoint",
            message: options.endpoint.left
          })
        }
        const endpoint = options.endpoint.right
        const encoded = RestJson.encodeRequest(op, input)
        if (Either.isLeft(encoded)) return yield* encoded.left
        const request = encoded.right
        const path = endpoint.basePath + request.path
        const url = `${endpoint.origin}${path}${request.search === "" ? "" : `?${request.search}`}`
        const signed = { ...request, path }
        const timeoutMillis = Duration.toMillis(callOptions?.timeout ?? options.timeout)

        let retryAfterMillis: number | undefined
        // Attributes go straight onto the span: cheaper than annotating through the fiber on every call.
        const span = yield* Effect.orElseSucceed(Effect.currentSpan, () => undefined)

        const attempt = Effect.gen(function*() {
          const credentials = yield* options.credentials.resolve
          const now = yield* Clock.currentTimeMillis
          const headers = yield* Effect.tryPromise({
            try: () => sign(signerOf(credentials), endpoint.url, signed, new Date(now)),
            catch: (cause) =>
              new E.CognitoSyncCredentialsError({
                message: `could not sign the request: ${cause instanceof Error ? cause.message : String(cause)}`
              })
          })
          let httpRequest = HttpClientRequest.make(request.method)(url, { headers })
          if (request.body !== undefined) {
            httpRequest = HttpClientRequest.bodyText(httpRequest, request.body, "application/json")
          }
          const response = yield* client.execute(httpRequest).pipe(
            Effect.flatMap((response) =>
              Effect.map(response.text, (body) => ({ status: response.status, headers: response.headers, body }))
            ),
            Effect.mapError((error) =>
              new E.CognitoSyncTransportError({ operation: op.name, message: describeTransportFailure(error) })
            ),
            (effect) =>
              timeoutFail(
                effect,
                timeoutMillis,
                () => new E.CognitoSyncTimeoutError({ operation: op.name, timeoutMillis })
              )
          )
          const requestId = response.headers["x-amzn-requestid"]
          span?.attribute("http.response.status_code", response.status)
          if (requestId !== undefined) span?.attribute("aws.request_id", requestId)
          const decoded = RestJson.decodeResponse(op, response)
          if (Either.isLeft(decoded)) {
            retryAfterMillis = Retry.parseRetryAfter(response.headers["retry-after"], now)
            return yield* decoded.left
          }
          return decoded.right
        })

        const policy = options.retryPolicy ?? (yield* Retry.Retry)
        const maxAttempts = options.maxAttempts ?? policy.maxAttempts
        if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
          return yield* new E.CognitoSyncValidationError({
            operation: op.name,
            path: "maxAttempts",
            message: `maxAttempts must be a whole number of at least 1, got ${maxAttempts}`
          })
        }
        let attempts = 0
        const loop: Effect.Effect<unknown, E.CognitoSyncError> = Effect.suspend(() => {
          attempts++
          retryAfterMillis = undefined
          span?.attribute("cognito_sync.attempts", attempts)
          return attempt
        }).pipe(Effect.catchAll((error) => {
          if (attempts >= maxAttempts || !policy.isRetryable(error)) return Effect.fail(error)
          return Random.next.pipe(
            Effect.flatMap((random) =>
              Effect.sleep(Retry.delayMillis(policy, error, attempts - 1, random, retryAfterMillis))
            ),
            Effect.zipRight(loop)
          )
        }))

        // The query may hold a session token: the span records the path only.
        span?.attribute("url.full", endpoint.origin + path)
        span?.attribute("server.address", endpoint.url.hostname)
        return yield* loop
      }),
      `CognitoSync.${op.name}`,
      {
        kind: "client",
        captureStackTrace: false,
        attributes: {
          "rpc.system": "aws-api",
          "rpc.service": "CognitoSync",
          "rpc.method": op.name,
          "http.request.method": op.method
        }
      }
    )
}
