/**
 * Errors by tag, and the retry policy.
 */
import { Effect } from "effect"
import { CognitoSync, CognitoSyncError, Retry } from "effect-cognito-sync"

const dataset = {
  IdentityPoolId: "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000",
  IdentityId: "us-east-1:11111111-2222-3333-4444-555555555555",
  DatasetName: "settings"
}

// #region catch-tags
export const describeOrNone = Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
  sync.describeDataset(dataset).pipe(
    Effect.map((output) => output.Dataset),
    // A dataset that does not exist is an answer, not a failure.
    Effect.catchTag("ResourceNotFoundException", () => Effect.succeed(undefined)),
    Effect.catchTags({
      // A bug in this program rather than a failure: nothing was sent.
      CognitoSyncValidationError: (error) => Effect.dieMessage(`${error.path}: ${error.message}`),
      // The service said no with a code the operation does not model: `code` says which.
      CognitoSyncServiceError: (error) =>
        error.code === "UnrecognizedClientException"
          ? Effect.dieMessage("these credentials are not valid for Cognito Sync")
          : Effect.fail(error)
    })
  ))
// #endregion

// #region any-service-error
// Every answer from the service, modeled or not, with its AWS code, HTTP status and request id.
export const logServiceErrors = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.tapError(effect, (error) =>
    CognitoSyncError.isServiceError(error)
      ? Effect.logError(
        `${CognitoSyncError.errorCode(error)} (HTTP ${error.status}, request ${error.requestId}): ${error.message}`
      )
      : Effect.void)
// #endregion

// #region no-retries
// For one client: CognitoSync.layer({ ..., maxAttempts: 1 }). For a part of a program:
export const once = describeOrNone.pipe(Retry.withPolicy(Retry.none))
// #endregion

// #region custom-policy
// More patience with throttling, for a batch job.
export const patient: Retry.RetryPolicy = {
  ...Retry.defaultPolicy,
  maxAttempts: 8,
  throttlingBaseDelay: "1 second"
}
export const batch = describeOrNone.pipe(Retry.withPolicy(patient))

// What the AWS SDK for JavaScript does: LimitExceededException counted as throttling. Not recommended (it waits
// on a quota that waiting does not lift), but available.
export const likeAwsSdkV3: Retry.RetryPolicy = {
  ...Retry.defaultPolicy,
  isRetryable: (error) => error._tag === "LimitExceededException" || Retry.defaultPolicy.isRetryable(error)
}
// #endregion
