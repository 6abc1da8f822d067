#!/usr/bin/env bash
# The package as people install it: build, `npm pack`, install the tarball into a scratch project outside the
# repository (with the peer dependencies at the versions this repository pins, and none of its devDependencies),
# then:
#   1. node smoke.mjs          imports the three entry points as ESM and uses each (server start/stop, a client
#                              call over HTTP, two sync devices through one in-process engine);
#   2. tsc, three ways         the published .d.ts files compile (skipLibCheck off) for a consumer on NodeNext,
#                              on bundler with exactOptionalPropertyTypes, and on bundler without Node types
#                              (the root and "./sync" entry points must not need @types/node);
#   3. the bin                 `npx cognito-sync-local --help`, then `--port 0` until its ready line, a request to
#                              it, SIGTERM and a clean exit;
#   4. runtime imports         every bare import in dist/ is a dependency, a peer dependency or a Node built-in
#                              (never a devDependency), and the tarball has no "source" condition;
#   5. attw, publint           @arethetypeswrong/cli (profile esm-only: the package is ESM-only, so CommonJS
#                              `require` and node10 resolution are out of scope) and publint --strict, on the tarball.
# Usage: bash scripts/check-package.sh [--no-build]    (--no-build reuses dist/, as CI builds before)
# Needs registry access (or npm's cache) for the scratch install. Ends with "check-package: ok" or exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
fixtures="$repo/scripts/package-check"

effect_version=$(node -p 'require("./node_modules/effect/package.json").version')
platform_version=$(node -p 'require("./node_modules/@effect/platform/package.json").version')
typescript_version=$(node -p 'require("./node_modules/typescript/package.json").version')
types_node_version=$(node -p 'require("./node_modules/@types/node/package.json").version')

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }
fail() {
  echo "check-package: FAILED: $1" >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/check-package.XXXXXX")
server_pid=""
packing=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  # A pack that failed between prepack and postpack leaves the stripped manifest: put the real one back.
  if [ -n "$packing" ]; then node scripts/pack-manifest.mjs restore; fi
  rm -rf "$work"
}
trap cleanup EXIT
case "$work" in "$repo"/*) fail "the scratch directory $work is inside the repository" ;; esac

if [ "${1:-}" != "--no-build" ]; then
  step "build"
  npm run build --silent
fi
[ -x dist/local/cli.js ] || fail "dist/local/cli.js is not executable"
head -1 dist/local/cli.js | grep -q '^#!/usr/bin/env node' || fail "dist/local/cli.js lost its shebang"

step "pack"
manifest_before=$(cksum package.json)
packing=1
npm pack --silent --pack-destination "$work" >/dev/null
packing=""
[ "$(cksum package.json)" = "$manifest_before" ] || fail "package.json differs after npm pack (postpack did not restore it)"
tarball=$(ls "$work"/effect-cognito-sync-*.tgz)
echo "$tarball ($(du -k "$tarball" | cut -f1) KB)"
tar -xzf "$tarball" -C "$work"
node -e '
const pkg = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
if (JSON.stringify({ exports: pkg.exports, imports: pkg.imports }).includes("\"source\"")) {
  console.error("the published package.json still has a \"source\" condition"); process.exit(1)
}' "$work/package/package.json" || fail "published manifest"
for required in dist/index.js dist/index.d.ts dist/local/index.js dist/sync/index.js dist/local/cli.js README.md; do
  [ -f "$work/package/$required" ] || fail "the tarball has no $required"
done
if tar -tzf "$tarball" | grep -E '^package/(test|bench|examples|scripts|docs)/|\.test\.' >/dev/null; then
  fail "the tarball has files that are not the library's: $(tar -tzf "$tarball" | grep -E '^package/(test|bench|examples|scripts|docs)/' | head -3)"
fi

step "runtime imports of dist/"
# Every bare specifier imported (statically or dynamically) by the published JavaScript, comments ignored.
node --input-type=module -e '
import ts from "typescript"
import { readdirSync, readFileSync } from "node:fs"
import { builtinModules } from "node:module"
const [dir, manifestPath] = process.argv.slice(1)
const pkg = JSON.parse(readFileSync(manifestPath, "utf8"))
const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), pkg.name])
const dev = new Set(Object.keys(pkg.devDependencies ?? {}))
const builtins = new Set(builtinModules)
const packageOf = (spec) => spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]
const used = new Map()
const problems = []
for (const file of readdirSync(dir, { recursive: true })) {
  if (!String(file).endsWith(".js")) continue
  const { importedFiles } = ts.preProcessFile(readFileSync(`${dir}/${file}`, "utf8"), true, true)
  for (const { fileName: spec } of importedFiles) {
    if (spec.startsWith(".") || spec.startsWith("#")) continue
    if (spec.startsWith("node:") || builtins.has(spec)) continue
    const name = packageOf(spec)
    used.set(name, (used.get(name) ?? 0) + 1)
    if (!allowed.has(name)) problems.push(`dist/${file} imports ${spec}${dev.has(name) ? " (a devDependency)" : " (not declared)"}`)
  }
}
console.log([...used].map(([name, n]) => `${name} (${n})`).join(", "))
const unused = Object.keys(pkg.dependencies ?? {}).filter((name) => !used.has(name))
if (unused.length > 0) console.log(`warning: dependencies no published module imports: ${unused.join(", ")}`)
if (problems.length > 0) { console.error(problems.join("\n")); process.exit(1) }
' "$work/package/dist" "$work/package/package.json" || fail "dist/ imports a package that is not a runtime dependency"

step "install the tarball into a scratch project"
consumer="$work/consumer"
mkdir -p "$consumer"
cp "$fixtures"/smoke.mjs "$fixtures"/consumer.ts "$fixtures"/consumer-browser.ts "$fixtures"/tsconfig.*.json "$consumer/"
printf '{ "name": "scratch-consumer", "private": true, "type": "module" }\n' >"$consumer/package.json"
(
  cd "$consumer"
  npm install --no-audit --no-fund --prefer-offline --loglevel=error \
    "$tarball" "effect@$effect_version" "@effect/platform@$platform_version" \
    "typescript@$typescript_version" "@types/node@$types_node_version"
) || fail "npm install of the tarball"
for dev in $(node -p 'Object.keys(require("./package.json").devDependencies).join(" ")'); do
  case "$dev" in effect | @effect/platform | typescript | @types/node) continue ;; esac
  [ ! -e "$consumer/node_modules/$dev" ] || echo "note: $dev (a devDependency here) is in the scratch project, brought by another package"
done

step "ESM smoke test of the three entry points"
(cd "$consumer" && node smoke.mjs) || fail "smoke.mjs"

step "type check of a consumer: NodeNext, bundler + exactOptionalPropertyTypes, bundler without Node types"
# In parallel: each loads effect's declarations with skipLibCheck off.
pids=()
for config in nodenext bundler browser; do
  (cd "$consumer" && npx tsc -p "tsconfig.$config.json" >"$work/tsc-$config.log" 2>&1) &
  pids+=($!)
done
tsc_failed=""
i=0
for config in nodenext bundler browser; do
  if wait "${pids[$i]}"; then echo "tsc ($config): ok"; else
    echo "tsc ($config): FAILED"
    cat "$work/tsc-$config.log"
    tsc_failed="$tsc_failed $config"
  fi
  i=$((i + 1))
done
[ -z "$tsc_failed" ] || fail "the published types do not compile for:$tsc_failed"

step "the cognito-sync-local bin"
[ -x "$consumer/node_modules/.bin/cognito-sync-local" ] || fail "node_modules/.bin/cognito-sync-local is missing"
(cd "$consumer" && npx --no-install cognito-sync-local --help) >"$work/help.txt" || fail "cognito-sync-local --help"
grep -q "Usage: cognito-sync-local" "$work/help.txt" || fail "cognito-sync-local --help printed no usage"
# Started through node_modules/.bin (the symlink npx runs) without npx in between, so SIGTERM reaches it directly.
(cd "$consumer" && exec ./node_modules/.bin/cognito-sync-local --port 0 >"$work/bin.out" 2>"$work/bin.err") &
server_pid=$!
url=""
for _ in $(seq 1 300); do
  url=$(sed -n 's/^cognito-sync-local listening on \(http:[^ ]*\)$/\1/p' "$work/bin.out")
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || {
  cat "$work/bin.out" "$work/bin.err"
  fail "cognito-sync-local printed no ready line within 30 s"
}
echo "ready: $url"
# An unsigned request: the server answers with its own error (so it is this emulator, serving).
node -e '
fetch(process.argv[1] + "/identitypools/us-east-1:0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10/identities/us-east-1:2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90/datasets")
  .then((r) => { console.log(`unsigned request: ${r.status} ${r.headers.get("x-amzn-errortype")}`); process.exit(r.headers.get("x-amzn-requestid") ? 0 : 1) })
  .catch((e) => { console.error(e); process.exit(1) })' "$url" || fail "the bin's server did not answer"
kill -TERM "$server_pid"
status=0
for _ in $(seq 1 100); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$server_pid" 2>/dev/null; then fail "cognito-sync-local did not stop within 10 s of SIGTERM"; fi
wait "$server_pid" || status=$?
server_pid=""
echo "stopped on SIGTERM (exit status $status)"
case "$status" in 0 | 130 | 143) ;; *)
  cat "$work/bin.err"
  fail "cognito-sync-local exited with $status on SIGTERM"
  ;;
esac

step "arethetypeswrong (profile esm-only)"
npx --no-install attw "$tarball" --profile esm-only --format table-flipped || fail "attw"

step "publint --strict"
npx --no-install publint --strict "$tarball" || fail "publint"

printf '\ncheck-package: ok (%ss)\n' "$SECONDS"
