import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import { createHash, createHmac } from "node:crypto"
import * as Node from "../src/internal/sha256Node.js"
import * as Portable from "../src/internal/sha256Portable.js"

// The portable SHA-256 is what browsers and edge runtimes sign with, and what names a dataset's keys in a durable
// store on every runtime: it must equal Node's for every input.

const nodeSha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex")
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

// Lengths around the padding boundaries (55/56 bytes fit one block or not; 64 is a whole block) and beyond.
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.integer({ min: 50, max: 130 }).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }))
)
const text = fc.string({ unit: "grapheme", maxLength: 200 })

describe("SHA-256, portable", () => {
  it("matches the FIPS 180-4 examples", () => {
    expect(Portable.sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    expect(Portable.sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    expect(Portable.sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    )
  })

  it("equals node:crypto on a megabyte", () => {
    const big = new Uint8Array(1_048_577).map((_, i) => (i * 31) & 0xff)
    expect(hex(Portable.sha256(big))).toBe(nodeSha256(big))
  })

  it.prop("equals node:crypto for any bytes", [bytes], ([data]) => {
    expect(hex(Portable.sha256(data))).toBe(nodeSha256(data))
  }, { fastCheck: { numRuns: 500 } })

  it.prop("equals node:crypto for any text, as UTF-8", [text], ([data]) => {
    expect(Portable.sha256Hex(data)).toBe(nodeSha256(data))
    expect(Node.sha256Hex(data)).toBe(nodeSha256(data))
  }, { fastCheck: { numRuns: 300 } })

  it.prop("HMAC equals node:crypto for any key (shorter and longer than a block) and data", [
    fc.oneof(fc.uint8Array({ maxLength: 150 }), fc.string({ maxLength: 100 })),
    fc.oneof(text, fc.uint8Array({ maxLength: 200 }))
  ], ([key, data]) => {
    const expected = createHmac("sha256", key).update(data).digest("hex")
    expect(hex(Portable.hmacSha256(key, data))).toBe(expected)
    expect(hex(Node.hmacSha256(key, data))).toBe(expected)
    if (typeof data === "string") {
      expect(Portable.hmacSha256Hex(key, data)).toBe(expected)
      expect(Node.hmacSha256Hex(key, data)).toBe(expected)
    }
  }, { fastCheck: { numRuns: 300 } })

  it("Node's HMAC from padded keys keeps one key's pads apart from another's", () => {
    const first = new Uint8Array(32).fill(1)
    const second = new Uint8Array(32).fill(2)
    for (const key of [first, second, first, new Uint8Array(64).fill(3), new Uint8Array(0)]) {
      expect(Node.hmacSha256Hex(key, "data")).toBe(createHmac("sha256", key).update("data").digest("hex"))
    }
  })

  it.effect.prop("the classes @smithy/signature-v4 takes (portable and Node) hash chunked input like node:crypto", [
    fc.array(fc.oneof(text, fc.uint8Array({ maxLength: 80 })), { maxLength: 5 }),
    fc.option(fc.uint8Array({ maxLength: 100 }), { nil: undefined })
  ], ([chunks, secret]) =>
    Effect.promise(async () => {
      const portable = new Portable.Sha256(secret)
      const ours = new Node.Sha256(secret)
      const node = secret === undefined ? createHash("sha256") : createHmac("sha256", secret)
      for (const chunk of chunks) {
        portable.update(chunk)
        ours.update(chunk)
        node.update(chunk)
      }
      const expected = node.digest("hex")
      expect(hex(await portable.digest())).toBe(expected)
      expect(hex(await ours.digest())).toBe(expected)
    }), { fastCheck: { numRuns: 200 } })
})
