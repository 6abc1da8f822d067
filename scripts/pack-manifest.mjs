#!/usr/bin/env node
/**
 * The published package.json has no "source" condition. `npm pack` and `npm publish` run `prepack`, which calls
 * this script with `strip`, and `postpack`, which calls it with `restore`.
 *
 * Why: in this repository the "source" condition points the entry points and `#sha256` at the TypeScript sources,
 * so that tsx, vitest, the type check and the benchmarks run without a build. "source" is a common name for such
 * a condition, so a consumer whose own monorepo sets `customConditions: ["source"]` (or a bundler's `conditions`)
 * would pick up this package's `.ts` files and type-check them with their compiler options (with
 * `noPropertyAccessFromIndexSignature`, for one, they fail; `skipLibCheck` does not cover `.ts` files). The
 * sources stay in the package, for the source maps and declaration maps.
 *
 *   node scripts/pack-manifest.mjs strip     saves package.json aside, writes it without "source" conditions
 *   node scripts/pack-manifest.mjs restore   puts the saved package.json back
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const manifest = fileURLToPath(new URL("../package.json", import.meta.url))
const saved = fileURLToPath(new URL("../.package.json.prepack", import.meta.url))

/** Removes the "source" key from a conditions object and from the objects nested in it. */
const strip = (value) => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value
  return Object.fromEntries(
    Object.entries(value).filter(([key]) => key !== "source").map(([key, inner]) => [key, strip(inner)])
  )
}

const command = process.argv[2]
if (command === "strip") {
  if (existsSync(saved)) {
    console.error(
      `pack-manifest: ${saved} exists: a pack did not finish. Run "node scripts/pack-manifest.mjs restore" first.`
    )
    process.exit(1)
  }
  const text = readFileSync(manifest, "utf8")
  const json = JSON.parse(text)
  writeFileSync(saved, text)
  const published = { ...json, exports: strip(json.exports), imports: strip(json.imports) }
  writeFileSync(manifest, `${JSON.stringify(published, null, 2)}\n`)
} else if (command === "restore") {
  if (existsSync(saved)) renameSync(saved, manifest)
} else {
  console.error("usage: node scripts/pack-manifest.mjs strip|restore")
  process.exit(2)
}
