/**
 * SigV4 verification for the local server: the server recomputes the signature of each request from the
 * credentials it knows and compares. The canonical request comes from `@smithy/signature-v4`, not from the
 * client's own signer, so that every request this library's client sends to the local server is also checked by an
 * independent implementation; the hash chain after it is the client's synchronous one.
 *
 * Real clients sign the path in more than one form (the standard double-encoded canonical URI, the path as sent,
 * or the decoded path encoded once); each is accepted.
 *
 * @since 0.1.0
 */
import * as Sha256 from "#sha256"
import { getCanonicalHeaders, SignatureV4Base } from "@smithy/signature-v4"
import * as Redacted from "effect/Redacted"
import { SignatureChain, type SigningDate, signingDateOf, signingName } from "../internal/signer.js"

/**
 * Credentials the server accepts. `identityId` makes them Cognito Identity credentials of that identity;
 * `sessionToken` and `expiration` are set for temporary ones.
 *
 * @since 0.1.0
 * @category models
 */
export interface KnownCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly identityId?: string | undefined
  readonly sessionToken?: string | undefined
  readonly expiration?: number | undefined
}

/**
 * A request as the server received it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReceivedRequest {
  readonly method: string
  /** The path exactly as sent, still percent-encoded. */
  readonly rawPath: string
  /** The query string as sent, without `?`. */
  readonly rawQuery: string
  /** Header names in lower case. */
  readonly headers: { readonly [name: string]: string | undefined }
  readonly body: string
}

/**
 * Why a request was refused, as the service would say it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Rejection {
  readonly status: number
  readonly code: string
  readonly message: string
}

const authorizationPattern =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/

const amzDatePattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/

/**
 * The longest a request's date may differ from the server's clock.
 *
 * @since 0.1.0
 * @category rules
 */
export const maxClockSkewMillis = 5 * 60 * 1000

const parseQuery = (rawQuery: string): Record<string, string | Array<string>> => {
  const query: Record<string, string | Array<string>> = {}
  if (rawQuery === "") return query
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    const existing = query[key]
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]
  }
  return query
}

const safeDecode = (path: string): string | undefined => {
  try {
    return decodeURIComponent(path)
  } catch {
    return undefined
  }
}

const reject = (status: number, code: string, message: string): Rejection => ({ status, code, message })

/** Recomputes signatures for one secret, region and path form, with `@smithy/signature-v4`'s canonicalisation. */
class Verifier extends SignatureV4Base {
  private readonly chain: SignatureChain

  constructor(secretAccessKey: string, region: string, uriEscapePath: boolean) {
    // Only the canonicalisation of `SignatureV4Base` is used: it reads neither its credentials nor its hash.
    super({
      service: signingName,
      region,
      uriEscapePath,
      applyChecksum: false,
      sha256: Sha256.Sha256,
      credentials: { accessKeyId: "", secretAccessKey: "" }
    })
    this.chain = new SignatureChain(Redacted.make(secretAccessKey), region, signingName, Sha256)
  }

  /**
   * The signature over exactly the `signedHeaders` the client listed. The payload hash is the
   * `x-amz-content-sha256` header's when there is one, as `@smithy/signature-v4` takes it.
   */
  signatureOf(
    request: {
      readonly method: string
      readonly path: string
      readonly query: Record<string, string | Array<string>>
      readonly headers: Record<string, string>
      readonly body: string
    },
    date: SigningDate,
    signedHeaders: Set<string>
  ): string {
    const payloadHash = request.headers["x-amz-content-sha256"] ?? this.chain.hash.sha256Hex(request.body)
    const toSign = { ...request, protocol: "https:", hostname: "" }
    const canonicalHeaders = getCanonicalHeaders(toSign, undefined, signedHeaders)
    return this.chain.sign(this.createCanonicalRequest(toSign, canonicalHeaders, payloadHash), date).signature
  }
}

// One verifier per credential pair, region and path form: it derives the day's signing key once.
const verifiers = new Map<string, Verifier>()
const maxVerifiers = 1024

const verifierFor = (secretAccessKey: string, region: string, uriEscapePath: boolean): Verifier => {
  const key = `${uriEscapePath}\u0000${region}\u0000${secretAccessKey}`
  let verifier = verifiers.get(key)
  if (verifier === undefined) {
    if (verifiers.size >= maxVerifiers) verifiers.clear()
    verifier = new Verifier(secretAccessKey, region, uriEscapePath)
    verifiers.set(key, verifier)
  }
  return verifier
}

/**
 * Checks a request's signature. Returns the credentials that signed it, or why it is refused.
 *
 * @since 0.1.0
 * @category verification
 */
export const verify = (
  request: ReceivedRequest,
  lookup: (accessKeyId: string) => KnownCredentials | undefined,
  nowMillis: number
): KnownCredentials | Rejection => {
  const authorization = request.headers["authorization"]
  if (authorization === undefined) {
    return reject(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
  }
  const match = authorizationPattern.exec(authorization)
  if (match === null) {
    return reject(400, "IncompleteSignatureException", "Authorization header is not a valid AWS4-HMAC-SHA256 signature")
  }
  const [, accessKeyId, , region, service, signedHeaderList, signature] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string
  ]
  const credentials = lookup(accessKeyId)
  if (credentials === undefined) {
    return reject(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
  }
  if (service !== "cognito-sync") {
    return reject(403, "InvalidSignatureException", `Credential should be scoped to correct service: 'cognito-sync'.`)
  }
  if (credentials.sessionToken !== undefined && request.headers["x-amz-security-token"] !== credentials.sessionToken) {
    return reject(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
  }
  if (credentials.expiration !== undefined && credentials.expiration <= nowMillis) {
    return reject(403, "ExpiredTokenException", "The security token included in the request is expired")
  }
  const amzDate = request.headers["x-amz-date"]
  const dateMatch = amzDate === undefined ? null : amzDatePattern.exec(amzDate)
  if (dateMatch === null) return reject(400, "IncompleteSignatureException", "Missing or malformed X-Amz-Date")
  const [, year, month, day, hour, minute, second] = dateMatch.map(Number) as unknown as ReadonlyArray<number>
  const signingTime = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!)
  if (Math.abs(signingTime - nowMillis) > maxClockSkewMillis) {
    return reject(
      403,
      "InvalidSignatureException",
      `Signature expired: ${amzDate} is now earlier or later than 5 minutes from the server time`
    )
  }

  const signedHeaders = signedHeaderList.split(";")
  const headers: Record<string, string> = {}
  for (const name of signedHeaders) {
    const value = request.headers[name]
    if (value === undefined) {
      return reject(403, "InvalidSignatureException", `Signed header ${name} is missing from the request`)
    }
    headers[name] = value
  }
  const query = parseQuery(request.rawQuery)
  const signableHeaders = new Set(signedHeaders)
  // Formatted back from the time, so a date that is no calendar date (second 60, month 13) signs as another one.
  const date = signingDateOf(new Date(signingTime))
  const matches = (path: string, uriEscapePath: boolean) =>
    verifierFor(credentials.secretAccessKey, region, uriEscapePath).signatureOf(
      { method: request.method, path, query, headers, body: request.body },
      date,
      signableHeaders
    ) === signature
  if (matches(request.rawPath, true) || matches(request.rawPath, false)) return credentials
  const decodedPath = safeDecode(request.rawPath)
  if (decodedPath !== undefined && decodedPath !== request.rawPath && matches(decodedPath, true)) {
    return credentials
  }
  return reject(
    403,
    "InvalidSignatureException",
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
  )
}

/**
 * Whether a verification result is a rejection.
 *
 * @since 0.1.0
 * @category verification
 */
export const isRejection = (result: KnownCredentials | Rejection): result is Rejection => "code" in result
