/**
 * SigV4 signing of an encoded request (service `cognito-sync`), synchronously.
 *
 * The canonical request is built here rather than by `@smithy/signature-v4`: its generic canonicalisation (regular
 * expressions over every header value and query part, several intermediate objects) cost about 0.1 of a whole
 * call's CPU at concurrency 1 in `bench/`, ten times what it costs in a tight loop (docs/benchmarks.md). What is
 * built here is the same string: a property test (test/signer.test.ts) checks every header of 300 random requests
 * against `SignatureV4.sign`, and the local server verifies signatures with `@smithy/signature-v4`'s own
 * canonicalisation (src/local/SigV4.ts), so every test against it checks this signer too.
 *
 * The hash chain after the canonical request runs with the synchronous `#sha256`, and the day's signing key is
 * derived once and kept, so the secret leaves its `Redacted` only for that derivation.
 *
 * @internal
 */
import * as Sha256 from "#sha256"
import { ALWAYS_UNSIGNABLE_HEADERS } from "@smithy/signature-v4"
import * as Redacted from "effect/Redacted"
import type { AwsCredentials } from "../Credentials.js"
import { perSecond } from "./perSecond.js"
import { type EncodedRequest, encodeUriComponent } from "./restJson.js"

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
  readonly hash?: HashFunctions | undefined
}

/** A signature, its credential scope and the list of headers it signed. */
interface Signature {
  readonly scope: string
  readonly signature: string
  readonly signedHeaders: string
}

/** A SigV4 date: `20150830T123600Z` and `20150830`. @internal */
export interface SigningDate {
  readonly longDate: string
  readonly shortDate: string
}

const algorithm = "AWS4-HMAC-SHA256"

/**
 * A date as SigV4 writes it, from `2015-08-30T12:36:00.000Z` to `20150830T123600Z` (as `@smithy/signature-v4`).
 *
 * @internal
 */
export const signingDateOf = (date: Date): SigningDate => {
  const longDate = date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "")
  return { longDate, shortDate: longDate.slice(0, 8) }
}

/**
 * The part of SigV4 after the canonical request: the string to sign and its HMAC under the day's signing key,
 * which is derived once a day. Shared by this signer and the local server's verifier.
 *
 * @internal
 */
export class SignatureChain {
  // The day's signing key and credential scope, both fixed for the day.
  private day: { readonly shortDate: string; readonly key: Uint8Array; readonly scope: string } | undefined

  constructor(
    private readonly secretAccessKey: Redacted.Redacted<string>,
    readonly region: string,
    readonly service: string,
    readonly hash: HashFunctions
  ) {}

  /** The signature of a canonical request at `date`, with its credential scope. */
  sign(canonicalRequest: string, date: SigningDate): { readonly scope: string; readonly signature: string } {
    const { key, scope } = this.dayOf(date.shortDate)
    const stringToSign = `${algorithm}\n${date.longDate}\n${scope}\n${this.hash.sha256Hex(canonicalRequest)}`
    return { scope, signature: this.hash.hmacSha256Hex(key, stringToSign) }
  }

  private dayOf(shortDate: string) {
    if (this.day?.shortDate !== shortDate) {
      let key: string | Uint8Array = `AWS4${Redacted.value(this.secretAccessKey)}`
      for (const part of [shortDate, this.region, this.service, "aws4_request"]) {
        key = this.hash.hmacSha256(key, part)
      }
      this.day = {
        shortDate,
        key: key as Uint8Array,
        scope: `${shortDate}/${this.region}/${this.service}/aws4_request`
      }
    }
    return this.day
  }
}

// Besides the headers SigV4 never signs, those a transport may add or change on the way.
const transportHeaders = new Set(["content-length", "traceparent", "b3"])

const isSignable = (name: string): boolean =>
  !Object.hasOwn(ALWAYS_UNSIGNABLE_HEADERS, name) && !transportHeaders.has(name) && !name.startsWith("proxy-") &&
  !name.startsWith("sec-")

const needsFolding = /[\r\n\t]| {2}|^ | $/

/** A header value as SigV4 signs it: line breaks and runs of blanks become one space, the ends are trimmed. */
const canonicalValue = (value: string): string =>
  needsFolding.test(value)
    ? value.replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, "")
    : value

// Non-empty segments of unreserved characters and `%` escapes, as the codec builds paths.
const plainEncodedPath = /^(?:\/[\w.~%-]+)+$/

/**
 * The canonical URI of a path sent percent-encoded: `.` and `..` segments resolved, empty ones dropped, each
 * segment encoded once more (every service but S3 signs the path double-encoded). Encoding a segment made of
 * unreserved characters and `%XX` escapes again only turns each `%` into `%25`.
 */
const canonicalPath = (path: string): string => {
  if (plainEncodedPath.test(path) && !path.includes("/.")) return path.replaceAll("%", "%25")
  const segments: Array<string> = []
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") segments.pop()
    else segments.push(encodeUriComponent(segment))
  }
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : ""
  return `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${trailing}`
}

/**
 * The canonical query of an encoded query string (names and values encoded as SigV4 wants, by the codec): its
 * `name=value` pairs ordered by name. Nothing is encoded again.
 */
const canonicalQuery = (search: string): string => {
  if (!search.includes("&")) return search
  return search.split("&").map((pair): readonly [name: string, pair: string] => {
    const equals = pair.indexOf("=")
    return [equals < 0 ? pair : pair.slice(0, equals), pair]
  }).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, pair]) => pair).join("&")
}

/** Signs requests for one set of credentials and one region. @internal */
export class Signer {
  private readonly chain: SignatureChain
  private readonly applyChecksum: boolean
  private readonly emptyPayloadHash: string
  // Calls within one second share their formatted date.
  private readonly dateOf = perSecond((millis) => signingDateOf(new Date(millis)))

  constructor(private readonly credentials: AwsCredentials, region: string, options?: SignerOptions) {
    const hash = options?.hash ?? Sha256
    this.chain = new SignatureChain(credentials.secretAccessKey, region, options?.service ?? signingName, hash)
    this.applyChecksum = options?.applyChecksum ?? true
    this.emptyPayloadHash = hash.sha256Hex("")
  }

  /**
   * Signs a request for `url` at `signingDate`. Returns the headers to send: the request's own plus `x-amz-date`,
   * `x-amz-content-sha256`, `authorization` and, with temporary credentials, `x-amz-security-token`. `host` is
   * signed but left out (the transport sets it from the URL).
   */
  sign(url: URL, request: EncodedRequest, signingDate: Date): Record<string, string> {
    const date = this.dateOf(signingDate.getTime())
    const payloadHash = request.body === undefined ? this.emptyPayloadHash : this.chain.hash.sha256Hex(request.body)
    const headers: Record<string, string> = { ...request.headers, "x-amz-date": date.longDate }
    const sessionToken = this.credentials.sessionToken === undefined
      ? ""
      : Redacted.value(this.credentials.sessionToken)
    // An empty token (`AWS_SESSION_TOKEN=`) is no token, as `@smithy/signature-v4` treats it.
    if (sessionToken !== "") headers["x-amz-security-token"] = sessionToken
    if (this.applyChecksum) headers["x-amz-content-sha256"] = payloadHash
    const { scope, signature, signedHeaders } = this.signatureOf(request, headers, url.host, date, payloadHash)
    headers.authorization =
      `${algorithm} Credential=${this.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
    return headers
  }

  private signatureOf(
    request: EncodedRequest,
    headers: Readonly<Record<string, string>>,
    host: string,
    date: SigningDate,
    payloadHash: string
  ): Signature {
    // Names are lowered in the order of the original names, so of two spellings of one name the last sorted wins; a
    // `host` among the request's headers (never one the codec builds) is signed in place of the URL's.
    const values = new Map<string, string>([["host", host]])
    for (const rawName of Object.keys(headers).sort()) {
      const value = headers[rawName]
      const name = rawName.toLowerCase()
      if (value !== undefined && isSignable(name)) values.set(name, canonicalValue(value))
    }
    const names = [...values.keys()].sort()
    let canonicalHeaders = ""
    for (const name of names) canonicalHeaders += `${name}:${values.get(name)}\n`
    const signedHeaders = names.join(";")
    const canonicalRequest = `${request.method}\n${canonicalPath(request.path)}\n${
      canonicalQuery(request.search)
    }\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`
    return { ...this.chain.sign(canonicalRequest, date), signedHeaders }
  }
}

/** A signer for one set of credentials and one region. @internal */
export const makeSigner = (credentials: AwsCredentials, region: string, options?: SignerOptions): Signer =>
  new Signer(credentials, region, options)
