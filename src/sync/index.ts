/**
 * effect-cognito-sync/sync: the offline-first sync engine.
 *
 * @since 0.1.0
 */

/**
 * The manager: datasets with a local copy, edits, synchronize, events.
 *
 * @since 0.1.0
 */
export * as SyncManager from "./SyncManager.js"

/**
 * Where local copies are kept.
 *
 * @since 0.1.0
 */
export * as LocalStore from "./LocalStore.js"

/**
 * Conflicts and resolvers.
 *
 * @since 0.1.0
 */
export * as Conflict from "./Conflict.js"

/**
 * The sync engine's own errors.
 *
 * @since 0.1.0
 */
export * as SyncError from "./SyncError.js"
