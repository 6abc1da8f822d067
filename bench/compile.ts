/**
 * The benchmarks measure plain JavaScript, not code running under tsx's loader (which made Effect code 1.2-1.7x
 * slower side by side): each script compiles its processes' entry points into `.bench-out/` with esbuild first.
 */
import * as esbuild from "esbuild"
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
