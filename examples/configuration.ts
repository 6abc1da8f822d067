/**
 * Configuring the client: options, `Config`, endpoints, the HTTP client.
 */
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Redacted } from "effect"
import { CognitoSync, Retry } from "effect-cognito-sync"

// #region options
export const CognitoSyncLive = CognitoSync.layer({
  region: "eu-west-1", // picks the endpoint and signs every request
  credentials: { accessKeyId: "AKIA...", secretAccessKey: Redacted.make("...") },
  maxAttempts: 5, // attempts in all, the first included; 1 = no retries
  retryPolicy: Retry.defaultPolicy, // which failures are retried and how long to wait
  timeout: "10 seconds", // per attempt; default 30 seconds
  transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("user-agent", "my-app/1.4"))
})
// #endregion

// #region config
// AWS_REGION (or AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional),
// AWS_ENDPOINT_URL_COGNITO_SYNC (or AWS_ENDPOINT_URL, optional). Options without a variable are passed here.
export const CognitoSyncFromEnv = CognitoSync.layerConfig({ maxAttempts: 5, timeout: "10 seconds" })
// #endregion

// #region endpoints
const credentials = { accessKeyId: "AKIA...", secretAccessKey: "..." }

// https://cognito-sync.us-east-1.amazonaws.com
export const regional = CognitoSync.layer({ region: "us-east-1", credentials })
// https://cognito-sync-fips.us-east-1.amazonaws.com
export const fips = CognitoSync.layer({ region: "us-east-1", credentials, useFips: true })
// https://cognito-sync.cn-north-1.amazonaws.com.cn
export const china = CognitoSync.layer({ region: "cn-north-1", credentials })
// Anything else: a proxy, a test server, the local emulator. A path prefix is kept.
export const custom = CognitoSync.layer({ region: "us-east-1", credentials, endpoint: "http://127.0.0.1:4599" })
// #endregion

// #region http-clients
// Anywhere with fetch (browsers, Deno, Bun, edge runtimes, Node):
export const onFetch = CognitoSyncFromEnv.pipe(Layer.provide(FetchHttpClient.layer))
// On Node, undici directly: the cheapest transport per call.
export const onNode = CognitoSyncFromEnv.pipe(Layer.provide(NodeHttpClient.layerUndici))
// #endregion

// #region per-call
export const quickCheck = Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
  sync.describeIdentityUsage(
    { IdentityPoolId: "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000", IdentityId: "us-east-1:1111-2222" },
    { timeout: "2 seconds" } // this call's attempts only
  ))
// #endregion
