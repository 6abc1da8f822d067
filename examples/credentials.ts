/**
 * Credentials: static keys, `Config`, and temporary credentials from Cognito Identity, refreshed before they
 * expire.
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Config, Effect, Layer, Schema } from "effect"
import { CognitoSync, CognitoSyncError, Credentials, Schemas } from "effect-cognito-sync"

// #region static
// Plain strings are wrapped in Redacted at once; they never show up in logs or error messages.
export const withStaticKeys = CognitoSync.layer({
  region: "us-east-1",
  credentials: { accessKeyId: "AKIA...", secretAccessKey: "...", sessionToken: "..." } // sessionToken optional
})
// #endregion

// #region config
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (optional) through Effect's Config, with the
// region from a variable of your own.
export const withConfigKeys = Layer.unwrapEffect(
  Effect.gen(function*() {
    const credentials = yield* Credentials.fromConfig
    const region = yield* Config.string("MY_APP_REGION")
    return CognitoSync.layer({ region, credentials })
  })
)
// #endregion

// #region cognito-identity
// GetCredentialsForIdentity of Cognito Identity: an unsigned JSON call that returns temporary credentials for an
// identity. `Logins` holds the identity provider's token when the identity is authenticated.
const GetCredentialsForIdentityResponse = Schema.Struct({
  Credentials: Schema.Struct({
    AccessKeyId: Schema.String,
    SecretKey: Schema.Redacted(Schema.String),
    SessionToken: Schema.Redacted(Schema.String),
    Expiration: Schemas.EpochSeconds
  })
})

const getCredentialsForIdentity = (
  client: HttpClient.HttpClient,
  region: string,
  identityId: string,
  logins: Readonly<Record<string, string>>
) =>
  HttpClientRequest.post(`https://cognito-identity.${region}.amazonaws.com/`).pipe(
    HttpClientRequest.setHeader("x-amz-target", "AWSCognitoIdentityService.GetCredentialsForIdentity"),
    HttpClientRequest.bodyText(
      JSON.stringify({ IdentityId: identityId, Logins: logins }),
      "application/x-amz-json-1.1"
    ),
    client.execute,
    Effect.flatMap(HttpClientResponse.filterStatusOk),
    Effect.flatMap(HttpClientResponse.schemaBodyJson(GetCredentialsForIdentityResponse)),
    Effect.map(({ Credentials: c }) => ({
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration
    })),
    Effect.mapError((error) =>
      new CognitoSyncError.CognitoSyncCredentialsError({
        message: `Cognito Identity: ${error.message}`,
        code: "GetCredentialsForIdentity"
      })
    )
  )

// The client for one identity. Credentials are fetched on first use, kept, and fetched again 5 minutes before
// they expire; calls that arrive during a fetch wait for it.
export const forIdentity = (region: string, identityId: string, logins: Readonly<Record<string, string>> = {}) =>
  Layer.unwrapEffect(
    Effect.map(HttpClient.HttpClient, (client) =>
      CognitoSync.layer({
        region,
        credentials: Credentials.refreshing(getCredentialsForIdentity(client, region, identityId, logins), {
          refreshBefore: "5 minutes"
        })
      }))
  )
// #endregion
