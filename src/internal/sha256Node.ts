/**
 * SHA-256 and HMAC-SHA-256 on Node's crypto, for SigV4. Chosen through the `#sha256` import map's `node`
 * condition, so browsers never see `node:crypto`. Synchronous, as the signer is.
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import { createHash, createHmac, type Hmac } from "node:crypto"

// `crypto.hash` (Node 20.12+) hashes without creating a `Hash` object, whose native handle the garbage collector
// must also process; older Nodes take `createHash`.
const oneShot = typeof Crypto.hash === "function" ? Crypto.hash : undefined

/** The SHA-256 of a UTF-8 string or of bytes. @internal */
export const sha256 = (data: string | Uint8Array): Uint8Array =>
  oneShot === undefined ? createHash("sha256").update(data).digest() : oneShot("sha256", data, "buffer")

/** The hex SHA-256 of a UTF-8 string. @internal */
export const sha256Hex = (data: string): string =>
  oneShot === undefined ? createHash("sha256").update(data, "utf8").digest("hex") : oneShot("sha256", data, "hex")

/** The HMAC-SHA-256 of a UTF-8 string (or bytes) under `key`. @internal */
export const hmacSha256 = (key: string | Uint8Array, data: string | Uint8Array): Uint8Array =>
  createHmac("sha256", key).update(data).digest()

/**
 * The hex HMAC-SHA-256 of a UTF-8 string under `key`. With `crypto.hash` and a key of bytes (the signer's daily
 * key), it is computed from its definition, H((K ^ opad) || H((K ^ ipad) || data)), as two one-shot hashes: an
 * `Hmac` object costs a call several times more than the hashing when its code is not hot in the CPU's caches
 * (docs/benchmarks.md). The padded keys of the last key are kept, by identity: a key is never changed in place.
 *
 * @internal
 */
export const hmacSha256Hex = (key: string | Uint8Array, data: string): string => {
  if (oneShot === undefined || typeof key === "string" || key.length > blockBytes) {
    return createHmac("sha256", key).update(data, "utf8").digest("hex")
  }
  const pads = padsOf(key)
  const inner = oneShot("sha256", Buffer.concat([pads.inner, Buffer.from(data, "utf8")]), "buffer")
  return oneShot("sha256", Buffer.concat([pads.outer, inner]), "hex")
}

const blockBytes = 64
let lastPads: { readonly key: Uint8Array; readonly inner: Buffer; readonly outer: Buffer } | undefined

/** The key XOR-ed with the inner and outer pads of RFC 2104 (a key shorter than the block is padded with zeros). */
const padsOf = (key: Uint8Array) => {
  if (lastPads?.key !== key) {
    const inner = Buffer.alloc(blockBytes, 0x36)
    const outer = Buffer.alloc(blockBytes, 0x5c)
    for (let i = 0; i < key.length; i++) {
      inner[i]! ^= key[i]!
      outer[i]! ^= key[i]!
    }
    lastPads = { key, inner, outer }
  }
  return lastPads
}

/**
 * The same hash in the shape `@smithy/signature-v4` takes as its `sha256` option: `SignatureV4Base`, which the
 * local server's verifier extends, requires one, and the tests sign with `SignatureV4` through it.
 *
 * @internal
 */
export class Sha256 {
  // An HMAC needs its object; a plain hash collects its input and hashes it in one shot where Node can.
  private readonly hmac: Hmac | undefined
  private readonly chunks: Array<Uint8Array> = []
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hmac = secret === undefined
      ? undefined
      : createHmac("sha256", typeof secret === "string" ? secret : toBytes(secret))
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : toBytes(data)
    if (this.hmac === undefined) this.chunks.push(bytes)
    else this.hmac.update(bytes)
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(
      this.hmac !== undefined
        ? this.hmac.digest()
        : sha256(this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks))
    )
  }
}

const toBytes = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)
