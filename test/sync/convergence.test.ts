/**
 * Property-based convergence of the sync engine under faults; the property and the scenarios are described in
 * `convergenceModel.ts`. `CONVERGENCE_RUNS` and `CONVERGENCE_SEED` override the case count and the seed; `npm run
 * test:convergence` runs thousands of cases (bench/convergence.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import { emptyStats, property, run, type Scenario } from "./convergenceModel.js"

const runs = Number(process.env.CONVERGENCE_RUNS ?? 250)
const seed = process.env.CONVERGENCE_SEED === undefined ? undefined : Number(process.env.CONVERGENCE_SEED)

const noFaults = { throttleRate: 0, errorRate: 0, dropAfterWriteRate: 0 }
const lww = ["lastWriterWins", "lastWriterWins"] as const

/** Counterexamples the property found in earlier versions of the engine, replayed on every run. */
const regressions: ReadonlyArray<readonly [string, Scenario]> = [
  [
    "a dataset deleted and written again before the sync (the delete was dropped; 409 on every pass)",
    {
      devices: 2,
      resolvers: lww,
      faults: noFaults,
      seed: 1,
      ops: [
        { _tag: "Edit", device: 0, edit: { _tag: "Put", key: "a", value: "x" }, dt: 0 },
        { _tag: "Sync", device: 0, dt: 0 },
        { _tag: "Edit", device: 0, edit: { _tag: "Delete" }, dt: 0 },
        { _tag: "Edit", device: 0, edit: { _tag: "Put", key: "a", value: "x" }, dt: 0 }
      ]
    }
  ],
  [
    "a dataset deleted and written again under another key (the other device kept the old records)",
    {
      devices: 2,
      resolvers: lww,
      faults: noFaults,
      seed: 1,
      ops: [
        { _tag: "Edit", device: 0, edit: { _tag: "Put", key: "a", value: "x" }, dt: 1 },
        { _tag: "Sync", device: 0, dt: 1 },
        { _tag: "Sync", device: 1, dt: 1 },
        { _tag: "Edit", device: 0, edit: { _tag: "Delete" }, dt: 1 },
        { _tag: "Edit", device: 0, edit: { _tag: "Put", key: "b", value: "unique" }, dt: 1 },
        { _tag: "Sync", device: 0, dt: 1 }
      ]
    }
  ],
  [
    "a DeleteDataset whose answer was lost, sent again over data another device wrote after it",
    {
      // With seed 1, device 0's second write (the DeleteDataset) loses its answer; device 1's first does not.
      devices: 2,
      resolvers: lww,
      faults: { throttleRate: 0, errorRate: 0, dropAfterWriteRate: 0.5 },
      seed: 1,
      ops: [
        { _tag: "Edit", device: 0, edit: { _tag: "Put", key: "a", value: "x" }, dt: 1 },
        { _tag: "Sync", device: 0, dt: 1 },
        { _tag: "Sync", device: 1, dt: 1 },
        { _tag: "Edit", device: 0, edit: { _tag: "Delete" }, dt: 1 },
        { _tag: "Sync", device: 0, dt: 1 },
        { _tag: "Sync", device: 1, dt: 1 },
        { _tag: "Edit", device: 1, edit: { _tag: "Put", key: "b", value: "unique" }, dt: 1 },
        { _tag: "Sync", device: 1, dt: 1 },
        { _tag: "Sync", device: 1, dt: 1 },
        { _tag: "Sync", device: 0, dt: 1 }
      ]
    }
  ],
  [
    "the same, from a device that never synced (no count to ask the server about)",
    {
      // With seed 5, device 2's first write (the DeleteDataset) loses its answer; devices 0 and 1's do not.
      devices: 3,
      resolvers: ["lastWriterWins", "lastWriterWins", "lastWriterWins"],
      faults: { throttleRate: 0, errorRate: 0, dropAfterWriteRate: 0.5 },
      seed: 5,
      ops: [
        { _tag: "Edit", device: 0, edit: { _tag: "Put", key: "a", value: "x" }, dt: 0 },
        { _tag: "Edit", device: 2, edit: { _tag: "Put", key: "a", value: "x" }, dt: 0 },
        { _tag: "Sync", device: 0, dt: 0 },
        { _tag: "Edit", device: 2, edit: { _tag: "Delete" }, dt: 0 },
        { _tag: "Sync", device: 2, dt: 0 },
        { _tag: "Edit", device: 1, edit: { _tag: "Put", key: "a", value: "x" }, dt: 0 },
        { _tag: "Sync", device: 1, dt: 0 }
      ]
    }
  ]
]

describe("convergence", () => {
  it(
    `devices converge and keep every acknowledged write, under throttling, 500s and lost answers (${runs} cases)`,
    async () => {
      const stats = emptyStats()
      await FastCheck.assert(property(stats), { numRuns: runs, ...(seed === undefined ? {} : { seed }) })
      expect(stats.cases).toBeGreaterThanOrEqual(runs)
      // The faults and the interesting paths were exercised.
      expect(stats.conflicts).toBeGreaterThan(0)
      expect(stats.bindingAcks).toBeGreaterThan(0)
      expect(stats.deletesApplied).toBeGreaterThan(0)
      expect(stats.crashesDuringSync).toBeGreaterThan(0)
      expect(stats.editsDuringSync).toBeGreaterThan(0)
      expect(stats.failedSyncs.TooManyRequestsException ?? 0).toBeGreaterThan(0)
      expect(stats.failedSyncs.InternalErrorException ?? 0).toBeGreaterThan(0)
    },
    600_000
  )

  for (const [name, scenario] of regressions) {
    it.effect(`regression: ${name}`, () =>
      Effect.gen(function*() {
        const { trace, violations } = yield* run(scenario)
        expect(violations, trace.join("\n")).toEqual([])
      }))
  }
})
