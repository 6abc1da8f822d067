/**
 * SigV4 signing alone: CPU µs per signature of a ListRecords request (GET, query, no body) and an UpdateRecords
 * request (POST, 2-patch JSON body):
 *
 * - `node:crypto`: this library's synchronous signer (src/internal/signer.ts) with src/internal/sha256Node.ts, what
 *   `#sha256` picks on Node;
 * - `portable`: the same signer with the JavaScript SHA-256 of src/internal/sha256Portable.ts, what browsers and
 *   edge runtimes get;
 * - `SignatureV4.sign, node:crypto` and `SignatureV4.sign, webcrypto`: `@smithy/signature-v4`'s own async `sign`
 *   with Node's hash and with a `crypto.subtle` SHA-256 / HMAC (one key import per HMAC), for comparison.
 *
 * Every signer caches the derived signing key per day, as in real use, so a signature is two body/canonical-request
 * hashes and one HMAC. The implementations are interleaved in rounds; figures are medians.
 */
import { SignatureV4 } from "@smithy/signature-v4"
import * as Redacted from "effect/Redacted"
import { bytesOf, concatBytes, type Source } from "../src/internal/hashInput.js"
import type { EncodedRequest } from "../src/internal/restJson.js"
import * as NodeHash from "../src/internal/sha256Node.js"
import * as PortableHash from "../src/internal/sha256Portable.js"
import { makeSigner } from "../src/internal/signer.js"
import { median } from "./cpu.js"

/** SHA-256 and HMAC-SHA-256 on WebCrypto. */
class WebCryptoSha256 {
  private chunks: Array<Uint8Array> = []
  private readonly secret: Uint8Array<ArrayBuffer> | undefined
  constructor(secret?: Source) {
    this.secret = secret === undefined ? undefined : new Uint8Array(bytesOf(secret))
  }
  update(data: Source): void {
    this.chunks.push(bytesOf(data))
  }
  reset(): void {
    this.chunks = []
  }
  async digest(): Promise<Uint8Array> {
    const data = concatBytes(this.chunks)
    if (this.secret === undefined) return new Uint8Array(await crypto.subtle.digest("SHA-256", data))
    const key = await crypto.subtle.importKey("raw", this.secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, data))
  }
}

export const hashes = [
  "node:crypto",
  "portable",
  "SignatureV4.sign, node:crypto",
  "SignatureV4.sign, webcrypto"
] as const
export type HashName = (typeof hashes)[number]

export type SignResults = Record<HashName, { readonly listRecords: number; readonly updateRecords: number }>

const credentials = {
  accessKeyId: "AKIDBENCHMARK",
  secretAccessKey: Redacted.make("benchmark-secret-key"),
  sessionToken: undefined
}
const url = new URL("http://127.0.0.1:4599")
const pool = "us-east-1%3A0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10"
const identity = "us-east-1%3A2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90"
const datasetPath = `/identitypools/${pool}/identities/${identity}/datasets/settings`

const listRequest: EncodedRequest = {
  method: "GET",
  path: `${datasetPath}/records`,
  search: "lastSyncCount=39",
  headers: {},
  body: undefined
}
const updateRequest: EncodedRequest = {
  method: "POST",
  path: datasetPath,
  search: "",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    DeviceId: "device-a",
    RecordPatches: [
      {
        Op: "replace",
        Key: "setting-0",
        Value: "{\"theme\":\"dark\"}",
        SyncCount: 49,
        DeviceLastModifiedDate: 1715000100
      },
      { Op: "remove", Key: "draft", SyncCount: 3, DeviceLastModifiedDate: 1715000100.5 }
    ],
    SyncSessionToken: "AQoDYXdzEJr1K2JhY2tlbmQtc2Vzc2lvbi10b2tlbi0wMTIzNDU2Nzg5YWJjZGVm"
  })
}

type Sign = (request: EncodedRequest, date: Date) => unknown

const signerOf = (hash: HashName): Sign => {
  switch (hash) {
    case "node:crypto":
      return ours(makeSigner(credentials, "us-east-1"))
    case "portable":
      return ours(makeSigner(credentials, "us-east-1", { hash: PortableHash }))
    case "SignatureV4.sign, node:crypto":
      return smithy(new SignatureV4({ ...baseInit, sha256: NodeHash.Sha256 }))
    case "SignatureV4.sign, webcrypto":
      return smithy(new SignatureV4({ ...baseInit, sha256: WebCryptoSha256 }))
  }
}
const ours = (signer: ReturnType<typeof makeSigner>): Sign => (request, date) => signer.sign(url, request, date)
const smithy = (signer: SignatureV4): Sign => (request, date) =>
  signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: request.path,
    query: Object.fromEntries(new URLSearchParams(request.search)),
    headers: { ...request.headers, host: url.host },
    body: request.body
  }, { signingDate: date })
const baseInit = {
  service: "cognito-sync",
  region: "us-east-1",
  credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: Redacted.value(credentials.secretAccessKey) }
}

const measure = async (
  sign: Sign,
  request: EncodedRequest,
  count: number,
  maxMillis = 1_000
): Promise<number> => {
  const date = new Date()
  const deadline = performance.now() + maxMillis
  const cpu0 = process.cpuUsage()
  let done = 0
  while (done < count && (done < 10 || performance.now() < deadline)) {
    await sign(request, date)
    done++
  }
  const cpu = process.cpuUsage(cpu0)
  return (cpu.user + cpu.system) / done
}

/**
 * Signing µs per signature, per hash and request: `rounds` interleaved rounds of batches of `count` signatures
 * (a batch stops after `maxBatchMillis`).
 */
export const runSignBench = async (
  options: { readonly rounds: number; readonly count: number; readonly maxBatchMillis: number }
) => {
  // `makeSigner` picks `#sha256`; on Node that must be the node:crypto one, or the column would be mislabelled.
  if (!(await sha256IsNode())) throw new Error("#sha256 did not resolve to src/internal/sha256Node.ts")
  const signers = new Map(hashes.map((hash) => [hash, signerOf(hash)]))
  const samples = new Map<string, Array<number>>()
  for (const hash of hashes) {
    await measure(signers.get(hash)!, listRequest, options.count / 4)
    await measure(signers.get(hash)!, updateRequest, options.count / 4)
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const hash of hashes) {
      for (const [name, request] of [["listRecords", listRequest], ["updateRecords", updateRequest]] as const) {
        const key = `${hash}/${name}`
        samples.set(key, [
          ...(samples.get(key) ?? []),
          await measure(signers.get(hash)!, request, options.count, options.maxBatchMillis)
        ])
      }
    }
  }
  return Object.fromEntries(hashes.map((hash) => [hash, {
    listRecords: median(samples.get(`${hash}/listRecords`)!),
    updateRecords: median(samples.get(`${hash}/updateRecords`)!)
  }])) as SignResults
}

/** Whether `#sha256` resolved to Node's crypto in this process (it should, under the `source` or `node` condition). */
export const sha256IsNode = async (): Promise<boolean> => {
  const { Sha256 } = await import("#sha256")
  return Sha256 === NodeHash.Sha256
}
