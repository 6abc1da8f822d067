/**
 * Browser bundle sizes with esbuild (bundle, minify, `platform: "browser"`, ESM, the `source` condition so that
 * `#sha256` resolves to the TypeScript sources), gzipped with `node:zlib` at level 9:
 *
 * - (i) `bench/bundle/ours.ts`: listRecords + updateRecords with this library on `FetchHttpClient`;
 * - (ii) `bench/bundle/baseline.ts`: an Effect program that already uses `effect`, `Schema` and `HttpClient`;
 * - (iii) `bench/bundle/official.ts`: the program of (i) with `@aws-sdk/client-cognito-sync`;
 * - (i + ii) `bench/bundle/both.ts`: (i) and (ii) in one bundle.
 *
 * What the library adds to a program that already uses effect, Schema and HttpClient is (i + ii) − (ii); (i) − (ii)
 * is shown too (it is lower when (ii) has modules that (i) does not). It also checks, from esbuild's metafile, that (i) imports no `node:*`
 * module and does not contain `src/internal/sha256Node.ts`: the root entry must not need Node. The bundles are
 * written to `.bench-out/` (git-ignored) for inspection.
 */
import * as esbuild from "esbuild"
import { mkdirSync, writeFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

export interface BundleSize {
  readonly minified: number
  readonly gzip: number
}

export interface BundleResults {
  readonly ours: BundleSize
  readonly baseline: BundleSize
  readonly official: BundleSize
  readonly both: BundleSize
  /** (i + ii) − (ii). */
  readonly added: BundleSize
  /** (i) − (ii). */
  readonly difference: BundleSize
  /** Minified bytes of this library's own modules in (i), largest first. */
  readonly ownModules: ReadonlyArray<readonly [path: string, bytes: number]>
  /** Minified bytes that (i + ii) has more than (ii), by package (`src` for this library), largest first. */
  readonly addedByPackage: ReadonlyArray<readonly [pkg: string, bytes: number]>
  /** Problems that make (i) unfit for browsers; empty when it is fine. */
  readonly nodeImports: ReadonlyArray<string>
}

const root = fileURLToPath(new URL("..", import.meta.url))
const outDir = `${root}.bench-out`
const nodeBuiltins = new Set(builtinModules)

const build = async (name: string) => {
  const result = await esbuild.build({
    entryPoints: [`${root}bench/bundle/${name}.ts`],
    absWorkingDir: root,
    bundle: true,
    minify: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    conditions: ["source"],
    metafile: true,
    write: false,
    logLevel: "silent"
  })
  const code = result.outputFiles[0]!.contents
  mkdirSync(outDir, { recursive: true })
  writeFileSync(`${outDir}/${name}.min.js`, code)
  writeFileSync(`${outDir}/${name}.meta.json`, JSON.stringify(result.metafile))
  const output = Object.values(result.metafile.outputs)[0]!
  return {
    size: { minified: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength },
    metafile: result.metafile,
    inputs: output.inputs
  }
}

const packageOf = (path: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)
  return match === null ? path.split("/")[0]! : match[1]!
}

export const runBundleBench = async (): Promise<BundleResults> => {
  const [ours, baseline, official, both] = [
    await build("ours"),
    await build("baseline"),
    await build("official"),
    await build("both")
  ]

  const nodeImports: Array<string> = []
  for (const [path, input] of Object.entries(ours.metafile.inputs)) {
    if (path.endsWith("sha256Node.ts")) nodeImports.push(`${path} is in the browser bundle`)
    for (const imported of input.imports) {
      const bare = imported.path.replace(/^node:/, "")
      // (esbuild lists the imports a TypeScript file uses only as types as "external"; those are harmless.)
      if (imported.path.startsWith("node:") || nodeBuiltins.has(bare)) {
        nodeImports.push(`${path} imports ${imported.path}`)
      }
    }
  }

  const ownModules = Object.entries(ours.inputs)
    .filter(([path]) => path.startsWith("src/"))
    .map(([path, input]) => [path, input.bytesInOutput] as const)
    .sort((a, b) => b[1] - a[1])
  const addedBytes = new Map<string, number>()
  for (const [path, input] of Object.entries(both.inputs)) {
    const added = input.bytesInOutput - (baseline.inputs[path]?.bytesInOutput ?? 0)
    const pkg = packageOf(path)
    if (added !== 0) addedBytes.set(pkg, (addedBytes.get(pkg) ?? 0) + added)
  }
  const addedByPackage = [...addedBytes].sort((a, b) => b[1] - a[1])

  return {
    ours: ours.size,
    baseline: baseline.size,
    official: official.size,
    both: both.size,
    added: {
      minified: both.size.minified - baseline.size.minified,
      gzip: both.size.gzip - baseline.size.gzip
    },
    difference: {
      minified: ours.size.minified - baseline.size.minified,
      gzip: ours.size.gzip - baseline.size.gzip
    },
    ownModules,
    addedByPackage,
    nodeImports
  }
}
