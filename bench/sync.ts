/**
 * The sync engine against the local server: `npm run bench:sync` (`tsx --conditions=source bench/sync.ts`). Not
 * part of `npm run bench`.
 *
 * It compiles `bench/syncWorker.ts` and `bench/localServers.ts` with esbuild to `.bench-out/` and runs the worker
 * in a fresh plain `node` process, which runs the emulator in another (see `bench/syncWorker.ts`): the first sync
 * of a full dataset (1024 records of about 1000 bytes, just under 1 MB) from device A, device B's first sync
 * (the pull), a one-record change on A and B pulling it. It reports medians over the repetitions and fails if a
 * one-record change costs anything but one ListRecords and one UpdateRecords (and its pull one ListRecords).
 *
 * It prints a Markdown section and writes it between the `bench:sync` markers of `docs/benchmarks.md`
 * (`BENCH_NO_WRITE=1` to print only; `BENCH_REPS=N` repetitions, default 5, after one warm-up; a round does not
 * start after 35 s and a watchdog ends the run at 80 s).
 */
import { type ChildProcess, fork } from "node:child_process"
import { compile, docsPath, loadAverages, outDir, runEnvironment, writeDocsSection } from "./compile.js"
import { median } from "./cpu.js"
import { recordCount, type Step, type StepResult, steps, type SyncOptions, valueLength } from "./syncWorker.js"

const repetitions = Number(process.env.BENCH_REPS ?? 5)
const write = process.env.BENCH_NO_WRITE !== "1"

let worker: ChildProcess | undefined
const watchdog = setTimeout(() => {
  console.error("bench:sync: still running after 80 s, giving up")
  worker?.kill("SIGKILL")
  process.exit(1)
}, 80_000)
watchdog.unref()

const fmt = (n: number, digits = 0) => n.toFixed(digits)

const runWorker = (options: SyncOptions) =>
  new Promise<Record<Step, Array<StepResult>>>((resolve, reject) => {
    const child = fork(`${outDir}/sync-worker.mjs`, [JSON.stringify(options)], {
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    worker = child
    let outcome: { readonly result: Record<Step, Array<StepResult>> } | { readonly error: string } | undefined
    child.on("message", (message) => {
      if (typeof message === "object" && message !== null && ("result" in message || "error" in message)) {
        outcome = message as typeof outcome
      }
    })
    child.once("error", reject)
    child.once("exit", (code) => {
      if (outcome !== undefined && "result" in outcome) resolve(outcome.result)
      else reject(new Error(`bench:sync: ${outcome?.error ?? `the worker ended without a result (code ${code})`}`))
    })
  })

const requestsOf = (results: ReadonlyArray<StepResult>) => {
  const seen = new Set(results.map((r) => Object.entries(r.requests).sort().map(([op, n]) => `${n} ${op}`).join(" + ")))
  return [...seen].join("; ")
}

const main = async () => {
  const t0 = performance.now()
  const loadAtStart = loadAverages()
  await compile({ "sync-worker": "bench/syncWorker.ts", "local-server": "bench/localServers.ts" })
  const results = await runWorker({ repetitions, budgetMillis: 35_000, serverPath: `${outDir}/local-server.mjs` })
  const done = results[steps[0]].length
  const seconds = (performance.now() - t0) / 1000
  const oneRecord = requestsOf(results["A: one-record change"])
  const pullOne = requestsOf(results["B: pull the change"])
  const text = [
    "## Sync engine against the local server",
    "",
    `Command: \`npm run bench:sync\` (\`tsx --conditions=source bench/sync.ts\`); ${done} repetitions (${repetitions} asked) after one warm-up, each on a fresh identity. ${
      runEnvironment(loadAtStart, seconds)
    }`,
    "",
    `Two devices (\`SyncManager\` on an in-memory \`LocalStore\` each) share this library's client on \`NodeHttpClient.layerUndici\`; the emulator (\`LocalServer.start\`, port 0) runs in its own process. The dataset is ${recordCount} records of a 5-character key and ${valueLength} characters (${
      recordCount * (5 + valueLength)
    } bytes of keys and values). Requests are counted in the client (a \`transformClient\` that sees every attempt). Medians of the repetitions; CPU is user + system.`,
    "",
    "| step | wall ms | client CPU ms | server CPU ms | requests |",
    "| --- | ---: | ---: | ---: | --- |",
    ...steps.map((step) => {
      const rows = results[step]
      return `| ${step} | ${fmt(median(rows.map((r) => r.millis)), 1)} | ${
        fmt(median(rows.map((r) => r.clientCpuMicros)) / 1000, 1)
      } | ${fmt(median(rows.map((r) => r.serverCpuMicros)) / 1000, 1)} | ${requestsOf(rows)} |`
    }),
    "",
    `A one-record change costs exactly one ListRecords and one UpdateRecords: **yes** (${oneRecord}, in every repetition; the run fails otherwise); pulling it costs ${pullOne}.`
  ].join("\n")
  console.log(`\n${text}\n`)
  if (write) {
    writeDocsSection("sync", text)
    console.log(`[bench:sync] wrote ${docsPath}`)
  }
}

main().then(
  () => clearTimeout(watchdog),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
