/**
 * The benchmark suite's single entry: `npm run bench` (`tsx --conditions=source bench/run.ts`). It compiles
 * `bench/worker.ts` and `bench/server.ts` with esbuild to `.bench-out/` (the `source` condition picks the
 * library's TypeScript sources and, with `node`, `src/internal/sha256Node.ts` for `#sha256`), then runs, each in
 * a fresh plain-`node` process and in bounded time (about 3 minutes on 2 cores; a watchdog ends it at 240 s):
 *
 * 1. `bench/cpu.ts`: CPU per call and calls/s of listRecords and updateRecords at concurrency 1 and 64, for this
 *    client on FetchHttpClient and on undici, the official client, the bare transport (with its request built per
 *    call, and reused as a reference) and a bare signed fetch,
 *    against the canned server of `bench/server.ts` in its own process;
 * 2. `bench/sign.ts`: µs per SigV4 signature with each SHA-256;
 * 3. `bench/breakdown.ts`: where this client's CPU goes, against an in-memory transport;
 * 4. `bench/bundle.ts` (in this process): browser bundle sizes, and the check that the browser bundle imports
 *    nothing from Node.
 *
 * It prints the tables and writes them, with the date, Node version, machine and a verdict against DESIGN.md's
 * targets, between the `bench:results` markers of `docs/benchmarks.md` (the rest of that file is hand-written).
 *
 * With the argument `ladder` (`npm run bench:ladder`) it runs only the ladder of `bench/ladder.ts` (where a real
 * call's CPU goes above the bare transport, stage by stage; about 3 minutes, watchdog at 240 s) and writes it
 * between the `bench:ladder` markers.
 *
 * Environment: `BENCH_ROUNDS` (default 9) interleaved rounds of the CPU benchmark or the ladder;
 * `BENCH_QUICK=1` for a short smoke run (3 rounds, small batches) that does not write the docs; `BENCH_NO_WRITE=1`
 * to print only.
 */
import { type ChildProcess, fork } from "node:child_process"
import type { BreakdownRow } from "./breakdown.js"
import { type BundleResults, runBundleBench } from "./bundle.js"
import { compile, docsPath, loadAverages, outDir, runEnvironment, writeDocsSection } from "./compile.js"
import {
  type Cell,
  cellHeading,
  cells,
  type Column,
  type CpuOptions,
  type CpuResults,
  median,
  type Results,
  roundRatios
} from "./cpu.js"
import { ladderTables, type Step } from "./ladder.js"
import { hashes, type SignResults } from "./sign.js"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true"

/** `npm run bench:ladder` runs this file with the argument `ladder`: only the ladder of `bench/ladder.ts`. */
const ladder = process.argv[2] === "ladder"
const quick = process.env.BENCH_QUICK === "1"
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 9))
const write = !quick && process.env.BENCH_NO_WRITE !== "1"

const children = new Set<ChildProcess>()

const watchdogSeconds = 240
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${watchdogSeconds} s, giving up`)
  for (const child of children) child.kill("SIGKILL")
  process.exit(1)
}, watchdogSeconds * 1000)
watchdog.unref()

const loadAtStart = loadAverages()

const log = (line: string) => console.log(`[bench] ${line}`)

const labels: Record<Column, string> = {
  "ours-fetch": "ours, FetchHttpClient",
  "ours-undici": "ours, NodeHttpClient.layerUndici",
  official: "official @aws-sdk/client-cognito-sync",
  "bare-transport": "bare transport (unsigned FetchHttpClient request built per call + json, span on)",
  "bare-transport-reused": "bare transport, one request reused (reference)",
  "bare-fetch": "bare signed fetch (reference)"
}

const fmt = (n: number, digits = 0) => n.toFixed(digits)
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`

const cpuTable = (cpu: CpuResults, value: (cell: Cell) => string) =>
  [
    `| column | ${cells.map(cellHeading).join(" | ")} |`,
    `| --- | ${cells.map(() => "---:").join(" | ")} |`,
    ...(Object.keys(labels) as Array<Column>).map((column) =>
      `| ${labels[column]} | ${cells.map(([op, c]) => value(cpu[column][op][c])).join(" | ")} |`
    )
  ].join("\n")

interface Ratio {
  readonly name: string
  readonly target: number | undefined
  readonly values: ReadonlyArray<number>
}

const ratios = (cpu: CpuResults): ReadonlyArray<Ratio> => {
  const ratio = (a: Column, b: Column) => cells.map(([op, c]) => median(roundRatios(cpu[a][op][c], cpu[b][op][c])))
  return [
    { name: "ours-fetch / bare transport", target: 1.25, values: ratio("ours-fetch", "bare-transport") },
    {
      name: "ours-fetch / bare transport, request reused",
      target: undefined,
      values: ratio("ours-fetch", "bare-transport-reused")
    },
    { name: "ours-fetch / official", target: 1, values: ratio("ours-fetch", "official") },
    { name: "ours-undici / official", target: 0.6, values: ratio("ours-undici", "official") },
    { name: "ours-fetch / bare signed fetch", target: undefined, values: ratio("ours-fetch", "bare-fetch") },
    { name: "official / bare signed fetch", target: undefined, values: ratio("official", "bare-fetch") },
    { name: "bare transport / bare signed fetch", target: undefined, values: ratio("bare-transport", "bare-fetch") }
  ]
}

const met = (ratio: Ratio) => ratio.target === undefined || ratio.values.every((v) => v <= ratio.target!)

const ratioTable = (cpu: CpuResults) => {
  return [
    `| ratio of CPU per call | ${cells.map(cellHeading).join(" | ")} | target | met |`,
    `| --- | ${cells.map(() => "---:").join(" | ")} | ---: | --- |`,
    ...ratios(cpu).map((r) =>
      `| ${r.name} | ${r.values.map((v) => `${fmt(v, 2)}x`).join(" | ")} | ${
        r.target === undefined ? "reference" : r.target === 1 ? "< 1x" : `≤ ${r.target}x`
      } | ${r.target === undefined ? "" : met(r) ? "yes" : "**no**"} |`
    )
  ].join("\n")
}

const signTable = (sign: SignResults) =>
  [
    "| signer, SHA-256 | ListRecords (GET) µs | UpdateRecords (POST, body) µs |",
    "| --- | ---: | ---: |",
    ...hashes.map((hash) =>
      `| ${
        hash === "node:crypto"
          ? "ours, node:crypto (`#sha256` on Node)"
          : hash === "portable"
          ? "ours, portable JavaScript (`#sha256` elsewhere)"
          : `@smithy/signature-v4 ${hash}`
      } | ${fmt(sign[hash].listRecords, 1)} | ${fmt(sign[hash].updateRecords, 1)} |`
    )
  ].join("\n")

const bundleTable = (bundle: BundleResults) =>
  [
    "| bundle (esbuild, browser, minified) | minified | gzip -9 |",
    "| --- | ---: | ---: |",
    `| (i) listRecords + updateRecords with this library on FetchHttpClient | ${kb(bundle.ours.minified)} | ${
      kb(bundle.ours.gzip)
    } |`,
    `| (ii) baseline: effect + Schema + HttpClient/FetchHttpClient | ${kb(bundle.baseline.minified)} | ${
      kb(bundle.baseline.gzip)
    } |`,
    `| (i + ii) both programs in one bundle | ${kb(bundle.both.minified)} | ${kb(bundle.both.gzip)} |`,
    `| **added by the library: (i + ii) − (ii)** | **${kb(bundle.added.minified)}** | **${kb(bundle.added.gzip)}** |`,
    `| (i) − (ii) | ${kb(bundle.difference.minified)} | ${kb(bundle.difference.gzip)} |`,
    `| (iii) the same program with @aws-sdk/client-cognito-sync | ${kb(bundle.official.minified)} | ${
      kb(bundle.official.gzip)
    } |`
  ].join("\n")

const verdicts = (cpu: CpuResults, bundle: BundleResults) => {
  const [vsBare, vsOfficial, undici] = ratios(cpu).filter((ratio) => ratio.target !== undefined)
  const range = (r: Ratio) => `${fmt(Math.min(...r.values), 2)}-${fmt(Math.max(...r.values), 2)}x`
  return [
    `- On FetchHttpClient, at most 1.25x the bare transport: ${met(vsBare!) ? "**met**" : "**missed**"} (${
      range(vsBare!)
    }).`,
    `- On FetchHttpClient, below the official client: ${met(vsOfficial!) ? "**met**" : "**missed**"} (${
      range(vsOfficial!)
    }).`,
    `- On NodeHttpClient.layerUndici, at most 0.6x the official client: ${met(undici!) ? "**met**" : "**missed**"} (${
      range(undici!)
    }).`,
    `- Bundle, at most 15 KB gzip added: ${bundle.added.gzip <= 15 * 1024 ? "**met**" : "**missed**"} (${
      kb(bundle.added.gzip)
    }).`,
    `- The browser bundle of (i) imports no \`node:\` module: ${
      bundle.nodeImports.length === 0 ? "**yes**" : `**no**: ${bundle.nodeImports.join("; ")}`
    }.`
  ].join("\n")
}

const breakdownTable = (rows: ReadonlyArray<BreakdownRow>) =>
  [
    "| in-memory transport, CPU µs | ListRecords | UpdateRecords |",
    "| --- | ---: | ---: |",
    ...rows.map((row) => `| ${row.name} | ${fmt(row.listRecords, 1)} | ${fmt(row.updateRecords, 1)} |`)
  ].join("\n")

const report = (
  cpu: CpuResults,
  sign: SignResults,
  breakdown: ReadonlyArray<BreakdownRow>,
  bundle: BundleResults,
  seconds: number
) => {
  return [
    "## Latest results",
    "",
    `Command: \`npm run bench\` (\`tsx --conditions=source bench/run.ts\`); ${
      cpu["ours-fetch"].listRecords[1].rounds.length
    } interleaved rounds of the CPU benchmark (${rounds} asked). ${runEnvironment(loadAtStart, seconds)}`,
    "",
    "### Against the targets",
    "",
    verdicts(cpu, bundle),
    "",
    "### CPU per call (µs, user + system of the client process, median of the rounds)",
    "",
    cpuTable(cpu, (cell) => fmt(cell.cpuMicros)),
    "",
    "### Ratios (same run; the median of the rounds' ratios)",
    "",
    ratioTable(cpu),
    "",
    "### Calls per second (median of the rounds)",
    "",
    cpuTable(cpu, (cell) => fmt(cell.callsPerSecond)),
    "",
    "### SigV4 signing alone (CPU µs per signature, median)",
    "",
    signTable(sign),
    "",
    "### Where this client's CPU goes (in-memory transport, no sockets; medians)",
    "",
    breakdownTable(breakdown),
    "",
    "### Browser bundle",
    "",
    bundleTable(bundle),
    "",
    `Added bytes by package (minified, before gzip): ${
      bundle.addedByPackage.map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`).join(", ")
    }.`,
    "",
    `This library's modules in (i) (minified): ${
      bundle.ownModules.filter(([, bytes]) => bytes > 0).map(([path, bytes]) => `${path} ${kb(bytes)}`).join(", ")
    }.`
  ].join("\n")
}

/** Runs one phase of `bench/worker.ts` in a fresh `node` process and returns its result. */
const runPhase = <A>(phase: string, options: unknown): Promise<A> =>
  new Promise((resolve, reject) => {
    const child = fork(`${outDir}/worker.mjs`, [phase, JSON.stringify(options)], {
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    children.add(child)
    let result: { readonly value: A } | undefined
    child.on("message", (message) => {
      if (typeof message !== "object" || message === null) return
      if ("log" in message) log(String(message.log))
      if ("result" in message) result = { value: message.result as A }
    })
    child.once("error", reject)
    child.once("exit", (code, signal) => {
      children.delete(child)
      if (result !== undefined) resolve(result.value)
      else reject(new Error(`bench phase ${phase} ended without a result (code ${code}, signal ${signal})`))
    })
  })

/**
 * The CPU benchmark's options; the ladder takes the same, with a longer budget for its seven columns. A batch is
 * long enough (about half a second) that the garbage collections landing in it are about its share: with batches
 * of 100 calls one round's ratio moved by about 0.15 either way, with 600 by about 0.06.
 */
const cpuOptions = (budgetMillis: number): Omit<CpuOptions, "log"> => ({
  rounds,
  calls: quick ? { 1: 100, 64: 256 } : { 1: 400, 64: 1024 },
  warmupCalls: quick ? 100 : 300,
  maxBatchMillis: 800,
  budgetMillis: quick ? 30_000 : budgetMillis,
  serverPath: `${outDir}/server.mjs`
})

/** Prints a section and, unless told not to, writes it between its markers of docs/benchmarks.md. */
const publish = (section: string, text: string) => {
  console.log(`\n${text}\n`)
  if (write) {
    writeDocsSection(section, text)
    log(`wrote ${docsPath}`)
  }
}

const runLadder = async () => {
  const t0 = performance.now()
  await compile({ worker: "bench/worker.ts", server: "bench/server.ts" })
  log(`ladder: ${rounds} rounds${quick ? " (quick)" : ""}`)
  const results = await runPhase<Results<Step>>("ladder", cpuOptions(180_000))
  const seconds = (performance.now() - t0) / 1000
  const text = [
    `Command: \`npm run bench:ladder\` (\`tsx --conditions=source bench/run.ts ladder\`); ${
      results.bare.listRecords[1].rounds.length
    } interleaved rounds (${rounds} asked). ${runEnvironment(loadAtStart, seconds)}`,
    "",
    ladderTables(results)
  ].join("\n")
  publish("ladder", text)
}

const main = async () => {
  const t0 = performance.now()
  await compile({ worker: "bench/worker.ts", server: "bench/server.ts" })
  log(`CPU per call: ${rounds} rounds${quick ? " (quick)" : ""}`)
  const cpu = await runPhase<CpuResults>("cpu", cpuOptions(140_000))
  log("signing")
  const sign = await runPhase<SignResults>("sign", {
    rounds: quick ? 3 : 5,
    count: quick ? 300 : 1_000,
    maxBatchMillis: 400
  })
  log("breakdown")
  const breakdown = await runPhase<ReadonlyArray<BreakdownRow>>("breakdown", {
    rounds: quick ? 2 : 3,
    count: quick ? 100 : 400,
    maxBatchMillis: 400
  })
  log("bundles")
  const bundle = await runBundleBench()
  const seconds = (performance.now() - t0) / 1000
  publish("results", report(cpu, sign, breakdown, bundle, seconds))
  if (bundle.nodeImports.length > 0) {
    console.error(`bench: the browser bundle needs Node: ${bundle.nodeImports.join("; ")}`)
    process.exitCode = 1
  }
}
;(ladder ? runLadder() : main()).then(
  () => clearTimeout(watchdog),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
