/**
 * The emulator's throughput: `npm run bench:local` (`tsx --conditions=source bench/local.ts`). Not part of
 * `npm run bench`.
 *
 * It compiles `bench/localServers.ts` and `bench/localDriver.ts` with esbuild to `.bench-out/` and runs three
 * plain `node` processes: the emulator (`LocalServer.start`, port 0), a bare `node:http` server answering the same
 * canned JSON for the same requests (no signature check, no state), and one client process (a signed global
 * `fetch`, the same for both servers) doing cycles of ListRecords then UpdateRecords over 256 datasets of 64
 * identities, at concurrency 1 and 16.
 *
 * Each batch is bounded in cycles and in time; the server's CPU over a batch is `process.cpuUsage()` (user +
 * system) of the server process, read over IPC before and after. The two servers run interleaved in rounds,
 * alternating which goes first; figures are medians over the rounds and each ratio the median of the rounds'
 * ratios. The run stops starting rounds after 40 s and a watchdog ends it at 90 s.
 *
 * It prints a Markdown section and writes it between the `bench:local` markers of `docs/benchmarks.md`
 * (`BENCH_NO_WRITE=1` to print only; `BENCH_ROUNDS=N`, default 5).
 */
import { type ChildProcess, fork } from "node:child_process"
import { compile, docsPath, loadAverages, outDir, runEnvironment, writeDocsSection } from "./compile.js"
import { median } from "./cpu.js"

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const write = process.env.BENCH_NO_WRITE !== "1"
const budgetMillis = 40_000
const concurrencies = [1, 16] as const
const targets = ["emulator", "bare"] as const
type Target = (typeof targets)[number]
const batch = { 1: { maxCycles: 400, maxMillis: 1_500 }, 16: { maxCycles: 1_200, maxMillis: 1_500 } } as const

const children = new Set<ChildProcess>()
const watchdog = setTimeout(() => {
  console.error("bench:local: still running after 90 s, giving up")
  for (const child of children) child.kill("SIGKILL")
  process.exit(1)
}, 90_000)
watchdog.unref()

const log = (line: string) => console.log(`[bench:local] ${line}`)

const spawn = (file: string, args: ReadonlyArray<string>) => {
  const child = fork(`${outDir}/${file}`, [...args], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] })
  children.add(child)
  child.once("exit", () => children.delete(child))
  return child
}

/** Sends `message` (if any) and waits for the next message carrying `key`; an `{ error }` rejects. */
const ask = <A>(child: ChildProcess, key: string, message?: unknown): Promise<A> =>
  new Promise((resolve, reject) => {
    const onMessage = (reply: unknown) => {
      if (typeof reply !== "object" || reply === null) return
      if ("error" in reply) {
        cleanup()
        reject(new Error(String(reply.error)))
      } else if (key in reply) {
        cleanup()
        resolve((reply as Record<string, A>)[key]!)
      }
    }
    const onExit = (code: number | null) => {
      cleanup()
      reject(new Error(`process ended (code ${code}) while waiting for ${key}`))
    }
    const cleanup = () => {
      child.off("message", onMessage)
      child.off("exit", onExit)
    }
    child.on("message", onMessage)
    child.once("exit", onExit)
    if (message !== undefined) child.send(message as never)
  })

interface Cell {
  readonly requestsPerSecond: number
  readonly cpuMicrosPerRequest: number
}

const fmt = (n: number, digits = 0) => n.toFixed(digits)

const main = async () => {
  const t0 = performance.now()
  const loadAtStart = loadAverages()
  await compile({ "local-server": "bench/localServers.ts", "local-driver": "bench/localDriver.ts" })
  const servers = {
    emulator: spawn("local-server.mjs", ["emulator"]),
    bare: spawn("local-server.mjs", ["bare"])
  } satisfies Record<Target, ChildProcess>
  const driver = spawn("local-driver.mjs", [])
  try {
    const ports = {
      emulator: await ask<number>(servers.emulator, "port"),
      bare: await ask<number>(servers.bare, "port")
    }
    await ask(driver, "ready")
    log(`emulator on ${ports.emulator}, bare server on ${ports.bare}; seeding 256 datasets of 10 records`)
    await ask(driver, "seeded", { seed: { port: ports.emulator } })

    const measure = async (target: Target, concurrency: 1 | 16, limits: { maxCycles: number; maxMillis: number }) => {
      const before = await ask<NodeJS.CpuUsage>(servers[target], "cpu", "cpu")
      const done = await ask<{ cycles: number; millis: number }>(driver, "done", {
        run: { port: ports[target], concurrency, ...limits }
      })
      const after = await ask<NodeJS.CpuUsage>(servers[target], "cpu", "cpu")
      const requests = done.cycles * 2
      const cpu = after.user - before.user + after.system - before.system
      return { requestsPerSecond: requests / (done.millis / 1000), cpuMicrosPerRequest: cpu / requests }
    }

    log("warm-up")
    for (const target of targets) {
      for (const c of concurrencies) await measure(target, c, { maxCycles: 300, maxMillis: 1_000 })
    }

    const results: Record<Target, Record<number, Array<Cell>>> = {
      emulator: { 1: [], 16: [] },
      bare: { 1: [], 16: [] }
    }
    for (let round = 0; round < rounds; round++) {
      if (performance.now() - t0 > budgetMillis) break
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const c of concurrencies) {
        for (const target of order) results[target][c]!.push(await measure(target, c, batch[c]))
      }
      log(
        `round ${round + 1}: ${
          concurrencies.map((c) =>
            `c=${c} emulator ${fmt(results.emulator[c]!.at(-1)!.requestsPerSecond)} req/s, bare ${
              fmt(results.bare[c]!.at(-1)!.requestsPerSecond)
            } req/s`
          ).join("; ")
        }`
      )
    }
    const done = results.emulator[1]!.length
    const cell = (target: Target, c: number, pick: (cell: Cell) => number) => median(results[target][c]!.map(pick))
    const ratio = (c: number, pick: (cell: Cell) => number) =>
      median(results.emulator[c]!.map((e, i) => pick(e) / pick(results.bare[c]![i]!)))
    const rps = (x: Cell) => x.requestsPerSecond
    const cpu = (x: Cell) => x.cpuMicrosPerRequest
    const throughputRatios = concurrencies.map((c) => ratio(c, rps))
    const met = throughputRatios.every((r) => r >= 0.5)
    const seconds = (performance.now() - t0) / 1000
    const text = [
      "## Emulator throughput",
      "",
      `Command: \`npm run bench:local\` (\`tsx --conditions=source bench/local.ts\`); ${done} interleaved rounds (${rounds} asked). ${
        runEnvironment(loadAtStart, seconds)
      }`,
      "",
      `Cycles of ListRecords (the whole dataset, 10 records) then UpdateRecords (one record, with the returned token and sync count) over 256 datasets of 64 identities, from one client process (signed global \`fetch\`); each server in its own process. A batch is at most ${
        batch[1].maxCycles
      } cycles at c=1 and ${
        batch[16].maxCycles
      } at c=16, and at most 1.5 s. CPU is the server process's user + system over the batch, per request.`,
      "",
      "| server | req/s c=1 | req/s c=16 | server CPU µs/req c=1 | server CPU µs/req c=16 |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...targets.map((target) =>
        `| ${target === "emulator" ? "emulator (`LocalServer.start`)" : "bare `node:http`, canned JSON"} | ${
          concurrencies.map((c) => fmt(cell(target, c, rps))).join(" | ")
        } | ${concurrencies.map((c) => fmt(cell(target, c, cpu))).join(" | ")} |`
      ),
      `| **emulator / bare** (median of the rounds' ratios) | ${
        throughputRatios.map((r) => `**${fmt(r, 2)}x**`).join(" | ")
      } | ${concurrencies.map((c) => `${fmt(ratio(c, cpu), 2)}x`).join(" | ")} |`,
      "",
      `DESIGN.md's target, at least half the throughput of the bare server: ${met ? "**met**" : "**missed**"} (${
        throughputRatios.map((r, i) => `${fmt(r, 2)}x at c=${concurrencies[i]}`).join(", ")
      }).`
    ].join("\n")
    console.log(`\n${text}\n`)
    if (write) {
      writeDocsSection("local", text)
      log(`wrote ${docsPath}`)
    }
  } finally {
    for (const child of [servers.emulator, servers.bare, driver]) {
      if (child.connected) child.send("stop")
      child.disconnect?.()
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
    for (const child of [servers.emulator, servers.bare, driver]) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    }
  }
}

main().then(
  () => clearTimeout(watchdog),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
