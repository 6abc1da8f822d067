/**
 * The shapes of the Cognito Sync API (2014-06-30) as Schemas: constrained strings, structures and enums.
 *
 * Input shapes carry the model's constraints, so a bad input is rejected before any I/O. Output shapes are
 * lenient where the service is: JSON `null` reads as an absent member, timestamps arrive as epoch seconds (a
 * number or a numeric string) and become `Date`, and enum-valued fields accept values AWS may add later.
 *
 * @since 0.1.0
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

// ---------------------------------------------------------------------------------------------------------------
// Constrained strings
// ---------------------------------------------------------------------------------------------------------------

const idPattern = /^[\w-]+:[0-9a-f-]+$/

/**
 * An identity pool id, `region:guid` (1 to 55 characters, pattern `[\w-]+:[0-9a-f-]+`).
 *
 * @since 0.1.0
 * @category constrained strings
 */
export const IdentityPoolId = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(55),
  Schema.pattern(idPattern, { message: () => "must look like region:guid (pattern [\\w-]+:[0-9a-f-]+)" })
).annotations({ identifier: "IdentityPoolId" })

/**
 * An identity id, `region:guid` (1 to 55 characters, pattern `[\w-]+:[0-9a-f-]+`).
 *
 * @since 0.1.0
 * @category constrained strings
 */
export const IdentityId = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(55),
  Schema.pattern(idPattern, { message: () => "must look like region:guid (pattern [\\w-]+:[0-9a-f-]+)" })
).annotations({ identifier: "IdentityId" })

/**
 * A dataset name: 1 to 128 characters of `a-z A-Z 0-9 _ . : -`.
 *
 * @since 0.1.0
 * @category constrained strings
 */
export const DatasetName = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(128),
  Schema.pattern(/^[a-zA-Z0-9_.:-]+$/, { message: () => "may contain only a-z, A-Z, 0-9, '_', '.', ':' and '-'" })
).annotations({ identifier: "DatasetName" })

/**
 * A device id returned by RegisterDevice (1 to 256 characters).
 *
 * @since 0.1.0
 * @category constrained strings
 */
export const DeviceId = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256)).annotations({
  identifier: "DeviceId"
})

/**
 * A record key (1 to 1024 characters).
 *
 * @since 0.1.0
 * @category constrained strings
 */
export const RecordKey = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1024)).annotations({
  identifier: "RecordKey"
})

/**
 * A record value (at most 1,048,575 characters; the 1 MB dataset limit applies on top).
 *
 * @since 0.1.0
 * @category constrained strings
 */
export const RecordValue = Schema.String.pipe(Schema.maxLength(1048575)).annotations({ identifier: "RecordValue" })

/**
 * An IAM role ARN that Cognito Sync assumes (20 to 2048 characters, `arn:aws:iam::<account>:role/...`).
 *
 * @since 0.1.0
 * @category constrained strings
 */
export const AssumeRoleArn = Schema.String.pipe(
  Schema.minLength(20),
  Schema.maxLength(2048),
  Schema.pattern(/^arn:aws:iam::\d+:role\//, {
    message: () => "must be an IAM role ARN (arn:aws:iam::<account>:role/...)"
  })
).annotations({ identifier: "AssumeRoleArn" })

/**
 * An SNS platform application ARN used for push sync.
 *
 * @since 0.1.0
 * @category constrained strings
 */
export const ApplicationArn = Schema.String.pipe(
  Schema.pattern(/^arn:aws:sns:[-0-9a-z]+:\d+:app\/[A-Z_]+\/[a-zA-Z0-9_.-]+$/, {
    message: () => "must be an SNS platform application ARN (arn:aws:sns:<region>:<account>:app/<PLATFORM>/<name>)"
  })
).annotations({ identifier: "ApplicationArn" })

/**
 * A Kinesis stream name (1 to 128 characters).
 *
 * @since 0.1.0
 * @category constrained strings
 */
export const StreamName = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128)).annotations({
  identifier: "StreamName"
})

// ---------------------------------------------------------------------------------------------------------------
// Numbers and timestamps
// ---------------------------------------------------------------------------------------------------------------

/**
 * A sync count: a non-negative integer (a `long` in the model).
 *
 * @since 0.1.0
 * @category numbers
 */
export const SyncCount: Schema.Schema<number> = Schema.Number.pipe(
  // One refinement rather than `Schema.NonNegativeInt`'s two: every record of every answer carries a count.
  Schema.filter((n) => Number.isInteger(n) && n >= 0, {
    identifier: "SyncCount",
    message: () => "expected a non-negative integer",
    jsonSchema: { type: "integer", minimum: 0 },
    arbitrary: () => (fc) => fc.nat()
  })
)

/**
 * A non-negative integer such as a record count or a number of bytes.
 *
 * @since 0.1.0
 * @category numbers
 */
export const Count: Schema.Schema<number> = SyncCount.annotations({ identifier: "Count" })

const numericString = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/**
 * A timestamp on the wire: epoch seconds with an optional fraction, as a JSON number or a numeric string
 * (the service's rest-json default). Decodes to a `Date` rounded to the millisecond; encodes a `Date` to a
 * number of seconds.
 *
 * @since 0.1.0
 * @category timestamps
 */
export const EpochSeconds: Schema.Schema<Date, number | string> = Schema.declare<Date, number | string, []>([], {
  // A declaration, not a transformation of a union into a `Date`: it decodes the many dates of a ListRecords page
  // in one step and with a third of the allocations (docs/benchmarks.md).
  decode: () => (value, _, ast) => {
    const date = typeof value === "number" || typeof value === "string" ? dateOfSeconds(value) : undefined
    return date === undefined
      ? ParseResult.fail(new ParseResult.Type(ast, value, "expected a timestamp in epoch seconds"))
      : ParseResult.succeed(date)
  },
  encode: () => (value, _, ast) =>
    value instanceof Date && !Number.isNaN(value.getTime())
      ? ParseResult.succeed(value.getTime() / 1000)
      : ParseResult.fail(new ParseResult.Type(ast, value, "expected a valid Date"))
}, {
  identifier: "EpochSeconds",
  // Generated dates stay in a range whose milliseconds survive the trip through float seconds.
  arbitrary: () => (fc) => fc.integer({ min: 0, max: 4102444800000 }).map((ms) => new Date(ms)),
  pretty: () => (date) => date.toISOString(),
  equivalence: () => (a, b) => a.getTime() === b.getTime()
})

const dateOfSeconds = (value: number | string): Date | undefined => {
  const seconds = typeof value === "number" ? value : numericString.test(value) ? Number(value) : NaN
  const millis = Math.round(seconds * 1000)
  return Number.isFinite(millis) && Math.abs(millis) <= 8.64e15 ? new Date(millis) : undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------------------------

/**
 * An enum that a response may extend: the known values are typed, and a value AWS adds later still decodes.
 *
 * @since 0.1.0
 * @category enums
 */
export const OpenEnum = <const Values extends ReadonlyArray<string>>(
  identifier: string,
  ...values: Values
): Schema.Schema<Values[number] | (string & {})> =>
  Schema.declare((u: unknown): u is Values[number] | (string & {}) => typeof u === "string", {
    identifier,
    description: `one of ${values.join(", ")}, or a value added later`,
    arbitrary: () => (fc) => fc.constantFrom(...values),
    pretty: () => (value) => JSON.stringify(value),
    equivalence: () => (a, b) => a === b
  })

/**
 * The operation of a record patch.
 *
 * @since 0.1.0
 * @category enums
 */
export const Operation = Schema.Literal("replace", "remove")

/**
 * A push platform accepted by RegisterDevice.
 *
 * @since 0.1.0
 * @category enums
 */
export const Platform = Schema.Literal("APNS", "APNS_SANDBOX", "GCM", "ADM")

/**
 * Whether Cognito Streams is on (input form: only the documented values).
 *
 * @since 0.1.0
 * @category enums
 */
export const StreamingStatus = Schema.Literal("ENABLED", "DISABLED")

/**
 * Whether Cognito Streams is on, as a response reports it.
 *
 * @since 0.1.0
 * @category enums
 */
export const StreamingStatusOutput = OpenEnum("StreamingStatus", "ENABLED", "DISABLED")

/**
 * The state of the last bulk publish, as a response reports it.
 *
 * @since 0.1.0
 * @category enums
 */
export const BulkPublishStatus = OpenEnum("BulkPublishStatus", "NOT_STARTED", "IN_PROGRESS", "FAILED", "SUCCEEDED")

// ---------------------------------------------------------------------------------------------------------------
// Structures
// ---------------------------------------------------------------------------------------------------------------

/**
 * A member of a response: it may be absent. The client's decoder drops JSON `null` members before decoding (see
 * {@link withoutNulls}), so `null` reads as absent; a plain optional member decodes several times faster than
 * one that maps `null` itself.
 *
 * @since 0.1.0
 * @category structures
 */
export const responseMember = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/**
 * Drops the `null` members of a parsed JSON answer, at any depth, in place, so they read as absent members. The
 * service sends `null` for members it leaves unset (`NextToken`, `SyncSessionsCount`, `MergedDatasetNames`, ...).
 *
 * @since 0.1.0
 * @category structures
 */
export const withoutNulls = <A>(json: A): A => {
  if (Array.isArray(json)) {
    for (const item of json) withoutNulls(item)
  } else if (typeof json === "object" && json !== null) {
    const object = json as { [key: string]: unknown }
    for (const key in object) {
      const value = object[key]
      if (value === null) delete object[key]
      else if (typeof value === "object") withoutNulls(value)
    }
  }
  return json
}

/**
 * A dataset's metadata.
 *
 * @since 0.1.0
 * @category structures
 */
export const Dataset = Schema.Struct({
  IdentityId: responseMember(Schema.String),
  DatasetName: responseMember(Schema.String),
  CreationDate: responseMember(EpochSeconds),
  LastModifiedDate: responseMember(EpochSeconds),
  LastModifiedBy: responseMember(Schema.String),
  DataStorage: responseMember(Count),
  NumRecords: responseMember(Count)
}).annotations({ identifier: "Dataset" })

/**
 * A dataset's metadata.
 *
 * @since 0.1.0
 * @category structures
 */
export interface Dataset extends Schema.Schema.Type<typeof Dataset> {}

/**
 * A record as the service stores it. A record without a `Value` is a tombstone: the key was removed.
 *
 * @since 0.1.0
 * @category structures
 */
export const Record = Schema.Struct({
  Key: responseMember(Schema.String),
  Value: responseMember(Schema.String),
  SyncCount: responseMember(SyncCount),
  LastModifiedDate: responseMember(EpochSeconds),
  LastModifiedBy: responseMember(Schema.String),
  DeviceLastModifiedDate: responseMember(EpochSeconds)
}).annotations({ identifier: "Record" })

/**
 * A record as the service stores it. A record without a `Value` is a tombstone: the key was removed.
 *
 * @since 0.1.0
 * @category structures
 */
export interface Record extends Schema.Schema.Type<typeof Record> {}

/**
 * One change in an UpdateRecords call. `SyncCount` is the record's last known server count, 0 for a new key.
 *
 * @since 0.1.0
 * @category structures
 */
export const RecordPatch = Schema.Struct({
  Op: Operation,
  Key: RecordKey,
  Value: Schema.optional(RecordValue),
  SyncCount: SyncCount,
  DeviceLastModifiedDate: Schema.optional(EpochSeconds)
}).annotations({ identifier: "RecordPatch" })

/**
 * One change in an UpdateRecords call. `SyncCount` is the record's last known server count, 0 for a new key.
 *
 * @since 0.1.0
 * @category structures
 */
export interface RecordPatch extends Schema.Schema.Type<typeof RecordPatch> {}

/**
 * Usage of one identity.
 *
 * @since 0.1.0
 * @category structures
 */
export const IdentityUsage = Schema.Struct({
  IdentityId: responseMember(Schema.String),
  IdentityPoolId: responseMember(Schema.String),
  LastModifiedDate: responseMember(EpochSeconds),
  DatasetCount: responseMember(Count),
  DataStorage: responseMember(Count)
}).annotations({ identifier: "IdentityUsage" })

/**
 * Usage of one identity.
 *
 * @since 0.1.0
 * @category structures
 */
export interface IdentityUsage extends Schema.Schema.Type<typeof IdentityUsage> {}

/**
 * Usage of one identity pool.
 *
 * @since 0.1.0
 * @category structures
 */
export const IdentityPoolUsage = Schema.Struct({
  IdentityPoolId: responseMember(Schema.String),
  SyncSessionsCount: responseMember(Count),
  DataStorage: responseMember(Count),
  LastModifiedDate: responseMember(EpochSeconds)
}).annotations({ identifier: "IdentityPoolUsage" })

/**
 * Usage of one identity pool.
 *
 * @since 0.1.0
 * @category structures
 */
export interface IdentityPoolUsage extends Schema.Schema.Type<typeof IdentityPoolUsage> {}

/**
 * Push sync configuration, as sent in SetIdentityPoolConfiguration.
 *
 * @since 0.1.0
 * @category structures
 */
export const PushSync = Schema.Struct({
  ApplicationArns: Schema.optional(Schema.Array(ApplicationArn)),
  RoleArn: Schema.optional(AssumeRoleArn)
}).annotations({ identifier: "PushSync" })

/**
 * Push sync configuration, as sent in SetIdentityPoolConfiguration.
 *
 * @since 0.1.0
 * @category structures
 */
export interface PushSync extends Schema.Schema.Type<typeof PushSync> {}

/**
 * Push sync configuration, as a response reports it.
 *
 * @since 0.1.0
 * @category structures
 */
export const PushSyncOutput = Schema.Struct({
  ApplicationArns: responseMember(Schema.Array(Schema.String)),
  RoleArn: responseMember(Schema.String)
}).annotations({ identifier: "PushSyncOutput" })

/**
 * Push sync configuration, as a response reports it.
 *
 * @since 0.1.0
 * @category structures
 */
export interface PushSyncOutput extends Schema.Schema.Type<typeof PushSyncOutput> {}

/**
 * Cognito Streams configuration, as sent in SetIdentityPoolConfiguration.
 *
 * @since 0.1.0
 * @category structures
 */
export const CognitoStreams = Schema.Struct({
  StreamName: Schema.optional(StreamName),
  RoleArn: Schema.optional(AssumeRoleArn),
  StreamingStatus: Schema.optional(StreamingStatus)
}).annotations({ identifier: "CognitoStreams" })

/**
 * Cognito Streams configuration, as sent in SetIdentityPoolConfiguration.
 *
 * @since 0.1.0
 * @category structures
 */
export interface CognitoStreams extends Schema.Schema.Type<typeof CognitoStreams> {}

/**
 * Cognito Streams configuration, as a response reports it.
 *
 * @since 0.1.0
 * @category structures
 */
export const CognitoStreamsOutput = Schema.Struct({
  StreamName: responseMember(Schema.String),
  RoleArn: responseMember(Schema.String),
  StreamingStatus: responseMember(StreamingStatusOutput)
}).annotations({ identifier: "CognitoStreamsOutput" })

/**
 * Cognito Streams configuration, as a response reports it.
 *
 * @since 0.1.0
 * @category structures
 */
export interface CognitoStreamsOutput extends Schema.Schema.Type<typeof CognitoStreamsOutput> {}

/**
 * Cognito Events: at most one entry, event type (`SyncTrigger`) to Lambda function ARN.
 *
 * @since 0.1.0
 * @category structures
 */
export const Events = Schema.Record({ key: Schema.String, value: Schema.String }).pipe(
  Schema.filter((events) => Object.keys(events).length <= 1 || "may hold at most one event", {
    identifier: "Events"
  })
)
