import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as CompiledSchema from "../src/internal/compiledSchema.js"
import * as Operations from "../src/Operations.js"
import * as S from "../src/Schemas.js"

/** Values that break some member of most shapes. */
const junk = fc.constantFrom<unknown>(null, undefined, -1, 1.5, Number.NaN, "", "x y", "12.5", true, {}, [], [1], {
  a: 1
})

/** A copy of `value` with the leaf or member at `pick` (modulo their count) replaced by `replacement`, or deleted. */
const corrupt = (value: unknown, pick: number, replacement: unknown, remove: boolean): unknown => {
  const places: Array<{ readonly parent: Record<PropertyKey, unknown>; readonly key: PropertyKey }> = []
  const copy = structuredClone(value)
  const visit = (node: unknown) => {
    if (typeof node !== "object" || node === null) return
    for (const key of Object.keys(node)) {
      places.push({ parent: node as Record<PropertyKey, unknown>, key })
      visit((node as Record<PropertyKey, unknown>)[key])
    }
  }
  visit(copy)
  if (places.length === 0) return replacement
  const place = places[pick % places.length]!
  if (remove && !Array.isArray(place.parent)) delete place.parent[place.key]
  else place.parent[place.key] = replacement
  return copy
}

const expectSame = (ours: Either.Either<unknown, unknown>, schemas: Either.Either<unknown, unknown>) => {
  expect(ours._tag).toBe(schemas._tag)
  if (Either.isRight(ours) && Either.isRight(schemas)) expect(ours.right).toStrictEqual(schemas.right)
  if (Either.isLeft(ours) && Either.isLeft(schemas)) expect(String(ours.left)).toBe(String(schemas.left))
}

const corruption = fc.record({ pick: fc.nat(), replacement: junk, remove: fc.boolean(), corrupted: fc.boolean() })

describe("compiled Schema decoding and encoding give Schema's results", () => {
  for (const op of Operations.all) {
    const decode = CompiledSchema.decodeUnknownEither(op.output)
    const schemaDecode = Schema.decodeUnknownEither(op.output)
    it.prop(`${op.name} output: decoding an answer, intact or corrupted`, {
      value: Arbitrary.make(op.output),
      change: corruption
    }, ({ change, value }) => {
      const wire: unknown = JSON.parse(JSON.stringify(Schema.encodeSync(op.output)(value)))
      const answer = change.corrupted ? corrupt(wire, change.pick, change.replacement, change.remove) : wire
      expectSame(decode(answer), schemaDecode(answer))
    }, { fastCheck: { numRuns: 100 } })

    const encode = CompiledSchema.encodeUnknownEither(op.input)
    const schemaEncode = Schema.encodeUnknownEither(op.input, { errors: "first" })
    it.prop(`${op.name} input: encoding an input, valid or corrupted`, {
      value: Arbitrary.make(op.input),
      change: corruption
    }, ({ change, value }) => {
      const input = change.corrupted ? corrupt(value, change.pick, change.replacement, change.remove) : value
      expectSame(encode(input), schemaEncode(input))
    }, { fastCheck: { numRuns: 100 } })
  }

  it("the record operations' inputs and outputs take the compiled path", () => {
    for (const op of [Operations.ListRecords, Operations.UpdateRecords, Operations.ListDatasets]) {
      expect(CompiledSchema.isCompiled(op.output, true), `${op.name} output`).toBe(true)
      expect(CompiledSchema.isCompiled(op.input, false), `${op.name} input`).toBe(true)
    }
  })

  it("a node it does not know is left to Schema, whose result it then is", () => {
    const withTransformation = Schema.Struct({ n: Schema.NumberFromString })
    expect(CompiledSchema.isCompiled(withTransformation, true)).toBe(false)
    expect(CompiledSchema.decodeUnknownEither(withTransformation)({ n: "2" })).toStrictEqual(Either.right({ n: 2 }))
  })

  it("a union member with a decoding fallback, or a declaration that answers with an effect, is left to Schema", () => {
    const fallback = Schema.Union(
      Schema.Literal("a").annotations({ decodingFallback: () => Either.right("a" as const) }),
      Schema.String
    )
    expect(CompiledSchema.isCompiled(fallback, true)).toBe(false)
    expect(CompiledSchema.decodeUnknownEither(fallback)("zzz")).toStrictEqual(Either.right("a"))
    const effectful = Schema.declare([], {
      decode: () => (input) => Effect.succeed(`declared ${String(input)}`),
      encode: () => (input) => Effect.succeed(input)
    })
    const union = Schema.Struct({ value: Schema.Union(effectful, Schema.String) })
    expect(CompiledSchema.isCompiled(union, true)).toBe(true)
    expect(CompiledSchema.decodeUnknownEither(union)({ value: "x" })).toStrictEqual(
      Either.right({ value: "declared x" })
    )
  })

  it("a refinement sees the options Schema's encoder passes", () => {
    const strict = Schema.String.pipe(Schema.filter((_, options) => options.errors === "first"))
    expect(CompiledSchema.encodeUnknownEither(strict)("x")).toStrictEqual(
      Schema.encodeUnknownEither(strict, { errors: "first" })("x")
    )
  })

  it("members the schema does not name are dropped, and dates decode to Dates", () => {
    const decoded = CompiledSchema.decodeUnknownEither(S.Record)({ Key: "k", LastModifiedDate: 1.5, Extra: 1 })
    expect(decoded).toStrictEqual(Either.right({ Key: "k", LastModifiedDate: new Date(1500) }))
  })

  it("a failure is Schema's error, with Schema's path", () => {
    const decoded = CompiledSchema.decodeUnknownEither(S.Record)({ Key: "k", SyncCount: -1 })
    expect(Either.isLeft(decoded) && decoded.left.message).toContain("SyncCount")
    expectSame(decoded, Schema.decodeUnknownEither(S.Record)({ Key: "k", SyncCount: -1 }))
  })
})
