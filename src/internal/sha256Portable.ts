/**
 * SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) in plain JavaScript, for runtimes without Node's crypto
 * (browsers, edge runtimes): synchronous, so a signature costs no trip through the event loop, and small, so a
 * browser bundle carries about a kilobyte for it. Tested against `node:crypto` on random inputs.
 *
 * @internal
 */
import { blockBytes, bytesOf, concatBytes, hashClass, hmacPads } from "./hashInput.js"

// The first 32 bits of the fractional parts of the square roots (initial state) and cube roots (round constants)
// of the first primes. Computed rather than listed: a double holds the 35 bits each needs exactly, and the tests
// check the result against node:crypto.
const primes: Array<number> = []
for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p !== 0)) primes.push(n)
const fractionBits = (x: number): number => ((x - Math.floor(x)) * 0x100000000) >>> 0
const initialState = primes.slice(0, 8).map((p) => fractionBits(Math.sqrt(p)))
const K = new Uint32Array(primes.map((p) => fractionBits(Math.cbrt(p))))

// The message schedule, reused: hashing is synchronous, so no two calls share it at once.
const schedule = new Uint32Array(64)

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n))

/** The SHA-256 of a UTF-8 string or of bytes. @internal */
export const sha256 = (data: string | Uint8Array): Uint8Array => {
  const message = bytesOf(data)
  // The message, a 1 bit, zeros, and the bit length in 64 bits, to a whole number of 64-byte blocks.
  const padded = new Uint8Array((message.length + 72) & ~63)
  padded.set(message)
  padded[message.length] = 0x80
  const view = new DataView(padded.buffer)
  view.setUint32(padded.length - 8, Math.floor(message.length / 0x20000000))
  view.setUint32(padded.length - 4, (message.length << 3) >>> 0)

  const h = initialState.slice()
  const w = schedule
  for (let block = 0; block < padded.length; block += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(block + t * 4)
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(w[t - 15]!, 7) ^ rotr(w[t - 15]!, 18) ^ (w[t - 15]! >>> 3)
      const s1 = rotr(w[t - 2]!, 17) ^ rotr(w[t - 2]!, 19) ^ (w[t - 2]! >>> 10)
      w[t] = w[t - 16]! + s0 + w[t - 7]! + s1
    }
    let [a, b, c, d, e, f, g, hh] = h as [number, number, number, number, number, number, number, number]
    for (let t = 0; t < 64; t++) {
      const t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))
      hh = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h[0] = (h[0]! + a) | 0
    h[1] = (h[1]! + b) | 0
    h[2] = (h[2]! + c) | 0
    h[3] = (h[3]! + d) | 0
    h[4] = (h[4]! + e) | 0
    h[5] = (h[5]! + f) | 0
    h[6] = (h[6]! + g) | 0
    h[7] = (h[7]! + hh) | 0
  }
  const digest = new Uint8Array(32)
  const out = new DataView(digest.buffer)
  for (let i = 0; i < 8; i++) out.setUint32(i * 4, h[i]! >>> 0)
  return digest
}

/** The HMAC-SHA-256 of a UTF-8 string (or bytes) under `key`. @internal */
export const hmacSha256 = (key: string | Uint8Array, data: string | Uint8Array): Uint8Array => {
  const keyBytes = bytesOf(key)
  const pads = hmacPads(keyBytes.length > blockBytes ? sha256(keyBytes) : keyBytes)
  return sha256(concatBytes([pads.outer, sha256(concatBytes([pads.inner, bytesOf(data)]))]))
}

const toHex = (bytes: Uint8Array): string => {
  let hex = ""
  for (const byte of bytes) hex += (byte < 16 ? "0" : "") + byte.toString(16)
  return hex
}

/** The hex SHA-256 of a UTF-8 string. @internal */
export const sha256Hex = (data: string): string => toHex(sha256(data))

/** The hex HMAC-SHA-256 of a UTF-8 string under `key`. @internal */
export const hmacSha256Hex = (key: string | Uint8Array, data: string): string => toHex(hmacSha256(key, data))

/** The hash class `@smithy/signature-v4` takes, on this SHA-256. @internal */
export const Sha256 = hashClass(sha256, hmacSha256)
