/**
 * SHA-256 and HMAC-SHA-256 on Node's crypto, for the SigV4 signer. Chosen through the `#sha256` import map's
 * `node` condition, so browsers never see `node:crypto`.
 *
 * @internal
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto"

/** @internal */
export class Sha256 {
  private readonly hash: Hash | Hmac
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined
      ? createHash("sha256")
      : createHmac("sha256", typeof secret === "string" ? secret : toBytes(secret))
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === "string" ? data : toBytes(data))
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest())
  }
}

const toBytes = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)
