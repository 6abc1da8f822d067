/**
 * Every way a Cognito Sync call can fail, as tagged values in the error channel.
 *
 * - the 13 errors the API model declares, one class each, `_tag` equal to the AWS name;
 * - {@link CognitoSyncServiceError} for an error code the operation does not model;
 * - {@link CognitoSyncTransportError}, {@link CognitoSyncTimeoutError} and {@link CognitoSyncDecodeError} for
 *   the network, a slow answer and an answer that could not be read;
 * - {@link CognitoSyncValidationError} for an input that breaks the model's constraints (found before any I/O);
 * - {@link CognitoSyncCredentialsError} when credentials could not be had.
 *
 * No error holds a request or response object, so none can print a signature or a session token.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

const serviceFields = {
  message: Schema.String,
  /** The HTTP status of the answer. */
  status: Schema.Number,
  /** The `x-amzn-RequestId` of the answer, when it carried one. */
  requestId: Schema.optional(Schema.String)
}

/**
 * The caller may not do this (HTTP 403).
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class NotAuthorizedException extends Schema.TaggedError<NotAuthorizedException>(
  "effect-cognito-sync/NotAuthorizedException"
)("NotAuthorizedException", serviceFields) {}

/**
 * A parameter was rejected by the service (HTTP 400).
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class InvalidParameterException extends Schema.TaggedError<InvalidParameterException>(
  "effect-cognito-sync/InvalidParameterException"
)("InvalidParameterException", serviceFields) {}

/**
 * The identity pool, identity, dataset or device does not exist (HTTP 404).
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class ResourceNotFoundException extends Schema.TaggedError<ResourceNotFoundException>(
  "effect-cognito-sync/ResourceNotFoundException"
)("ResourceNotFoundException", serviceFields) {}

/**
 * The service failed (HTTP 500). Retried by the default policy.
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class InternalErrorException extends Schema.TaggedError<InternalErrorException>(
  "effect-cognito-sync/InternalErrorException"
)("InternalErrorException", serviceFields) {}

/**
 * The request was throttled (HTTP 429). Retried by the default policy.
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class TooManyRequestsException extends Schema.TaggedError<TooManyRequestsException>(
  "effect-cognito-sync/TooManyRequestsException"
)("TooManyRequestsException", serviceFields) {}

/**
 * A record patch used a stale sync count, or a concurrent change conflicts (HTTP 409).
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class ResourceConflictException extends Schema.TaggedError<ResourceConflictException>(
  "effect-cognito-sync/ResourceConflictException"
)("ResourceConflictException", serviceFields) {}

/**
 * A quota was exceeded: datasets per identity, records or bytes per dataset (HTTP 400). A quota does not go
 * away by waiting, so it is not retried.
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class LimitExceededException extends Schema.TaggedError<LimitExceededException>(
  "effect-cognito-sync/LimitExceededException"
)("LimitExceededException", serviceFields) {}

/**
 * The identity pool's push configuration is missing or wrong (HTTP 400).
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class InvalidConfigurationException extends Schema.TaggedError<InvalidConfigurationException>(
  "effect-cognito-sync/InvalidConfigurationException"
)("InvalidConfigurationException", serviceFields) {}

/**
 * A bulk publish was asked for less than 24 hours after the last successful one (HTTP 400).
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class AlreadyStreamedException extends Schema.TaggedError<AlreadyStreamedException>(
  "effect-cognito-sync/AlreadyStreamedException"
)("AlreadyStreamedException", serviceFields) {}

/**
 * Parallel requests changed the same resource (HTTP 400).
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class ConcurrentModificationException extends Schema.TaggedError<ConcurrentModificationException>(
  "effect-cognito-sync/ConcurrentModificationException"
)("ConcurrentModificationException", serviceFields) {}

/**
 * A bulk publish is already in progress (HTTP 400).
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class DuplicateRequestException extends Schema.TaggedError<DuplicateRequestException>(
  "effect-cognito-sync/DuplicateRequestException"
)("DuplicateRequestException", serviceFields) {}

/**
 * The Sync Trigger Lambda function returned bad output or failed (HTTP 400).
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class InvalidLambdaFunctionOutputException extends Schema.TaggedError<InvalidLambdaFunctionOutputException>(
  "effect-cognito-sync/InvalidLambdaFunctionOutputException"
)("InvalidLambdaFunctionOutputException", serviceFields) {}

/**
 * Lambda throttled the Sync Trigger (HTTP 429). Retried by the default policy.
 *
 * @since 0.1.0
 * @category modeled errors
 */
export class LambdaThrottledException extends Schema.TaggedError<LambdaThrottledException>(
  "effect-cognito-sync/LambdaThrottledException"
)("LambdaThrottledException", serviceFields) {}

/**
 * The 13 error classes the API model declares.
 *
 * @since 0.1.0
 * @category modeled errors
 */
export const modeledErrors = [
  NotAuthorizedException,
  InvalidParameterException,
  ResourceNotFoundException,
  InternalErrorException,
  TooManyRequestsException,
  ResourceConflictException,
  LimitExceededException,
  InvalidConfigurationException,
  AlreadyStreamedException,
  ConcurrentModificationException,
  DuplicateRequestException,
  InvalidLambdaFunctionOutputException,
  LambdaThrottledException
] as const

/**
 * A class of one of the modeled errors.
 *
 * @since 0.1.0
 * @category modeled errors
 */
export type ModeledErrorClass = (typeof modeledErrors)[number]

/**
 * Any of the modeled errors.
 *
 * @since 0.1.0
 * @category modeled errors
 */
export type ModeledError = InstanceType<ModeledErrorClass>

/**
 * The AWS name of a modeled error.
 *
 * @since 0.1.0
 * @category modeled errors
 */
export type ModeledErrorName = ModeledError["_tag"]

/**
 * The HTTP status the API model gives each modeled error.
 *
 * @since 0.1.0
 * @category modeled errors
 */
export const modeledStatus: { readonly [Name in ModeledErrorName]: number } = {
  NotAuthorizedException: 403,
  InvalidParameterException: 400,
  ResourceNotFoundException: 404,
  InternalErrorException: 500,
  TooManyRequestsException: 429,
  ResourceConflictException: 409,
  LimitExceededException: 400,
  InvalidConfigurationException: 400,
  AlreadyStreamedException: 400,
  ConcurrentModificationException: 400,
  DuplicateRequestException: 400,
  InvalidLambdaFunctionOutputException: 400,
  LambdaThrottledException: 429
}

/**
 * The service answered with an error code that the called operation does not model, for example
 * `UnrecognizedClientException`, `InvalidSignatureException`, `ExpiredTokenException`, or a
 * `ResourceNotFoundException` from ListRecords. `code` holds the code as the service sent it.
 *
 * @since 0.1.0
 * @category common errors
 */
export class CognitoSyncServiceError extends Schema.TaggedError<CognitoSyncServiceError>(
  "effect-cognito-sync/CognitoSyncServiceError"
)("CognitoSyncServiceError", { code: Schema.String, ...serviceFields }) {}

/**
 * The request did not reach the service, or its answer was cut off (connection refused, reset, DNS, TLS).
 *
 * @since 0.1.0
 * @category common errors
 */
export class CognitoSyncTransportError extends Schema.TaggedError<CognitoSyncTransportError>(
  "effect-cognito-sync/CognitoSyncTransportError"
)("CognitoSyncTransportError", { operation: Schema.String, message: Schema.String }) {}

/**
 * An attempt took longer than the per-request timeout.
 *
 * @since 0.1.0
 * @category common errors
 */
export class CognitoSyncTimeoutError extends Schema.TaggedError<CognitoSyncTimeoutError>(
  "effect-cognito-sync/CognitoSyncTimeoutError"
)("CognitoSyncTimeoutError", { operation: Schema.String, timeoutMillis: Schema.Number }) {
  override get message(): string {
    return `${this.operation} timed out after ${this.timeoutMillis} ms`
  }
}

/**
 * The service's answer could not be read: not JSON, or not the shape the operation returns.
 *
 * @since 0.1.0
 * @category common errors
 */
export class CognitoSyncDecodeError extends Schema.TaggedError<CognitoSyncDecodeError>(
  "effect-cognito-sync/CognitoSyncDecodeError"
)("CognitoSyncDecodeError", {
  operation: Schema.String,
  message: Schema.String,
  status: Schema.Number,
  requestId: Schema.optional(Schema.String)
}) {}

/**
 * An input broke the API model's constraints; nothing was sent. `path` names the field (for example
 * `RecordPatches.0.SyncCount`) and `message` says why.
 *
 * @since 0.1.0
 * @category common errors
 */
export class CognitoSyncValidationError extends Schema.TaggedError<CognitoSyncValidationError>(
  "effect-cognito-sync/CognitoSyncValidationError"
)("CognitoSyncValidationError", { operation: Schema.String, path: Schema.String, message: Schema.String }) {}

/**
 * Credentials could not be had: missing configuration, or a credential provider (Cognito Identity included)
 * failed.
 *
 * @since 0.1.0
 * @category common errors
 */
export class CognitoSyncCredentialsError extends Schema.TaggedError<CognitoSyncCredentialsError>(
  "effect-cognito-sync/CognitoSyncCredentialsError"
)("CognitoSyncCredentialsError", { message: Schema.String, code: Schema.optional(Schema.String) }) {}

/**
 * The errors any operation can fail with, besides the ones it models.
 *
 * @since 0.1.0
 * @category common errors
 */
export type CommonError =
  | CognitoSyncServiceError
  | CognitoSyncTransportError
  | CognitoSyncTimeoutError
  | CognitoSyncDecodeError
  | CognitoSyncValidationError
  | CognitoSyncCredentialsError

/**
 * Any error of this library.
 *
 * @since 0.1.0
 * @category models
 */
export type CognitoSyncError = ModeledError | CommonError

/**
 * An answer from the service: a modeled error or an unmodeled code.
 *
 * @since 0.1.0
 * @category models
 */
export type ServiceError = ModeledError | CognitoSyncServiceError

const modeledNames: ReadonlySet<string> = new Set(modeledErrors.map((error) => error._tag))

/**
 * Whether a value is an answer from the service (a modeled error or an unmodeled code).
 *
 * @since 0.1.0
 * @category refinements
 */
export const isServiceError = (u: unknown): u is ServiceError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" &&
  (modeledNames.has(u._tag) || u._tag === "CognitoSyncServiceError")

/**
 * The AWS error code of a service error: its `_tag` for a modeled error, its `code` otherwise.
 *
 * @since 0.1.0
 * @category getters
 */
export const errorCode = (error: ServiceError): string =>
  error._tag === "CognitoSyncServiceError" ? error.code : error._tag
