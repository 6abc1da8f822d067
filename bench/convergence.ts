/**
 * A long run of the sync engine's convergence property (`test/sync/convergenceModel.ts`): `npm run
 * test:convergence` runs 5000 cases; `-- --runs N --seed S` changes the count and the seed. It prints the
 * counterexample and its trace if the property fails, and otherwise what the cases exercised.
 */
import * as FastCheck from "effect/FastCheck"
import { emptyStats, property } from "../test/sync/convergenceModel.js"

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  return index < 0 ? undefined : process.argv[index + 1]
}
const runs = Number(argument("runs") ?? process.env.CONVERGENCE_RUNS ?? 5000)
const seedText = argument("seed") ?? process.env.CONVERGENCE_SEED
const seed = seedText === undefined ? Date.now() % 0x7fffffff : Number(seedText)

const stats = emptyStats()
const started = performance.now()
const details = await FastCheck.check(property(stats), { numRuns: runs, seed })
const seconds = (performance.now() - started) / 1000

console.log(`convergence: ${stats.cases} cases (seed ${seed}) in ${seconds.toFixed(1)} s`)
console.log(
  `  ${stats.ops} operations, ${stats.syncs} syncs (${
    Object.entries(stats.failedSyncs).map(([tag, n]) => `${n} ${tag}`).join(", ") || "none failed"
  })`
)
console.log(
  `  ${stats.acks} acknowledged writes (${stats.bindingAcks} keys whose final value had to be the last one), ${stats.conflicts} conflicts, ${stats.datasetDeletes} dataset deletes (${stats.deletesApplied} applied), ${stats.restarts} restarts`
)
console.log(
  `  ${stats.editsDuringSync} edits made while a sync ran, ${stats.crashesDuringSync} of ${stats.crashes} crashes during a sync`
)
console.log(
  `  rounds to quiet: ${Object.entries(stats.quietRounds).map(([rounds, n]) => `${rounds}: ${n}`).join(", ")}`
)
if (details.failed) {
  console.error(FastCheck.defaultReportMessage(details) ?? "the property failed")
  process.exit(1)
}
