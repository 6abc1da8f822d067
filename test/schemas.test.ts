import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import type * as Schema_ from "effect/Schema"
import * as Schema from "effect/Schema"
import * as Operations from "../src/Operations.js"
import * as S from "../src/Schemas.js"

/** encode → JSON.stringify → JSON.parse → decode */
const viaJson = <A, I>(schema: Schema_.Schema<A, I>, value: A): A => {
  const encoded = Schema.encodeSync(schema)(value)
  const wire: unknown = JSON.parse(JSON.stringify(encoded))
  return Schema.decodeUnknownSync(schema)(wire)
}

const numRuns = 60

/**
 * Whether a generated value has an own `__proto__` key somewhere. Effect's `Schema.Record` builds its output by
 * assignment, so such a key (possible only in the Events map) is dropped on decoding: a known limitation, left out
 * of the round-trip properties.
 */
const hasProtoKey = (value: unknown): boolean =>
  typeof value === "object" && value !== null &&
  (Object.prototype.hasOwnProperty.call(value, "__proto__") || Object.values(value).some(hasProtoKey))

const roundTrips = <A, I>(schema: Schema_.Schema<A, I>, value: A) => {
  FastCheck.pre(!hasProtoKey(value))
  expect(viaJson(schema, value)).toEqual(value)
}

describe("Schemas: every wire Schema survives a JSON round trip", () => {
  for (const op of Operations.all) {
    it.prop(`${op.name} input`, { value: op.input }, ({ value }) => roundTrips(op.input, value), {
      fastCheck: { numRuns }
    })

    it.prop(`${op.name} output`, { value: op.output }, ({ value }) => roundTrips(op.output, value), {
      fastCheck: { numRuns }
    })
  }

  const structures: Record<string, Schema_.Schema.AnyNoContext> = {
    Dataset: S.Dataset,
    Record: S.Record,
    RecordPatch: S.RecordPatch,
    IdentityUsage: S.IdentityUsage,
    IdentityPoolUsage: S.IdentityPoolUsage,
    PushSync: S.PushSync,
    PushSyncOutput: S.PushSyncOutput,
    CognitoStreams: S.CognitoStreams,
    CognitoStreamsOutput: S.CognitoStreamsOutput,
    Events: S.Events,
    EpochSeconds: S.EpochSeconds,
    IdentityPoolId: S.IdentityPoolId,
    DatasetName: S.DatasetName,
    AssumeRoleArn: S.AssumeRoleArn,
    ApplicationArn: S.ApplicationArn
  }

  for (const [name, schema] of Object.entries(structures)) {
    it.prop(name, { value: schema }, ({ value }) => roundTrips(schema, value), { fastCheck: { numRuns } })
  }

  it("a round trip is not vacuous: a Date member comes back as an equal Date, not a number", () => {
    const record = { Key: "k", LastModifiedDate: new Date(1412974057151) }
    const back = viaJson(S.Record, record)
    expect(back.LastModifiedDate).toBeInstanceOf(Date)
    expect(back).toEqual(record)
    expect(Schema.encodeSync(S.Record)(record)).toEqual({ Key: "k", LastModifiedDate: 1412974057.151 })
  })
})

describe("Schemas: EpochSeconds", () => {
  const decode = Schema.decodeUnknownEither(S.EpochSeconds)
  const millis = (input: unknown): number | undefined => {
    const result = decode(input)
    return Either.isRight(result) ? result.right.getTime() : undefined
  }

  it("decodes numbers, with or without a fraction, rounding to the millisecond", () => {
    expect(millis(1412974057)).toBe(1412974057000)
    expect(millis(1412974057.151)).toBe(1412974057151)
    expect(millis(1412974057.1516)).toBe(1412974057152)
    expect(millis(0)).toBe(0)
    expect(millis(-1.5)).toBe(-1500)
  })

  it("decodes exponent form, as a JSON number and as a string", () => {
    expect(millis(JSON.parse("1.412974057151E9"))).toBe(1412974057151)
    expect(millis("1.412974057151E9")).toBe(1412974057151)
    expect(millis("1412974057151e-3")).toBe(1412974057151)
  })

  it("decodes numeric strings", () => {
    expect(millis("1412974057.5")).toBe(1412974057500)
    expect(millis("1412974057")).toBe(1412974057000)
    expect(millis("+12")).toBe(12000)
    expect(millis(".5")).toBe(500)
  })

  for (
    const bad of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      "abc",
      "",
      " ",
      "NaN",
      "Infinity",
      "1e",
      "0x10",
      "12abc",
      "1e400",
      1e300,
      null,
      true,
      {}
    ]
  ) {
    it(`rejects ${typeof bad === "string" ? JSON.stringify(bad) : String(bad)}`, () => {
      expect(Either.isLeft(decode(bad))).toBe(true)
    })
  }

  it("encodes a Date as epoch seconds", () => {
    expect(Schema.encodeSync(S.EpochSeconds)(new Date(1412974057151))).toBe(1412974057.151)
    expect(Either.isLeft(Schema.encodeEither(S.EpochSeconds)(new Date(Number.NaN)))).toBe(true)
  })
})

describe("Schemas: open enums and nulls", () => {
  it("response enums accept values AWS may add later", () => {
    expect(Schema.decodeUnknownSync(S.BulkPublishStatus)("PAUSED_FOREVER")).toBe("PAUSED_FOREVER")
    expect(Schema.decodeUnknownSync(S.BulkPublishStatus)("SUCCEEDED")).toBe("SUCCEEDED")
    expect(Schema.decodeUnknownSync(S.StreamingStatusOutput)("THROTTLED")).toBe("THROTTLED")
    expect(Schema.decodeUnknownSync(S.CognitoStreamsOutput)({ StreamingStatus: "SOMETHING_NEW" })).toEqual({
      StreamingStatus: "SOMETHING_NEW"
    })
    const output = Schema.decodeUnknownSync(Operations.GetBulkPublishDetails.output)({ BulkPublishStatus: "QUEUED" })
    expect(output.BulkPublishStatus).toBe("QUEUED")
  })

  it("open enums still refuse what is not a string", () => {
    expect(Either.isLeft(Schema.decodeUnknownEither(S.BulkPublishStatus)(3))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(S.StreamingStatusOutput)(null))).toBe(true)
  })

  it("input enums are closed", () => {
    expect(Either.isLeft(Schema.decodeUnknownEither(S.StreamingStatus)("PAUSED"))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(S.Platform)("FCM"))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(S.Operation)("Replace"))).toBe(true)
  })

  it("null members read as absent, in structures and in outputs (the decoder drops them first)", () => {
    const usage = Schema.decodeUnknownSync(S.IdentityPoolUsage)(S.withoutNulls({
      IdentityPoolId: "p",
      SyncSessionsCount: null,
      DataStorage: null,
      LastModifiedDate: null
    }))
    expect(usage).toEqual({ IdentityPoolId: "p" })
    expect(Object.keys(usage)).toEqual(["IdentityPoolId"])

    const page = Schema.decodeUnknownSync(Operations.ListRecords.output)(S.withoutNulls({
      Records: [{ Key: "k", Value: null, SyncCount: 1 }],
      NextToken: null,
      MergedDatasetNames: null,
      SyncSessionToken: "t"
    }))
    expect(page).toEqual({ Records: [{ Key: "k", SyncCount: 1 }], SyncSessionToken: "t" })
    expect("NextToken" in page).toBe(false)
    expect("Value" in (page.Records?.[0] ?? {})).toBe(false)

    const configuration = Schema.decodeUnknownSync(Operations.GetIdentityPoolConfiguration.output)(S.withoutNulls({
      IdentityPoolId: "p",
      PushSync: null,
      CognitoStreams: { StreamName: null }
    }))
    expect(configuration).toEqual({ IdentityPoolId: "p", CognitoStreams: {} })
  })

  it("null is not accepted for a required input member", () => {
    expect(
      Either.isLeft(
        Schema.decodeUnknownEither(S.RecordPatch)({ Op: "replace", Key: "k", SyncCount: null })
      )
    ).toBe(true)
  })
})
