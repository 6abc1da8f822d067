/**
 * What the two SHA-256 modules (`sha256Node.ts`, `sha256Portable.ts`) share: a hash's input as bytes, the padded
 * keys of HMAC, and the hash class `@smithy/signature-v4` takes, built from their synchronous functions.
 *
 * @internal
 */

/** What a hash takes: text (as UTF-8) or bytes. @internal */
export type Source = string | ArrayBuffer | ArrayBufferView

const utf8 = new TextEncoder()

/** The bytes of a hash's input, without a copy where they are bytes already. @internal */
export const bytesOf = (data: Source): Uint8Array =>
  typeof data === "string"
    ? utf8.encode(data)
    : ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data)

/** Chunks of bytes, one after the other. @internal */
export const concatBytes = (chunks: ReadonlyArray<Uint8Array>): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return bytes
}

/** SHA-256's block, the length HMAC pads its key to. @internal */
export const blockBytes = 64

/**
 * The key XOR-ed with the inner and outer pads of RFC 2104, for a key of at most one block (a shorter one is padded
 * with zeros; a longer one must be hashed first).
 *
 * @internal
 */
export const hmacPads = (key: Uint8Array): { readonly inner: Uint8Array; readonly outer: Uint8Array } => {
  const inner = new Uint8Array(blockBytes).fill(0x36)
  const outer = new Uint8Array(blockBytes).fill(0x5c)
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!
    outer[i]! ^= key[i]!
  }
  return { inner, outer }
}

/** A hash in the shape `@smithy/signature-v4` takes. @internal */
export interface Hash {
  update(data: Source): void
  digest(): Promise<Uint8Array>
}

/** @internal */
export type HashConstructor = new(secret?: Source) => Hash

/**
 * The hash class `@smithy/signature-v4` takes as its `sha256` option (an HMAC when given a secret), over synchronous
 * functions: it collects its input and hashes it in one shot. `SignatureV4Base`, which the local server's verifier
 * extends, requires one, and the tests sign with `SignatureV4` through it.
 *
 * @internal
 */
export const hashClass = (
  sha256: (data: Uint8Array) => Uint8Array,
  hmacSha256: (key: Uint8Array, data: Uint8Array) => Uint8Array
): HashConstructor =>
  class Sha256 implements Hash {
    private readonly secret: Uint8Array | undefined
    private readonly chunks: Array<Uint8Array> = []
    constructor(secret?: Source) {
      this.secret = secret === undefined ? undefined : bytesOf(secret)
    }
    update(data: Source): void {
      this.chunks.push(bytesOf(data))
    }
    digest(): Promise<Uint8Array> {
      const message = concatBytes(this.chunks)
      return Promise.resolve(this.secret === undefined ? sha256(message) : hmacSha256(this.secret, message))
    }
  }
