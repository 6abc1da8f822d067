/**
 * Bundle size per entry point, and its budget.
 *
 * For each entry point, two programs in `scripts/bundle-size/` are bundled with esbuild (bundle, minify, ESM,
 * ES2022, tree-shaking, the `source` condition so that the package resolves to its TypeScript sources; dependencies
 * bundled in, Node built-ins left out) and gzipped with `node:zlib` at level 9:
 *
 * - a small program that uses the entry point as its guide shows (`root.ts`, `sync.ts`, `local.ts`);
 * - everything the entry point exports (`root-all.ts`, ...).
 *
 * "." and "./sync" are bundled for browsers (`platform: "browser"`: a `node:` import fails the build), "./local" for
 * Node (it serves HTTP with `node:http`).
 *
 *   npm run size:check    measures and fails if a gzip total, or the bytes of this package's own modules, is
 *                         more than 10% over bench/bundle-budget.json (or if docs/benchmarks.md lacks the figures)
 *   npm run size:record   measures, writes bench/bundle-budget.json and the section of docs/benchmarks.md
 */
import * as esbuild from "esbuild"
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

interface Size {
  readonly minified: number
  readonly gzip: number
  /** Minified bytes of this package's own modules (`src/`) in the bundle, from esbuild's metafile. */
  readonly own: number
}

interface Entry {
  readonly entry: string
  readonly platform: "browser" | "node"
  /** What the small program does. */
  readonly program: string
  /** The file stem in scripts/bundle-size/. */
  readonly file: string
}

interface Budget {
  readonly tolerance: number
  readonly recorded: {
    readonly date: string
    readonly node: string
    readonly esbuild: string
    readonly effect: string
    readonly platform: string
  }
  /** Keyed by entry point, then by "program" or "everything". */
  readonly sizes: { readonly [entry: string]: { readonly program: Size; readonly everything: Size } }
}

const entries: ReadonlyArray<Entry> = [
  {
    entry: ".",
    platform: "browser",
    program: "listRecords + updateRecords on FetchHttpClient",
    file: "root"
  },
  {
    entry: "./sync",
    platform: "browser",
    program: "SyncManager on localStorage: put + synchronize, client on FetchHttpClient",
    file: "sync"
  },
  {
    entry: "./local",
    platform: "node",
    program: "LocalServer.start on a free port",
    file: "local"
  }
]

const tolerance = 0.1
const root = fileURLToPath(new URL("..", import.meta.url))
const budgetPath = `${root}bench/bundle-budget.json`
const docsPath = `${root}docs/benchmarks.md`
const startMarker = "<!-- bundle-size:start -->"
const endMarker = "<!-- bundle-size:end -->"

const measure = async (file: string, platform: Entry["platform"]): Promise<Size> => {
  const result = await esbuild.build({
    entryPoints: [`${root}scripts/bundle-size/${file}.ts`],
    absWorkingDir: root,
    bundle: true,
    minify: true,
    treeShaking: true,
    platform,
    format: "esm",
    target: "es2022",
    conditions: ["source"],
    write: false,
    metafile: true,
    logLevel: "silent"
  })
  const code = result.outputFiles[0]!.contents
  const inputs = Object.values(result.metafile.outputs)[0]!.inputs
  const own = Object.entries(inputs).filter(([path]) => path.startsWith("src/"))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0)
  return { minified: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength, own }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`

const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, "utf8")) as { readonly version: string }).version

const section = (budget: Budget) =>
  [
    startMarker,
    "",
    "## Bundle size per entry point",
    "",
    "Command: `npm run size:record` ([scripts/bundle-size.ts](../scripts/bundle-size.ts)) measures, then writes this",
    "section and [bench/bundle-budget.json](../bench/bundle-budget.json); `npm run size:check`, in CI, measures again and",
    `fails if a gzip total or a "this package" figure is more than ${
      tolerance * 100
    }% over the recorded one (when the growth`,
    "is intended, run `npm run size:record` and commit both files).",
    "",
    "Each entry point has two programs in [scripts/bundle-size/](../scripts/bundle-size): a small one that uses it as its",
    "guide shows, and one that keeps everything it exports. They are bundled with esbuild (bundle, minify, ESM, ES2022,",
    "dependencies bundled in, Node built-ins left out) and gzipped at level 9. \".\" and \"./sync\" are bundled for browsers",
    "(a `node:` import would fail the build), \"./local\" for Node. The totals include `effect` and `@effect/platform`;",
    "\"this package\" is the minified bytes of the package's own modules in the bundle. What the client adds to a program",
    "that already uses `effect`, `Schema` and `HttpClient` is in the browser bundle table above.",
    "",
    `Recorded ${budget.recorded.date} with esbuild ${budget.recorded.esbuild}, effect ${budget.recorded.effect}, @effect/platform ${budget.recorded.platform}, Node ${budget.recorded.node}.`,
    "",
    "| entry point | platform | program | minified | gzip | this package (minified) |",
    "| --- | --- | --- | ---: | ---: | ---: |",
    ...entries.flatMap((entry) => {
      const sizes = budget.sizes[entry.entry]!
      const name = entry.entry === "." ? "effect-cognito-sync" : `effect-cognito-sync/${entry.entry.slice(2)}`
      return (["program", "everything"] as const).map((kind) => {
        const size = sizes[kind]
        const program = kind === "program" ? entry.program : "everything it exports"
        return `| \`${name}\` | ${entry.platform} | ${program} | ${kb(size.minified)} | ${kb(size.gzip)} | ${
          kb(size.own)
        } |`
      })
    }),
    "",
    endMarker
  ].join("\n")

/** This script's section only, laid out as dprint does (other sections are not this script's to touch). */
const formatted = (text: string) =>
  execFileSync(`${root}node_modules/.bin/dprint`, ["fmt", "--stdin", "section.md"], { cwd: root, input: text })
    .toString().trimEnd()

const writeDocs = (budget: Budget) => {
  const current = readFileSync(docsPath, "utf8")
  const start = current.indexOf(startMarker)
  const end = current.indexOf(endMarker)
  const next = start >= 0 && end > start
    ? `${current.slice(0, start)}${formatted(section(budget))}${current.slice(end + endMarker.length)}`
    : `${current.trimEnd()}\n\n${formatted(section(budget))}\n`
  writeFileSync(docsPath, next)
}

const main = async () => {
  const mode = process.argv[2]
  if (mode !== "--check" && mode !== "--record") {
    console.error("usage: tsx --conditions=source scripts/bundle-size.ts --check|--record")
    return 2
  }
  const measured: { [entry: string]: { program: Size; everything: Size } } = {}
  for (const entry of entries) {
    measured[entry.entry] = {
      program: await measure(entry.file, entry.platform),
      everything: await measure(`${entry.file}-all`, entry.platform)
    }
  }

  if (mode === "--record") {
    const budget: Budget = {
      tolerance,
      recorded: {
        date: new Date().toISOString().slice(0, 10),
        node: process.version,
        esbuild: esbuild.version,
        effect: versionOf("effect"),
        platform: versionOf("@effect/platform")
      },
      sizes: measured
    }
    writeFileSync(budgetPath, `${JSON.stringify(budget, null, 2)}\n`)
    writeDocs(budget)
    for (const entry of entries) {
      const sizes = measured[entry.entry]!
      console.log(
        `${entry.entry}: program ${kb(sizes.program.gzip)} gzip, everything ${kb(sizes.everything.gzip)} gzip`
      )
    }
    console.log(`size: wrote ${budgetPath} and the "Bundle size per entry point" section of ${docsPath}`)
    return 0
  }

  if (!existsSync(budgetPath)) {
    console.error(`size: ${budgetPath} is missing; run npm run size:record`)
    return 1
  }
  const budget = JSON.parse(readFileSync(budgetPath, "utf8")) as Budget
  const text = readFileSync(docsPath, "utf8")
  const docs = text.slice(Math.max(0, text.indexOf(startMarker)), text.indexOf(endMarker) + 1)
  let failed = 0
  for (const entry of entries) {
    for (const kind of ["program", "everything"] as const) {
      const now = measured[entry.entry]![kind]
      const recorded = budget.sizes[entry.entry]?.[kind]
      if (recorded === undefined) {
        console.error(`size: ${entry.entry} ${kind} has no recorded figure; run npm run size:record`)
        failed++
        continue
      }
      for (const figure of ["gzip", "own"] as const) {
        const limit = recorded[figure] * (1 + budget.tolerance)
        const change = ((now[figure] - recorded[figure]) / recorded[figure]) * 100
        const over = now[figure] > limit
        if (over) failed++
        console.log(
          `${over ? "FAIL" : "ok  "} ${entry.entry.padEnd(7)} ${kind.padEnd(10)} ${
            figure === "gzip" ? "gzip        " : "this package"
          } ${kb(now[figure]).padStart(9)} (recorded ${kb(recorded[figure])}, ${change >= 0 ? "+" : ""}${
            change.toFixed(1)
          }%, limit ${kb(limit)})`
        )
      }
      const shown = (bytes: number) => new RegExp(`\\|\\s*${kb(bytes).replace(".", "\\.")}\\s*\\|`).test(docs)
      if (!shown(recorded.gzip) || !shown(recorded.own)) {
        console.error(`size: docs/benchmarks.md does not show the recorded figures of ${entry.entry} ${kind}`)
        failed++
      }
    }
  }
  if (failed > 0) {
    console.error(
      `size: ${failed} problem(s). If the growth is intended, run npm run size:record and commit bench/bundle-budget.json and docs/benchmarks.md.`
    )
    return 1
  }
  return 0
}

main().then((code) => {
  process.exitCode = code
}, (error) => {
  console.error(error)
  process.exitCode = 1
})
