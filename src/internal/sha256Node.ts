/**
 * SHA-256 and HMAC-SHA-256 on Node's crypto, for SigV4. Chosen through the `#sha256` import map's `node`
 * condition, so browsers never see `node:crypto`. Synchronous, as the signer is.
 *
 * @internal
 */
import * as Crypto from "node:crypto"
import { createHash, createHmac } from "node:crypto"
import { blockBytes, hashClass, hmacPads } from "./hashInput.js"

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

let lastPads: { readonly key: Uint8Array; readonly inner: Uint8Array; readonly outer: Uint8Array } | undefined

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
  if (lastPads?.key !== key) lastPads = { key, ...hmacPads(key) }
  const inner = oneShot("sha256", Buffer.concat([lastPads.inner, Buffer.from(data, "utf8")]), "buffer")
  return oneShot("sha256", Buffer.concat([lastPads.outer, inner]), "hex")
}

/** The hash class `@smithy/signature-v4` takes, on Node's crypto. @internal */
export const Sha256 = hashClass(sha256, hmacSha256)
