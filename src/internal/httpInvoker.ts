/**
 * Runs an operation over HTTP: validate and encode, sign, send, read, decode; with a per-attempt timeout, the
 * retry policy, and one span per call.
 *
 * A call's own work is small next to Effect's runtime, so the path is written to keep the runtime's work low: one
 * span, one read of the fiber for the clock and the retry policy, synchronous signing, and no generator.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { constTrue } from "effect/Function"
import * as Predicate from "effect/Predicate"
import type * as Tracer from "effect/Tracer"
import * as E from "../CognitoSyncError.js"
import type { AwsCredentials, CredentialsProvider } from "../Credentials.js"
import type * as Operations from "../Operations.js"
import * as Retry from "../Retry.js"
import { runAttempts } from "./attempts.js"
import type { Endpoint } from "./endpoint.js"
import * as RestJson from "./restJson.js"
import { makeSigner, type Signer } from "./signer.js"

/** The platform's request for an encoded request: sent to `url`, with `headers` and the JSON body if any. @internal */
export const toHttpRequest = (
  url: string,
  request: RestJson.EncodedRequest,
  headers: Record<string, string>
): HttpClientRequest.HttpClientRequest => {
  const httpRequest = HttpClientRequest.make(request.method)(url, { headers })
  return request.body === undefined
    ? httpRequest
    : HttpClientRequest.bodyText(httpRequest, request.body, "application/json")
}

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

/**
 * What an attempt fails with by itself (the service's errors, decoding, timeout, credentials); anything else came
 * from the `HttpClient`.
 */
const isAttemptError = (u: unknown): u is E.CognitoSyncError =>
  E.isServiceError(u) || Predicate.isTagged(u, "CognitoSyncDecodeError") ||
  Predicate.isTagged(u, "CognitoSyncTimeoutError") || Predicate.isTagged(u, "CognitoSyncCredentialsError")

const describeTransportFailure = (error: unknown): string =>
  !HttpClientError.isHttpClientError(error)
    // A custom client that fails with something else: its name only, as its message may quote the request.
    ? `the HttpClient failed${error instanceof Error ? ` with ${error.name}` : ""}`
    // `description` and the cause's message say what went wrong without printing the request, its headers or URL
    // query, which may hold a session token.
    : error._tag === "RequestError"
    ? `${error.reason} error${error.description ? `: ${error.description}` : causeMessage(error.cause)}`
    : `${error.reason} error reading the answer${
      error.description ? `: ${error.description}` : causeMessage(error.cause)
    }`

const causeMessage = (cause: unknown): string =>
  cause instanceof Error && cause.message !== "" ? `: ${cause.message}` : ""

// Our span carries the HTTP attributes, so the platform's own client span would only repeat them. Set in the
// attempts' fibers (rather than with `HttpClient.withTracerDisabledWhen`, which sets and restores it per request).
const attemptLocals = [[HttpClient.currentTracerDisabledWhen, constTrue]] as const

interface OperationSpan {
  readonly name: string
  readonly options: Tracer.SpanOptions
}

const spans = new WeakMap<Operations.Any, OperationSpan>()

/** The span name and options of an operation, built once rather than on every call. */
const spanOf = (op: Operations.Any): OperationSpan => {
  let span = spans.get(op)
  if (span === undefined) {
    span = {
      name: `CognitoSync.${op.name}`,
      options: {
        kind: "client",
        captureStackTrace: false,
        attributes: {
          "rpc.system": "aws-api",
          "rpc.service": "CognitoSync",
          "rpc.method": op.name,
          "http.request.method": op.method
        }
      }
    }
    spans.set(op, span)
  }
  return span
}

/**
 * Builds the function that runs any operation over HTTP.
 *
 * @internal
 */
export const makeHttpInvoker = (options: HttpInvokerOptions) => {
  const client = options.client
  let signerFor: { readonly credentials: AwsCredentials; readonly signer: Signer } | undefined
  const signerOf = (credentials: AwsCredentials): Signer => {
    if (signerFor === undefined || signerFor.credentials !== credentials) {
      signerFor = { credentials, signer: makeSigner(credentials, options.region) }
    }
    return signerFor.signer
  }

  const call = (
    op: Operations.Any,
    input: unknown,
    callOptions: CallOptions | undefined,
    span: Tracer.Span
  ): Effect.Effect<unknown, E.CognitoSyncError> => {
    if (Either.isLeft(options.endpoint)) {
      return Effect.fail(
        new E.CognitoSyncValidationError({ operation: op.name, path: "endpoint", message: options.endpoint.left })
      )
    }
    const endpoint = options.endpoint.right
    const encoded = RestJson.encodeRequest(op, input)
    if (Either.isLeft(encoded)) return Effect.fail(encoded.left)
    const request = encoded.right
    const path = endpoint.basePath + request.path
    const url = `${endpoint.origin}${path}${request.search === "" ? "" : `?${request.search}`}`
    const signed = endpoint.basePath === "" ? request : { ...request, path }
    const timeoutMillis = Duration.toMillis(callOptions?.timeout ?? options.timeout)
    // The query may hold a session token: the span records the path only.
    span.attribute("url.full", endpoint.origin + path)
    span.attribute("server.address", endpoint.url.hostname)

    return Effect.withFiberRuntime((fiber, status) => {
      const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
      const policy = options.retryPolicy ?? Context.get(fiber.currentContext, Retry.Retry)
      const maxAttempts = options.maxAttempts ?? policy.maxAttempts
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
        return Effect.fail(
          new E.CognitoSyncValidationError({
            operation: op.name,
            path: "maxAttempts",
            message: `maxAttempts must be a whole number of at least 1, got ${maxAttempts}`
          })
        )
      }

      let retryAfterMillis: number | undefined
      // One attempt, in its own fiber (see `runAttempts`): sign, send, read and decode. A transport failure stays an
      // `HttpClientError` until an attempt fails, so a successful attempt pays for no error mapping.
      const exchange = Effect.flatMap(options.credentials.resolve, (credentials) => {
        const now = clock.unsafeCurrentTimeMillis()
        const signedHeaders = signerOf(credentials).sign(endpoint.url, signed, new Date(now))
        return Effect.flatMap(
          client.execute(toHttpRequest(url, request, signedHeaders)),
          (response) =>
            Effect.flatMap(response.text, (body) => {
              const headers = response.headers
              span.attribute("http.response.status_code", response.status)
              const requestId = headers["x-amzn-requestid"]
              if (requestId !== undefined) span.attribute("aws.request_id", requestId)
              const decoded = RestJson.decodeResponse(op, { status: response.status, headers, body })
              if (Either.isRight(decoded)) return Effect.succeed(decoded.right)
              retryAfterMillis = Retry.parseRetryAfter(headers["retry-after"], now)
              return Effect.fail(decoded.left)
            })
        )
      })
      return runAttempts(fiber, status.runtimeFlags, exchange, {
        millis: timeoutMillis,
        onTimeout: () => new E.CognitoSyncTimeoutError({ operation: op.name, timeoutMillis }),
        parentSpan: span,
        locals: attemptLocals,
        onAttempt: (attempt) => {
          retryAfterMillis = undefined
          span.attribute("cognito_sync.attempts", attempt)
        },
        next: (failure, attempt): Effect.Effect<void, E.CognitoSyncError> => {
          const error = isAttemptError(failure)
            ? failure
            : new E.CognitoSyncTransportError({ operation: op.name, message: describeTransportFailure(failure) })
          if (attempt >= maxAttempts || !policy.isRetryable(error)) return Effect.fail(error)
          const after = retryAfterMillis
          return Effect.flatMap(
            Effect.randomWith((random) => random.next),
            (random) => Effect.sleep(Retry.delayMillis(policy, error, attempt - 1, random, after))
          )
        }
      })
    })
  }

  return (
    op: Operations.Any,
    input: unknown,
    callOptions?: CallOptions
  ): Effect.Effect<unknown, E.CognitoSyncError> => {
    const { name, options } = spanOf(op)
    // The attempts run under the span (see `runAttempts`); the rest of the call needs no parent span.
    return Effect.useSpan(name, options, (span) => call(op, input, callOptions, span))
  }
}
