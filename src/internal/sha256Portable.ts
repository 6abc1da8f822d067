/**
 * SHA-256 and HMAC-SHA-256 in plain JavaScript, for runtimes without Node's crypto (browsers, edge runtimes).
 * Synchronous, so a signature costs no trip through the event loop.
 *
 * @internal
 */
import { Sha256 } from "@aws-crypto/sha256-js"

export { Sha256 }

const digest = (key: string | Uint8Array | undefined, data: string): Uint8Array => {
  const hash = new Sha256(key)
  hash.update(data)
  return hash.digestSync()
}

const toHex = (bytes: Uint8Array): string => {
  let hex = ""
  for (const byte of bytes) hex += byte < 16 ? `0${byte.toString(16)}` : byte.toString(16)
  return hex
}

/** The hex SHA-256 of a UTF-8 string. @internal */
export const sha256Hex = (data: string): string => toHex(digest(undefined, data))

/** The HMAC-SHA-256 of a UTF-8 string under `key`. @internal */
export const hmacSha256 = (key: string | Uint8Array, data: string): Uint8Array => digest(key, data)

/** The hex HMAC-SHA-256 of a UTF-8 string under `key`. @internal */
export const hmacSha256Hex = (key: string | Uint8Array, data: string): string => toHex(digest(key, data))
