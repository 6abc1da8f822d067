/**
 * The errors of the sync engine besides the client's and the store's.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A dataset name, key or value was rejected before anything was stored or synced: it breaks the API model or a
 * limit of the service (1 MB and 1024 records per dataset, 20 datasets per identity).
 *
 * @since 0.1.0
 * @category errors
 */
export class SyncValidationError extends Schema.TaggedError<SyncValidationError>(
  "effect-cognito-sync/SyncValidationError"
)("SyncValidationError", {
  datasetName: Schema.String,
  /** What was rejected: `datasetName`, `key`, `value`, `records`, `size` or `datasets`. */
  path: Schema.String,
  message: Schema.String
}) {}

/**
 * A synchronize used up its passes (conflicts kept coming, or the outcome of pushes stayed unknown). The local
 * copy is valid and its edits are still marked for the next attempt.
 *
 * @since 0.1.0
 * @category errors
 */
export class SyncRetriesExhausted extends Schema.TaggedError<SyncRetriesExhausted>(
  "effect-cognito-sync/SyncRetriesExhausted"
)("SyncRetriesExhausted", {
  datasetName: Schema.String,
  passes: Schema.Number,
  /** Why the last pass had to start over. */
  reason: Schema.String
}) {
  override get message(): string {
    return `synchronize of ${this.datasetName} gave up after ${this.passes} passes: ${this.reason}`
  }
}

/**
 * Local datasets may move only from an unauthenticated identity to its first authenticated one.
 *
 * @since 0.1.0
 * @category errors
 */
export class IdentityChangeRefused extends Schema.TaggedError<IdentityChangeRefused>(
  "effect-cognito-sync/IdentityChangeRefused"
)("IdentityChangeRefused", { from: Schema.String, to: Schema.String, message: Schema.String }) {}

/**
 * A push operation needs a device registered with `registerDevice` first.
 *
 * @since 0.1.0
 * @category errors
 */
export class DeviceNotRegistered extends Schema.TaggedError<DeviceNotRegistered>(
  "effect-cognito-sync/DeviceNotRegistered"
)("DeviceNotRegistered", { identityId: Schema.String, message: Schema.String }) {}
