/**
 * SigV4 signing of an encoded request (service `cognito-sync`), synchronously.
 *
 * The canonical request (path normalisation and double encoding, query sorting and encoding, header selection and
 * trimming) comes from `@smithy/signature-v4`. The rest of SigV4 is a fixed chain of hashes that this module runs
 * with the synchronous `#sha256`: `SignatureV4.sign` is async, and its dozen awaits plus the trip through the event
 * loop cost more than the hashing itself (docs/benchmarks.md). The signing key is derived once per day and kept
 * here, so the secret leaves its `Redacted` only for that derivation.
 *
 * @internal
 */
import * as Sha256 from "#sha256"
import { createScope, getCanonicalHeaders, SignatureV4Base } from "@smithy/signature-v4"
import * as Redacted from "effect/Redacted"
import type { AwsCredentials } from "../Credentials.js"
import type { EncodedRequest } from "./restJson.js"

/** The signing name of Cognito Sync. @internal */
export const signingName = "cognito-sync"

/** The synchronous hash functions the signer uses; `#sha256` by default. @internal */
export interface HashFunctions {
  readonly sha256Hex: (data: string) => string
  readonly hmacSha256: (key: string | Uint8Array, data: string) => Uint8Array
  readonly hmacSha256Hex: (key: string | Uint8Array, data: string) => string
}

/** @internal */
export interface SignerOptions {
  /** The signing name; `cognito-sync` unless a test signs for the SigV4 test suite's `service`. */
  readonly service?: string | undefined
  /** Whether to send `x-amz-content-sha256` (as `@smithy/signature-v4` does by default). */
  readonly applyChecksum?: boolean | undefined
  /** Whether the canonical path encodes each segment again (every service but S3 does; the default). */
  readonly uriEscapePath?: boolean | undefined
  readonly hash?: HashFunctions | undefined
}

/** What a signature covers: the method, the encoded path, the decoded query and the headers as sent. @internal */
export interface SignableRequest {
  readonly method: string
  readonly path: string
  readonly query: Record<string, string | Array<string>>
  readonly headers: Record<string, string>
}

/** A signature, its credential scope and the list of headers it signed. @internal */
export interface Signature {
  readonly scope: string
  readonly signature: string
  readonly signedHeaders: string
}

const algorithm = "AWS4-HMAC-SHA256"
const unsignableHeaders = new Set(["content-length", "user-agent", "traceparent", "b3"])

/** Signs requests for one set of credentials and one region. @internal */
export class Signer extends SignatureV4Base {
  private readonly hash: HashFunctions
  private readonly emptyPayloadHash: string
  private signingKey: { readonly shortDate: string; readonly key: Uint8Array } | undefined

  constructor(
    private readonly credentials: AwsCredentials,
    private readonly region: string,
    options?: SignerOptions
  ) {
    // Only the canonicalisation of `SignatureV4Base` is used: it reads neither its credentials nor its hash.
    super({
      service: options?.service ?? signingName,
      applyChecksum: options?.applyChecksum ?? true,
      uriEscapePath: options?.uriEscapePath ?? true,
      region,
      sha256: Sha256.Sha256,
      credentials: { accessKeyId: "", secretAccessKey: "" }
    })
    this.hash = options?.hash ?? Sha256
    this.emptyPayloadHash = this.hash.sha256Hex("")
  }

  /**
   * Signs a request for `url` at `signingDate`. Returns the headers to send: the request's own plus `x-amz-date`,
   * `x-amz-content-sha256`, `authorization` and, with temporary credentials, `x-amz-security-token`. `host` is
   * signed but left out (the transport sets it from the URL).
   */
  sign(url: URL, request: EncodedRequest, signingDate: Date): Record<string, string> {
    const date = this.formatDate(signingDate)
    const payloadHash = request.body === undefined ? this.emptyPayloadHash : this.hash.sha256Hex(request.body)
    const headers: Record<string, string> = { ...request.headers, "x-amz-date": date.longDate }
    if (this.credentials.sessionToken !== undefined) {
      headers["x-amz-security-token"] = Redacted.value(this.credentials.sessionToken)
    }
    if (this.applyChecksum) headers["x-amz-content-sha256"] = payloadHash
    const { scope, signature, signedHeaders } = this.signatureAt(
      { method: request.method, path: request.path, query: request.query, headers: { ...headers, host: url.host } },
      date,
      payloadHash
    )
    headers.authorization =
      `${algorithm} Credential=${this.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
    return headers
  }

  /**
   * The signature of a request whose headers are final (`host` and `x-amz-date` included): over the headers
   * SigV4 signs, or exactly `signableHeaders` when given (as a verifier checks what a client listed). The payload
   * hash is the `x-amz-content-sha256` header's when there is one, as `@smithy/signature-v4` takes it.
   */
  signatureOf(
    request: SignableRequest & { readonly body: string | undefined },
    signingDate: Date,
    signableHeaders?: ReadonlySet<string>
  ): Signature {
    const payloadHash = request.headers["x-amz-content-sha256"] ??
      (request.body === undefined ? this.emptyPayloadHash : this.hash.sha256Hex(request.body))
    return this.signatureAt(request, this.formatDate(signingDate), payloadHash, signableHeaders)
  }

  private signatureAt(
    request: SignableRequest,
    date: { readonly longDate: string; readonly shortDate: string },
    payloadHash: string,
    signableHeaders?: ReadonlySet<string>
  ): Signature {
    const scope = createScope(date.shortDate, this.region, this.service)
    const toSign = { ...request, protocol: "https:", hostname: "" }
    const canonicalHeaders = getCanonicalHeaders(toSign, unsignableHeaders, signableHeaders as Set<string> | undefined)
    const canonicalRequest = this.createCanonicalRequest(toSign, canonicalHeaders, payloadHash)
    const stringToSign = `${algorithm}\n${date.longDate}\n${scope}\n${this.hash.sha256Hex(canonicalRequest)}`
    return {
      scope,
      signature: this.hash.hmacSha256Hex(this.keyFor(date.shortDate), stringToSign),
      signedHeaders: this.getCanonicalHeaderList(canonicalHeaders)
    }
  }

  /** The day's signing key: HMAC chain over the date, region, service and `aws4_request`. */
  private keyFor(shortDate: string): Uint8Array {
    if (this.signingKey?.shortDate !== shortDate) {
      let key: string | Uint8Array = `AWS4${Redacted.value(this.credentials.secretAccessKey)}`
      for (const part of [shortDate, this.region, this.service, "aws4_request"]) {
        key = this.hash.hmacSha256(key, part)
      }
      this.signingKey = { shortDate, key: key as Uint8Array }
    }
    return this.signingKey.key
  }
}

/** A signer for one set of credentials and one region. @internal */
export const makeSigner = (credentials: AwsCredentials, region: string, options?: SignerOptions): Signer =>
  new Signer(credentials, region, options)
