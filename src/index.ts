/**
 * effect-cognito-sync: Amazon Cognito Sync for Effect.
 *
 * @since 0.1.0
 */

/**
 * The client: the `CognitoSync` service with all 17 operations, its layers and pagination.
 *
 * @since 0.1.0
 */
export * as CognitoSync from "./CognitoSync.js"

/**
 * Every error a call can fail with.
 *
 * @since 0.1.0
 */
export * as CognitoSyncError from "./CognitoSyncError.js"

/**
 * Credentials from Cognito Identity (GetId, GetCredentialsForIdentity).
 *
 * @since 0.1.0
 */
export * as CognitoIdentity from "./CognitoIdentity.js"

/**
 * Credential providers.
 *
 * @since 0.1.0
 */
export * as Credentials from "./Credentials.js"

/**
 * The operation table.
 *
 * @since 0.1.0
 */
export * as Operations from "./Operations.js"

/**
 * The retry policy.
 *
 * @since 0.1.0
 */
export * as Retry from "./Retry.js"

/**
 * The API's shapes as Schemas.
 *
 * @since 0.1.0
 */
export * as Schemas from "./Schemas.js"
