/**
 * SHA-256 in plain JavaScript, for runtimes without Node's crypto (browsers, edge runtimes). Synchronous, so a
 * signature costs no trip through the event loop.
 *
 * @internal
 */
export { Sha256 } from "@aws-crypto/sha256-js"
