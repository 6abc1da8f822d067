/**
 * The client process of `bench/local.ts` (compiled by it to `.bench-out/local-driver.mjs`): a fixed, cheap driver,
 * global `fetch` signed with `@smithy/signature-v4` and `@smithy/hash-node` (the "bare signed fetch" of
 * `bench/cpu.ts`), doing cycles of ListRecords then UpdateRecords on many datasets of many identities.
 *
 * A cycle lists a dataset's records (`lastSyncCount=0`, so the whole dataset: 10 records once seeded), then
 * replaces one of them with the session token and the sync count the list returned. The datasets are split
 * between the concurrent workers, so no two workers touch one dataset and no write conflicts. The driver does
 * the same work against the bare server, whose canned answers carry the same 10 keys.
 *
 * Messages from the parent: `{ seed: { port } }` creates the datasets with 10 records each (the emulator);
 * `{ run: { port, concurrency, maxCycles, maxMillis } }` runs a batch, bounded in cycles and in time, and answers
 * `{ done: { cycles, millis } }`. Any answer but a 200 fails the batch: `{ error }`.
 */
import { Hash } from "@smithy/hash-node"
import { SignatureV4 } from "@smithy/signature-v4"
import { credentials, IdentityPoolId, region } from "./fixtures.js"

export const identities = 64
export const datasetsPerIdentity = 4
export const recordsPerDataset = 10

const datasets = Array.from({ length: identities * datasetsPerIdentity }, (_, i) => {
  const identity = `us-east-1:00000000-0000-4000-8000-${(i % identities).toString(16).padStart(12, "0")}`
  const dataset = `settings-${Math.floor(i / identities)}`
  return `/identitypools/${encodeURIComponent(IdentityPoolId)}/identities/${encodeURIComponent(identity)}/datasets/${
    encodeURIComponent(dataset)
  }`
})

const signer = new SignatureV4({ service: "cognito-sync", region, sha256: Hash.bind(null, "sha256"), credentials })

interface ListAnswer {
  readonly SyncSessionToken?: string
  readonly Records?: ReadonlyArray<{ readonly Key?: string; readonly SyncCount?: number }>
}

const call = async (
  port: number,
  method: "GET" | "POST",
  path: string,
  query: Record<string, string>,
  body?: string
): Promise<unknown> => {
  const host = `127.0.0.1:${port}`
  const signed = await signer.sign({
    method,
    protocol: "http:",
    hostname: "127.0.0.1",
    port,
    path,
    query,
    headers: body === undefined ? { host } : { host, "content-type": "application/json" },
    body
  })
  const { host: _host, ...headers } = signed.headers
  const search = new URLSearchParams(query).toString()
  const response = await fetch(`http://${host}${path}${search === "" ? "" : `?${search}`}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body })
  })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`)
  return JSON.parse(text)
}

const value = (n: number) =>
  JSON.stringify({ theme: n % 2 === 0 ? "dark" : "light", fontSize: 12 + (n % 10), updatedBy: "device-a", n })

const patch = (key: string, syncCount: number, n: number) => ({
  Op: "replace",
  Key: key,
  Value: value(n),
  SyncCount: syncCount,
  DeviceLastModifiedDate: Date.now() / 1000
})

const list = (port: number, path: string) =>
  call(port, "GET", `${path}/records`, { lastSyncCount: "0" }) as Promise<ListAnswer>

/** One cycle: ListRecords, then UpdateRecords of one record with the token and count it returned. */
const cycle = async (port: number, path: string, n: number) => {
  const page = await list(port, path)
  const key = `setting-${n % recordsPerDataset}`
  const record = page.Records?.find((r) => r.Key === key)
  if (page.SyncSessionToken === undefined || record?.SyncCount === undefined) {
    throw new Error(`ListRecords of ${path} has no token or no ${key}`)
  }
  await call(
    port,
    "POST",
    path,
    {},
    JSON.stringify({
      DeviceId: "device-a",
      RecordPatches: [patch(key, record.SyncCount, n)],
      SyncSessionToken: page.SyncSessionToken
    })
  )
}

const seed = async (port: number) => {
  for (const path of datasets) {
    const page = await list(port, path)
    if ((page.Records?.length ?? 0) >= recordsPerDataset) continue
    await call(
      port,
      "POST",
      path,
      {},
      JSON.stringify({
        DeviceId: "device-a",
        RecordPatches: Array.from({ length: recordsPerDataset }, (_, i) => patch(`setting-${i}`, 0, i)),
        SyncSessionToken: page.SyncSessionToken
      })
    )
  }
  return true
}

let counter = 0

const run = async (options: {
  readonly port: number
  readonly concurrency: number
  readonly maxCycles: number
  readonly maxMillis: number
}) => {
  const t0 = performance.now()
  const deadline = t0 + options.maxMillis
  let cycles = 0
  const worker = async (w: number) => {
    const mine = datasets.filter((_, i) => i % options.concurrency === w)
    let next = 0
    while (cycles < options.maxCycles && performance.now() < deadline) {
      cycles++
      await cycle(options.port, mine[next++ % mine.length]!, counter++)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)))
  return { cycles, millis: performance.now() - t0 }
}

process.on("message", (message) => {
  if (typeof message !== "object" || message === null) return
  const reply = (work: Promise<unknown>, key: string) =>
    work.then(
      (value) => process.send?.({ [key]: value }),
      (error: unknown) => process.send?.({ error: error instanceof Error ? error.message : String(error) })
    )
  if ("seed" in message) void reply(seed((message.seed as { readonly port: number }).port), "seeded")
  if ("run" in message) void reply(run(message.run as Parameters<typeof run>[0]), "done")
})
process.on("disconnect", () => process.exit(0))
process.send?.({ ready: true })
