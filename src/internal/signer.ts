/**
 * SigV4 signing of an encoded request with `@smithy/signature-v4` (service `cognito-sync`). The secret leaves its
 * `Redacted` only here, inside the signer.
 *
 * @internal
 */
import { Sha256 } from "#sha256"
import { SignatureV4 } from "@smithy/signature-v4"
import * as Redacted from "effect/Redacted"
import type { AwsCredentials } from "../Credentials.js"
import type { EncodedRequest } from "./restJson.js"

/** The signing name of Cognito Sync. @internal */
export const signingName = "cognito-sync"

/** A signer for one set of credentials and one region. @internal */
export const makeSigner = (credentials: AwsCredentials, region: string): SignatureV4 =>
  new SignatureV4({
    service: signingName,
    region,
    sha256: Sha256,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: Redacted.value(credentials.secretAccessKey),
      ...(credentials.sessionToken === undefined ? {} : { sessionToken: Redacted.value(credentials.sessionToken) })
    }
  })

const unsignableHeaders = new Set(["content-length", "user-agent", "traceparent", "b3"])

/**
 * Signs a request for `url` at `signingDate`. Returns the headers to send: the request's own plus `x-amz-date`,
 * `x-amz-content-sha256`, `authorization` and, with temporary credentials, `x-amz-security-token`. `host` is left
 * out (the transport sets it from the URL).
 *
 * @internal
 */
export const sign = async (
  signer: SignatureV4,
  url: URL,
  request: EncodedRequest,
  signingDate: Date
): Promise<Record<string, string>> => {
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === "" ? {} : { port: Number(url.port) }),
    path: request.path,
    query: request.query,
    headers: { ...request.headers, host: url.host },
    body: request.body
  }, { signingDate, unsignableHeaders })
  const { host: _host, ...headers } = signed.headers
  return headers
}
