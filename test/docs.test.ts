import { describe, expect, it } from "@effect/vitest"
import { errorsTable, operationsTable, outdated } from "../scripts/gen-docs.js"
import * as Operations from "../src/Operations.js"

describe("docs", () => {
  it("README.md and docs/client.md are current (run `npm run docs`)", () => {
    expect(outdated()).toEqual([])
  })

  it("the operation table lists every operation of the table once", () => {
    const rows = operationsTable().split("\n").slice(2)
    expect(rows.map((row) => row.split("|")[1]!.trim())).toEqual(Operations.all.map((op) => op.name))
  })

  it("the error table derives the retry column from the default policy", () => {
    const row = (tag: string) => errorsTable().split("\n").find((line) => line.startsWith(`| ${tag} `))
    expect(row("LimitExceededException")).toMatch(/\| no +\|/)
    expect(row("TooManyRequestsException")).toContain("yes, as throttling")
    expect(row("LambdaThrottledException")).toContain("yes, as throttling")
    expect(row("InternalErrorException")).toContain("yes, as transient")
  })
})
