/**
 * The benchmarks measure plain JavaScript, not code running under tsx's loader (which made Effect code 1.2-1.7x
 * slower side by side): each script compiles its processes' entry points into `.bench-out/` with esbuild first.
 */
import * as esbuild from "esbuild"
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import { fileURLToPath } from "node:url"

/** The repository's root, with a trailing slash. */
export const root = fileURLToPath(new URL("..", import.meta.url))

/** Where compiled entry points go. */
export const outDir = `${root}.bench-out`

/** Compiles entry points (name → path below the root) to `.bench-out/<name>.mjs`, dependencies left external. */
export const compile = (entryPoints: { readonly [name: string]: string }) =>
  esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([name, path]) => [name, `${root}${path}`])),
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["source"],
    packages: "external",
    logLevel: "warning"
  })

/** The machine's load averages, as `1.0 2.0 3.0`. */
export const loadAverages = (): string => Os.loadavg().map((n) => n.toFixed(1)).join(" ")

/** The date, Node and machine of a run, for the head of a results section. */
export const runEnvironment = (loadAtStart: string, seconds: number): string => {
  const cpus = Os.cpus()
  return `Date: ${
    new Date().toISOString().slice(0, 10)
  }. Node ${process.version} on ${process.platform}/${process.arch}, ${cpus.length} × ${
    cpus[0]?.model.trim() ?? "unknown CPU"
  } (shared with other jobs: load average ${loadAtStart} at the start, ${loadAverages()} at the end). The run took ${
    seconds.toFixed(0)
  } s.`
}

/** The hand-written page the benchmarks write their sections into. */
export const docsPath = `${root}docs/benchmarks.md`

/**
 * Replaces the text between the `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->` markers of
 * docs/benchmarks.md with `text`, and formats the page as `npm run fmt:check` expects.
 */
export const writeDocsSection = (name: string, text: string): void => {
  const startMarker = `<!-- bench:${name}:start -->`
  const endMarker = `<!-- bench:${name}:end -->`
  const current = readFileSync(docsPath, "utf8")
  const start = current.indexOf(startMarker)
  const end = current.indexOf(endMarker)
  if (start < 0 || end < start) throw new Error(`no ${startMarker} ... ${endMarker} in ${docsPath}`)
  writeFileSync(docsPath, `${current.slice(0, start + startMarker.length)}\n\n${text}\n\n${current.slice(end)}`)
  execFileSync(`${root}node_modules/.bin/dprint`, ["fmt", docsPath], { cwd: root, stdio: "ignore" })
}
