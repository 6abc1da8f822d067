/**
 * Credentials: static keys, `Config`, and temporary credentials from Cognito Identity, refreshed before they
 * expire.
 */
import { Config, Effect, Layer } from "effect"
import { CognitoIdentity, CognitoSync, Credentials } from "effect-cognito-sync"

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
// Apps without AWS keys: Cognito Identity's GetId finds the user's identity, GetCredentialsForIdentity trades it
// for temporary credentials (both unsigned). The identity id and the credentials are cached; the credentials are
// fetched again 5 minutes before they expire. `logins` holds an identity provider's token for a signed-in user.
export const forAppUser = (region: string, identityPoolId: string, logins?: Readonly<Record<string, string>>) =>
  Layer.unwrapEffect(
    Effect.map(
      CognitoIdentity.make({ region, identityPoolId, logins }),
      (identity) => CognitoSync.layer({ region, credentials: identity.credentials })
    )
  )
// #endregion
