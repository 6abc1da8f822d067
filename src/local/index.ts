/**
 * effect-cognito-sync/local: a faithful Cognito Sync emulator, in process and over HTTP.
 *
 * @since 0.1.0
 */

/**
 * The `CognitoSync` service backed by the engine, with no HTTP.
 *
 * @since 0.1.0
 */
export * as CognitoSyncLocal from "./CognitoSyncLocal.js"

/**
 * The engine: the service's semantics over explicit state.
 *
 * @since 0.1.0
 */
export * as LocalEngine from "./Engine.js"

/**
 * The HTTP server speaking the wire protocol.
 *
 * @since 0.1.0
 */
export * as LocalServer from "./Server.js"

/**
 * SigV4 verification used by the server.
 *
 * @since 0.1.0
 */
export * as SigV4 from "./SigV4.js"

/**
 * Fault injection (throttling, internal errors, latency, lost write answers) shared by the server and the layer.
 *
 * @since 0.1.0
 */
export * as LocalFaults from "./Faults.js"

/**
 * The part of Cognito Identity the server answers (GetId, GetCredentialsForIdentity).
 *
 * @since 0.1.0
 */
export * as LocalIdentity from "./Identity.js"
