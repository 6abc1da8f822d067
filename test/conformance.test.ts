/**
 * Differential conformance against the official client, `@aws-sdk/client-cognito-sync` (the oracle).
 *
 * Both clients run the same operation with the same input over a fake transport that records the request and
 * answers with a canned response. The test then checks that they put the same request on the wire, decode the
 * same answer to the same value, and classify the same error answer under the same name.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Arbitrary from "effect/Arbitrary"
import * as Schema from "effect/Schema"
import type * as CognitoSync from "../src/CognitoSync.js"
import { modeledErrors } from "../src/CognitoSyncError.js"
import * as Operations from "../src/Operations.js"
import type { OperationName } from "../src/Operations.js"
import {
  type CannedResponse,
  jsonNumberTokens,
  normalize,
  ok,
  type Outcome,
  runBoth,
  type WireRequest
} from "./support/oracle.js"

// ---------------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------------

const pool = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000"
const pool2 = "ap_south-1:0-f"
const identity = "eu-west-1:11111111-2222-3333-4444-555555555555"
const identity2 = "x:abcdef"
const ids = { IdentityPoolId: pool, IdentityId: identity }
const dataset = { ...ids, DatasetName: "settings" }
const oddNames = ["my.data_set-1:v2", "a", "A:B:C", "-_.:", "x".repeat(128)] as const
const tokens = ["abc/def+ghi==", "", "a b&c=d?e#f%20", "tök€n/😀", "~!*'()"] as const
const date = new Date(1412974057151)
const lambdaArn = "arn:aws:lambda:us-east-1:123456789012:function:sync-trigger"
const roleArn = "arn:aws:iam::123456789012:role/CognitoStreams"
const appArn = "arn:aws:sns:us-east-1:123456789012:app/GCM/my_app-1.0"

const names = Object.keys(Operations.operations) as ReadonlyArray<OperationName>

/** A valid input for each operation, with only the required members. */
const minimal: { readonly [N in OperationName]: CognitoSync.Input<N> } = {
  BulkPublish: { IdentityPoolId: pool },
  DeleteDataset: dataset,
  DescribeDataset: dataset,
  DescribeIdentityPoolUsage: { IdentityPoolId: pool },
  DescribeIdentityUsage: ids,
  GetBulkPublishDetails: { IdentityPoolId: pool },
  GetCognitoEvents: { IdentityPoolId: pool },
  GetIdentityPoolConfiguration: { IdentityPoolId: pool },
  ListDatasets: ids,
  ListIdentityPoolUsage: {},
  ListRecords: dataset,
  RegisterDevice: { ...ids, Platform: "GCM", Token: "push-token" },
  SetCognitoEvents: { IdentityPoolId: pool, Events: {} },
  SetIdentityPoolConfiguration: { IdentityPoolId: pool },
  SubscribeToDataset: { ...dataset, DeviceId: "device-1" },
  UnsubscribeFromDataset: { ...dataset, DeviceId: "device-1" },
  UpdateRecords: { ...dataset, SyncSessionToken: "session" }
}

// ---------------------------------------------------------------------------------------------------------------
// Comparing requests
// ---------------------------------------------------------------------------------------------------------------

const only = (outcome: Outcome, who: string): WireRequest => {
  expect(outcome.requests, `${who} sent one request`).toHaveLength(1)
  const [request] = outcome.requests
  if (request === undefined) throw new Error(`${who} sent no request`)
  return request
}

const sortedNumbers = (body: string | undefined): Array<string> =>
  body === undefined ? [] : jsonNumberTokens(body).sort()

/** Checks that our request equals the official client's on every part the service reads. */
const expectSameRequest = (ours: WireRequest, sdk: WireRequest): void => {
  expect(ours.method, "method").toBe(sdk.method)
  expect(ours.path, "path, exact percent-encoding").toBe(sdk.path)
  expect(ours.query, "query pairs").toStrictEqual(sdk.query)
  expect(ours.rawQuery, "query pairs as encoded on the wire").toStrictEqual(sdk.rawQuery)
  expect(ours.clientContext, "x-amz-client-context").toBe(sdk.clientContext)
  expect(ours.contentType, "content-type").toBe(sdk.contentType)
  expect(ours.body === undefined, "body presence").toBe(sdk.body === undefined)
  if (ours.body !== undefined && sdk.body !== undefined) {
    expect(JSON.parse(ours.body), "JSON body").toStrictEqual(JSON.parse(sdk.body))
    expect(sortedNumbers(ours.body), "JSON numbers as written").toStrictEqual(sortedNumbers(sdk.body))
  }
}

interface RequestCase {
  readonly op: OperationName
  readonly title: string
  readonly run: Effect.Effect<{ readonly ours: Outcome; readonly sdk: Outcome }>
  readonly expected: Partial<WireRequest> | undefined
}

const request = <N extends OperationName>(
  op: N,
  title: string,
  input: CognitoSync.Input<N>,
  expected?: Partial<WireRequest>
): RequestCase => ({ op, title, run: runBoth(op, input, ok({})), expected })

const labelled = (op: "DeleteDataset" | "DescribeDataset" | "ListRecords") =>
  oddNames.map((DatasetName) => request(op, `dataset name ${DatasetName.slice(0, 20)}`, { ...dataset, DatasetName }))

const requestCases: ReadonlyArray<RequestCase> = [
  request("BulkPublish", "pool id with ':'", { IdentityPoolId: pool }, {
    method: "POST",
    path: "/identitypools/us-east-1%3A0f1e2d3c-aaaa-bbbb-cccc-000000000000/bulkpublish",
    rawQuery: [],
    contentType: undefined,
    body: undefined
  }),
  request("BulkPublish", "pool id with '_' and '-'", { IdentityPoolId: pool2 }),
  request("DeleteDataset", "minimal", dataset, {
    method: "DELETE",
    path:
      "/identitypools/us-east-1%3A0f1e2d3c-aaaa-bbbb-cccc-000000000000/identities/eu-west-1%3A11111111-2222-3333-4444-555555555555/datasets/settings"
  }),
  ...labelled("DeleteDataset"),
  request("DescribeDataset", "minimal", dataset),
  request("DescribeDataset", "short ids", { IdentityPoolId: pool2, IdentityId: identity2, DatasetName: "d" }),
  ...labelled("DescribeDataset"),
  request("DescribeIdentityPoolUsage", "minimal", { IdentityPoolId: pool }, { method: "GET" }),
  request("DescribeIdentityPoolUsage", "other pool", { IdentityPoolId: pool2 }),
  request("DescribeIdentityUsage", "minimal", ids),
  request("DescribeIdentityUsage", "short ids", { IdentityPoolId: pool2, IdentityId: identity2 }),
  request("GetBulkPublishDetails", "minimal (POST without a body)", { IdentityPoolId: pool }, {
    method: "POST",
    contentType: undefined,
    body: undefined
  }),
  request("GetCognitoEvents", "minimal", { IdentityPoolId: pool }),
  request("GetIdentityPoolConfiguration", "minimal", { IdentityPoolId: pool }),
  request("ListDatasets", "no paging members", ids, { rawQuery: [] }),
  request("ListDatasets", "MaxResults 0", { ...ids, MaxResults: 0 }, { rawQuery: ["maxResults=0"] }),
  ...tokens.map((NextToken) =>
    request("ListDatasets", `NextToken ${JSON.stringify(NextToken)}, MaxResults 64`, {
      ...ids,
      NextToken,
      MaxResults: 64
    })
  ),
  request("ListIdentityPoolUsage", "no members", {}, { method: "GET", path: "/identitypools", rawQuery: [] }),
  request("ListIdentityPoolUsage", "all members", { NextToken: "abc/def+ghi==", MaxResults: 60 }, {
    rawQuery: ["maxResults=60", "nextToken=abc%2Fdef%2Bghi%3D%3D"]
  }),
  request("ListIdentityPoolUsage", "MaxResults 0 and empty NextToken", { NextToken: "", MaxResults: 0 }),
  request("ListRecords", "all optional members absent", dataset, { rawQuery: [] }),
  request("ListRecords", "zero values", { ...dataset, LastSyncCount: 0, MaxResults: 0, NextToken: "" }, {
    query: [["lastSyncCount", "0"], ["maxResults", "0"], ["nextToken", ""]]
  }),
  request("ListRecords", "all members present", {
    ...dataset,
    LastSyncCount: 9007199254740991,
    NextToken: "next/+=",
    MaxResults: 1024,
    SyncSessionToken: "sst/+=:é"
  }),
  ...tokens.map((token) =>
    request("ListRecords", `tokens ${JSON.stringify(token)}`, {
      ...dataset,
      DatasetName: "my.data_set-1:v2",
      LastSyncCount: 5,
      NextToken: token,
      SyncSessionToken: token
    })
  ),
  ...labelled("ListRecords"),
  request("RegisterDevice", "GCM", minimal.RegisterDevice, {
    method: "POST",
    path:
      "/identitypools/us-east-1%3A0f1e2d3c-aaaa-bbbb-cccc-000000000000/identity/eu-west-1%3A11111111-2222-3333-4444-555555555555/device",
    contentType: "application/json"
  }),
  request("RegisterDevice", "APNS_SANDBOX, unicode token", { ...ids, Platform: "APNS_SANDBOX", Token: "tök€n 😀" }),
  request("RegisterDevice", "ADM, empty token", { ...ids, Platform: "ADM", Token: "" }),
  request("SetCognitoEvents", "one event", { IdentityPoolId: pool, Events: { SyncTrigger: lambdaArn } }, {
    body: JSON.stringify({ Events: { SyncTrigger: lambdaArn } })
  }),
  request("SetCognitoEvents", "empty ARN removes", { IdentityPoolId: pool, Events: { SyncTrigger: "" } }),
  request("SetCognitoEvents", "no events", { IdentityPoolId: pool, Events: {} }),
  request("SetIdentityPoolConfiguration", "all optional members absent", { IdentityPoolId: pool }),
  request("SetIdentityPoolConfiguration", "all members present", {
    IdentityPoolId: pool,
    PushSync: { ApplicationArns: [appArn, appArn.replace("GCM", "APNS")], RoleArn: roleArn },
    CognitoStreams: { StreamName: "stream.1", RoleArn: roleArn, StreamingStatus: "ENABLED" }
  }),
  request("SetIdentityPoolConfiguration", "empty structures and lists", {
    IdentityPoolId: pool,
    PushSync: { ApplicationArns: [] },
    CognitoStreams: {}
  }),
  request("SetIdentityPoolConfiguration", "streams disabled only", {
    IdentityPoolId: pool,
    CognitoStreams: { StreamingStatus: "DISABLED" }
  }),
  ...(["SubscribeToDataset", "UnsubscribeFromDataset"] as const).flatMap((op) => [
    request(op, "plain device id", minimal[op]),
    request(op, "device id with reserved and unicode characters", {
      ...dataset,
      DatasetName: "a.b:c",
      DeviceId: "dev/ice+id=:?#%&é😀 ~!*'()"
    }),
    request(op, "256-character device id", { ...dataset, DeviceId: "d".repeat(256) })
  ]),
  request("UpdateRecords", "all optional members absent", minimal.UpdateRecords, {
    method: "POST",
    clientContext: undefined,
    contentType: "application/json",
    body: JSON.stringify({ SyncSessionToken: "session" })
  }),
  request("UpdateRecords", "all members present", {
    ...dataset,
    DatasetName: "my.data_set-1:v2",
    DeviceId: "device-1",
    SyncSessionToken: "sst/+=",
    ClientContext: "eyJjbGllbnQiOnt9fQ==",
    RecordPatches: [
      { Op: "replace", Key: "theme", Value: "dark", SyncCount: 3, DeviceLastModifiedDate: date },
      { Op: "remove", Key: "draft", SyncCount: 7 }
    ]
  }, { clientContext: "eyJjbGllbnQiOnt9fQ==" }),
  request("UpdateRecords", "zero sync count, empty and unicode values", {
    ...dataset,
    SyncSessionToken: "",
    RecordPatches: [
      { Op: "replace", Key: "empty", Value: "", SyncCount: 0 },
      { Op: "replace", Key: "ключ 😀", Value: "värde \u0000 \"quoted\" \\ \n\t €😀", SyncCount: 0 },
      { Op: "replace", Key: "k", Value: "v", SyncCount: 0, DeviceLastModifiedDate: new Date(0) }
    ]
  }),
  request("UpdateRecords", "empty patch list", { ...dataset, SyncSessionToken: "t", RecordPatches: [] }),
  request("UpdateRecords", "fractional and whole-second device dates", {
    ...dataset,
    SyncSessionToken: "t",
    RecordPatches: [
      { Op: "replace", Key: "a", Value: "1", SyncCount: 1, DeviceLastModifiedDate: new Date(1412974057001) },
      { Op: "replace", Key: "b", Value: "2", SyncCount: 2, DeviceLastModifiedDate: new Date(1412974057000) },
      { Op: "replace", Key: "c", Value: "3", SyncCount: 3, DeviceLastModifiedDate: new Date(4102444800999) },
      { Op: "replace", Key: "d", Value: "4", SyncCount: 4, DeviceLastModifiedDate: new Date(1) },
      { Op: "replace", Key: "e", Value: "5", SyncCount: 5, DeviceLastModifiedDate: new Date(-1500) }
    ]
  }),
  request("UpdateRecords", "empty ClientContext header", { ...minimal.UpdateRecords, ClientContext: "" })
]

describe("requests: our client sends what the official client sends", () => {
  it("covers all 17 operations", () => {
    expect(new Set(requestCases.map((c) => c.op))).toStrictEqual(new Set(names))
    expect(names).toHaveLength(17)
  })

  for (const c of requestCases) {
    it.effect(`${c.op}: ${c.title}`, () =>
      Effect.gen(function*() {
        const { ours, sdk } = yield* c.run
        expect(sdk.result._tag, "the official client accepted the input").toBe("Success")
        expect(ours.result._tag, "our client accepted the input").toBe("Success")
        const sdkRequest = only(sdk, "the official client")
        expectSameRequest(only(ours, "our client"), sdkRequest)
        if (c.expected !== undefined) expect(sdkRequest).toMatchObject(c.expected)
      }))
  }

  it.effect("UpdateRecords: DeviceLastModifiedDate is written as the same epoch-seconds literal", () =>
    Effect.gen(function*() {
      const { ours, sdk } = yield* runBoth("UpdateRecords", {
        ...dataset,
        SyncSessionToken: "t",
        RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0, DeviceLastModifiedDate: date }]
      }, ok({}))
      for (const request of [only(ours, "our client"), only(sdk, "the official client")]) {
        expect(request.body).toContain("\"DeviceLastModifiedDate\":1412974057.151")
        expect(request.body).toContain("\"SyncCount\":0")
      }
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------------------------

const t151 = 1412974057.151
const tExp = "1.412974057151E9" // written into the JSON text as is, a number in exponent form
const tStr = "1412974057.5" // a numeric string
const uri = "http://internal.amazon.com/coral/com.amazonaws.cognito.sync.model/"

/** A JSON text with `@EXP@` replaced by the exponent-form number literal. */
const json = (value: unknown): string => JSON.stringify(value).replaceAll("\"@EXP@\"", tExp)
const EXP = "@EXP@"

const fullDataset = {
  IdentityId: identity,
  DatasetName: "settings",
  CreationDate: t151,
  LastModifiedDate: EXP,
  LastModifiedBy: "123456789012",
  DataStorage: 0,
  NumRecords: 0,
  Unknown: { nested: true }
}
const usage = { IdentityPoolId: pool, SyncSessionsCount: 12, DataStorage: 1048576, LastModifiedDate: tStr }
const record = {
  Key: "theme",
  Value: "dark ☾",
  SyncCount: 0,
  LastModifiedDate: t151,
  LastModifiedBy: "device",
  DeviceLastModifiedDate: EXP
}
const configuration = {
  IdentityPoolId: pool,
  PushSync: { ApplicationArns: [appArn], RoleArn: roleArn, Extra: 1 },
  CognitoStreams: { StreamName: "s", RoleArn: roleArn, StreamingStatus: "ENABLED" }
}

interface ResponseCase {
  readonly op: OperationName
  readonly title: string
  readonly run: Effect.Effect<{ readonly ours: Outcome; readonly sdk: Outcome }>
  readonly expected: unknown
}

const response = <N extends OperationName>(
  op: N,
  title: string,
  body: string,
  expected?: unknown
): ResponseCase => ({
  op,
  title,
  run: runBoth(op, minimal[op], { status: 200, headers: { "x-amzn-requestid": "rid-1" }, body }),
  expected
})

const responseCases: ReadonlyArray<ResponseCase> = [
  response("BulkPublish", "pool id", json({ IdentityPoolId: pool }), { IdentityPoolId: pool }),
  response("BulkPublish", "null and unknown members", json({ IdentityPoolId: null, Status: "x" }), {}),
  response("BulkPublish", "empty body", "", {}),
  ...(["DeleteDataset", "DescribeDataset"] as const).flatMap((op) => [
    response(op, "every member, timestamps as number, exponent and zero counts", json({ Dataset: fullDataset }), {
      Dataset: {
        IdentityId: identity,
        DatasetName: "settings",
        CreationDate: { $date: 1412974057151 },
        LastModifiedDate: { $date: 1412974057151 },
        LastModifiedBy: "123456789012",
        DataStorage: 0,
        NumRecords: 0
      }
    }),
    response(
      op,
      "numeric-string dates and nulls",
      json({
        Dataset: { CreationDate: tStr, LastModifiedDate: "1412974057", LastModifiedBy: null, NumRecords: null }
      })
    ),
    response(op, "null dataset", json({ Dataset: null }), {}),
    response(op, "empty object", "{}", {})
  ]),
  response("DescribeIdentityPoolUsage", "usage with a numeric-string date", json({ IdentityPoolUsage: usage }), {
    IdentityPoolUsage: {
      IdentityPoolId: pool,
      SyncSessionsCount: 12,
      DataStorage: 1048576,
      LastModifiedDate: { $date: 1412974057500 }
    }
  }),
  response(
    "DescribeIdentityPoolUsage",
    "null SyncSessionsCount, exponent date",
    json({ IdentityPoolUsage: { ...usage, SyncSessionsCount: null, LastModifiedDate: EXP } })
  ),
  response(
    "DescribeIdentityUsage",
    "every member",
    json({
      IdentityUsage: {
        IdentityId: identity,
        IdentityPoolId: pool,
        LastModifiedDate: t151,
        DatasetCount: 3,
        DataStorage: 0
      }
    })
  ),
  response(
    "DescribeIdentityUsage",
    "zero counts, extra members",
    json({
      IdentityUsage: { DatasetCount: 0, DataStorage: 0, LastModifiedDate: EXP, Other: [1] },
      Extra: "x"
    })
  ),
  response(
    "GetBulkPublishDetails",
    "an enum value added later",
    json({
      IdentityPoolId: pool,
      BulkPublishStartTime: t151,
      BulkPublishCompleteTime: EXP,
      BulkPublishStatus: "PAUSED",
      FailureMessage: ""
    }),
    {
      IdentityPoolId: pool,
      BulkPublishStartTime: { $date: 1412974057151 },
      BulkPublishCompleteTime: { $date: 1412974057151 },
      BulkPublishStatus: "PAUSED",
      FailureMessage: ""
    }
  ),
  ...(["NOT_STARTED", "IN_PROGRESS", "FAILED", "SUCCEEDED"] as const).map((status) =>
    response(
      "GetBulkPublishDetails",
      `status ${status}`,
      json({ BulkPublishStatus: status, BulkPublishStartTime: tStr, BulkPublishCompleteTime: null }),
      { BulkPublishStatus: status, BulkPublishStartTime: { $date: 1412974057500 } }
    )
  ),
  response("GetCognitoEvents", "one event", json({ Events: { SyncTrigger: lambdaArn } }), {
    Events: { SyncTrigger: lambdaArn }
  }),
  response("GetCognitoEvents", "no events", json({ Events: {} }), { Events: {} }),
  response("GetCognitoEvents", "null events", json({ Events: null }), {}),
  response("GetIdentityPoolConfiguration", "every member", json(configuration)),
  response(
    "GetIdentityPoolConfiguration",
    "a streaming status added later, nulls",
    json({
      IdentityPoolId: pool,
      PushSync: null,
      CognitoStreams: { StreamName: null, StreamingStatus: "PAUSED" }
    }),
    { IdentityPoolId: pool, CognitoStreams: { StreamingStatus: "PAUSED" } }
  ),
  response("GetIdentityPoolConfiguration", "empty structures", json({ PushSync: {}, CognitoStreams: {} })),
  response(
    "ListDatasets",
    "a page",
    json({
      Datasets: [fullDataset, { DatasetName: "b", CreationDate: tStr }],
      Count: 2,
      NextToken: "next/+="
    })
  ),
  response(
    "ListDatasets",
    "the last page: Count 0, NextToken null",
    json({ Datasets: [], Count: 0, NextToken: null }),
    {
      Datasets: [],
      Count: 0
    }
  ),
  response("ListDatasets", "Count absent", json({ Datasets: [] }), { Datasets: [] }),
  response("ListDatasets", "null list", json({ Datasets: null, Count: null }), {}),
  response(
    "ListIdentityPoolUsage",
    "a page",
    json({
      IdentityPoolUsages: [usage, { IdentityPoolId: pool2, SyncSessionsCount: null, LastModifiedDate: EXP }],
      MaxResults: 60,
      Count: 2,
      NextToken: "n"
    })
  ),
  response(
    "ListIdentityPoolUsage",
    "empty, zeros, NextToken null",
    json({
      IdentityPoolUsages: [],
      MaxResults: 0,
      Count: 0,
      NextToken: null
    }),
    { IdentityPoolUsages: [], MaxResults: 0, Count: 0 }
  ),
  response(
    "ListRecords",
    "every member",
    json({
      Records: [record, {
        Key: "gone",
        Value: null,
        SyncCount: 4,
        LastModifiedDate: tStr,
        DeviceLastModifiedDate: null
      }],
      NextToken: "n",
      Count: 2,
      DatasetSyncCount: 7,
      LastModifiedBy: "device",
      MergedDatasetNames: ["a.b", "c"],
      DatasetExists: true,
      DatasetDeletedAfterRequestedSyncCount: true,
      SyncSessionToken: "sst/+="
    })
  ),
  response(
    "ListRecords",
    "the model's example: nulls and falses",
    json({
      Count: 0,
      DatasetDeletedAfterRequestedSyncCount: false,
      DatasetExists: false,
      DatasetSyncCount: 0,
      LastModifiedBy: null,
      MergedDatasetNames: null,
      NextToken: null,
      Records: [],
      SyncSessionToken: "token"
    }),
    {
      Count: 0,
      DatasetDeletedAfterRequestedSyncCount: false,
      DatasetExists: false,
      DatasetSyncCount: 0,
      Records: [],
      SyncSessionToken: "token"
    }
  ),
  response("ListRecords", "booleans and counts absent", json({ SyncSessionToken: "t" }), { SyncSessionToken: "t" }),
  response(
    "ListRecords",
    "empty-string and unicode values",
    json({
      Records: [{ Key: "k", Value: "" }, { Key: "ключ", Value: "värde 😀 \u0000" }]
    })
  ),
  response("RegisterDevice", "device id", json({ DeviceId: "device/1" }), { DeviceId: "device/1" }),
  response("RegisterDevice", "null device id", json({ DeviceId: null }), {}),
  response("SetCognitoEvents", "empty body", "", {}),
  // Unknown members are dropped by operations without output members too (an empty Schema.Struct would hand
  // them through; see EmptyOutput in src/Operations.ts).
  response("SetCognitoEvents", "empty object with unknown members", json({ Whatever: 1 }), {}),
  response("SetIdentityPoolConfiguration", "every member", json(configuration)),
  response("SetIdentityPoolConfiguration", "only the pool id", json({ IdentityPoolId: pool }), {
    IdentityPoolId: pool
  }),
  ...(["SubscribeToDataset", "UnsubscribeFromDataset"] as const).flatMap((op) => [
    response(op, "empty object", "{}", {}),
    response(op, "empty body", "", {}),
    response(op, "unknown members", json({ Subscribed: true }), {})
  ]),
  response(
    "UpdateRecords",
    "the written records",
    json({
      Records: [record, { Key: "draft", SyncCount: 8, LastModifiedDate: EXP }]
    })
  ),
  response("UpdateRecords", "no records", json({ Records: [] }), { Records: [] }),
  response(
    "UpdateRecords",
    "fractional seconds rounding",
    json({
      Records: [
        { Key: "a", LastModifiedDate: 1412974057.1515, DeviceLastModifiedDate: 1412974057.0004 },
        { Key: "b", LastModifiedDate: "1412974057.9999", DeviceLastModifiedDate: 0 },
        { Key: "c", LastModifiedDate: -1.5, DeviceLastModifiedDate: "1e3" }
      ]
    })
  )
]

describe("responses: our client decodes what the official client decodes", () => {
  it("covers all 17 operations", () => {
    expect(new Set(responseCases.map((c) => c.op))).toStrictEqual(new Set(names))
  })

  for (const c of responseCases) {
    it.effect(`${c.op}: ${c.title}`, () =>
      Effect.gen(function*() {
        const { ours, sdk } = yield* c.run
        expect(sdk.result._tag, "the official client decoded the answer").toBe("Success")
        expect(ours.result._tag, "our client decoded the answer").toBe("Success")
        if (ours.result._tag !== "Success" || sdk.result._tag !== "Success") return
        expect(normalize(ours.result.value)).toStrictEqual(normalize(sdk.result.value))
        if (c.expected !== undefined) expect(normalize(sdk.result.value)).toStrictEqual(c.expected)
      }))
  }
})

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

const statusOf: { readonly [name: string]: number } = {
  NotAuthorizedException: 403,
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  TooManyRequestsException: 429,
  LambdaThrottledException: 429,
  InternalErrorException: 500,
  InvalidSignatureException: 403,
  ExpiredTokenException: 403,
  AccessDeniedException: 403
}

/** Every modeled error (so each operation also sees codes it does not model) and codes no shape declares. */
const errorNames = [
  ...modeledErrors.map((error) => error._tag),
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "ExpiredTokenException",
  "AccessDeniedException",
  "ThrottlingException",
  "NotAuthorizedError" // the awsQueryError code of NotAuthorizedException, unused by rest-json
] as const

interface ErrorForm {
  readonly title: string
  readonly response: (name: string, status: number) => CannedResponse
  /** Whether the body carries a message both clients should report. */
  readonly message: string | undefined
}

const errorForms: ReadonlyArray<ErrorForm> = [
  {
    title: "header x-amzn-ErrorType: Name, body message",
    response: (name, status) => ({
      status,
      headers: { "x-amzn-ErrorType": name, "x-amzn-RequestId": "rid-2" },
      body: json({ message: "the message" })
    }),
    message: "the message"
  },
  {
    title: "header x-amzn-ErrorType: Name:uri, body Message",
    response: (name, status) => ({
      status,
      headers: { "x-amzn-errortype": `${name}:${uri}`, "content-type": "application/x-amz-json-1.1" },
      body: json({ Message: "capital M" })
    }),
    message: "capital M"
  },
  {
    title: "body code",
    response: (name, status) => ({ status, body: json({ code: name, message: "m" }) }),
    message: "m"
  },
  {
    title: "body Code, Message",
    response: (name, status) => ({ status, body: json({ Code: name, Message: "M" }) }),
    message: "M"
  },
  {
    title: "body __type ns#Name",
    response: (name, status) => ({
      status,
      body: json({ __type: `com.amazonaws.cognito.sync.model#${name}`, message: "typed" })
    }),
    message: "typed"
  },
  {
    title: "body __type Name:uri, no message",
    response: (name, status) => ({ status, body: json({ __type: `${name}:${uri}` }) }),
    message: undefined
  },
  {
    title: "header wins over body code and __type",
    response: (name, status) => ({
      status,
      headers: { "X-Amzn-ErrorType": `${name},extra` },
      body: json({ code: "ResourceConflictException", __type: "x#LimitExceededException", message: "h" })
    }),
    message: "h"
  },
  {
    title: "body code wins over __type",
    response: (name, status) => ({
      status,
      body: json({ __type: "x#LimitExceededException", CODE: name, message: "c" })
    }),
    message: "c"
  }
]

interface MiscError {
  readonly title: string
  readonly response: CannedResponse
  /** The name both clients give, or ours where the official client differs on purpose (see `sdkName`). */
  readonly name: string
  /**
   * What the official client gives instead. It parses the error body as JSON before it reads any code, so a body
   * that is not JSON (an HTML page from a proxy or a load balancer) surfaces as the parser's `SyntaxError`, even
   * when `x-amzn-ErrorType` names the error. We keep the service error: the header's code, else "Unknown", with
   * the HTTP status, so a 5xx stays a retryable service error (botocore also reads the header, and falls back to
   * the status).
   */
  readonly sdkName?: string
}

const miscErrors: ReadonlyArray<MiscError> = [
  {
    title: "500 HTML body, no code",
    response: {
      status: 500,
      headers: { "content-type": "text/html" },
      body: "<html><body><h1>500 Internal Server Error</h1></body></html>"
    },
    name: "Unknown",
    sdkName: "SyntaxError"
  },
  { title: "502 plain text", response: { status: 502, body: "Bad Gateway" }, name: "Unknown", sdkName: "SyntaxError" },
  {
    title: "HTML body with an x-amzn-ErrorType header",
    response: {
      status: 503,
      headers: { "x-amzn-ErrorType": "ServiceUnavailable:http://internal.amazon.com/coral/com.amazon.coral.service/" },
      body: "<html>Service Unavailable</html>"
    },
    name: "ServiceUnavailable",
    sdkName: "SyntaxError"
  },
  { title: "503 empty body", response: { status: 503, body: "" }, name: "Unknown" },
  { title: "400 JSON without a code", response: { status: 400, body: json({ message: "no code" }) }, name: "Unknown" },
  { title: "429 JSON without a code", response: { status: 429, body: "{}" }, name: "Unknown" },
  {
    title: "empty x-amzn-ErrorType header, body code",
    response: { status: 400, headers: { "x-amzn-ErrorType": "" }, body: json({ code: "InvalidParameterException" }) },
    name: "InvalidParameterException",
    // The official client takes the empty header as the code and names the error "". An empty header names no
    // error, so we read on to the body's code, as botocore does.
    sdkName: ""
  }
]

const expectSameFailure = (
  ours: Outcome,
  sdk: Outcome,
  name: string,
  message: string | undefined,
  sdkName: string = name
): void => {
  expect(ours.requests, "our client did not retry").toHaveLength(1)
  expect(sdk.requests, "the official client did not retry").toHaveLength(1)
  expect(sdk.result).toMatchObject({ _tag: "Failure", name: sdkName })
  expect(ours.result).toMatchObject({ _tag: "Failure", name })
  if (ours.result._tag !== "Failure" || sdk.result._tag !== "Failure") return
  expect(ours.result.status, "HTTP status").toBe(sdk.result.status)
  expect(ours.result.requestId, "request id").toBe(sdk.result.requestId)
  if (message !== undefined) expect(ours.result.message, "message").toBe(sdk.result.message)
}

const modeledNames: ReadonlySet<string> = new Set(modeledErrors.map((error) => error._tag))

const errorNamesOf = (op: OperationName): ReadonlyArray<string> =>
  Operations.operations[op].errors.map((error) => error._tag)

describe("errors: our client classifies error answers as the official client does", () => {
  // Finding the code does not depend on the operation (in either client), so every form meets every code on one
  // operation, UpdateRecords, which models 9 of the 13 errors (the other 4 are unmodeled codes for it).
  for (const form of errorForms) {
    it.effect(`UpdateRecords: ${form.title}, every code`, () =>
      Effect.gen(function*() {
        for (const name of errorNames) {
          const response = form.response(name, statusOf[name] ?? 400)
          const { ours, sdk } = yield* runBoth("UpdateRecords", minimal.UpdateRecords, response)
          expectSameFailure(ours, sdk, name, form.message)
        }
      }))
  }

  // Which codes become modeled errors does depend on the operation (ours keeps the others as the unmodeled-code
  // error with the same code), so each operation meets every code in a header form, and its own modeled codes
  // in a body form too.
  for (const op of names) {
    it.effect(`${op}: every code, modeled here or not (${errorNamesOf(op).length} modeled)`, () =>
      Effect.gen(function*() {
        const [headerForm, , , , typeForm] = errorForms
        if (headerForm === undefined || typeForm === undefined) throw new Error("missing forms")
        for (const name of errorNames) {
          const status = statusOf[name] ?? 400
          const header = yield* runBoth(op, minimal[op], headerForm.response(name, status))
          expectSameFailure(header.ours, header.sdk, name, headerForm.message)
          // The class: ours is the operation's modeled class, else the unmodeled-code error; the official client
          // looks codes up service-wide, so any of the 13 gets its class there.
          expect(header.ours.result, "our class").toMatchObject({
            tag: errorNamesOf(op).includes(name) ? name : "CognitoSyncServiceError"
          })
          expect(header.sdk.result, "the official client's class").toMatchObject({
            tag: modeledNames.has(name) ? name : "CognitoSyncServiceException"
          })
          if (!errorNamesOf(op).includes(name)) continue
          const type = yield* runBoth(op, minimal[op], typeForm.response(name, status))
          expectSameFailure(type.ours, type.sdk, name, typeForm.message)
          expect(type.ours.result, "our class").toMatchObject({ tag: name })
        }
      }))
    it.effect(`${op}: answers without a usable code`, () =>
      Effect.gen(function*() {
        for (const misc of miscErrors) {
          const { ours, sdk } = yield* runBoth(op, minimal[op], misc.response)
          expectSameFailure(ours, sdk, misc.name, undefined, misc.sdkName)
        }
      }))
  }

  it.effect("a code the operation does not model keeps its name: ResourceNotFoundException from ListRecords", () =>
    Effect.gen(function*() {
      const { ours, sdk } = yield* runBoth("ListRecords", minimal.ListRecords, {
        status: 404,
        headers: { "x-amzn-ErrorType": "ResourceNotFoundException" },
        body: json({ message: "gone" })
      })
      expectSameFailure(ours, sdk, "ResourceNotFoundException", "gone")
      // Ours carries it as the unmodeled-code error, since ListRecords does not declare it.
      expect(ours.result).toMatchObject({ message: "gone", status: 404 })
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Inputs the two clients treat differently on purpose
// ---------------------------------------------------------------------------------------------------------------

const isValidationError = (outcome: Outcome, path: string): void => {
  expect(outcome.requests, "nothing was sent").toHaveLength(0)
  expect(outcome.result).toMatchObject({ _tag: "Failure", name: "CognitoSyncValidationError" })
  if (outcome.result._tag === "Failure") expect(outcome.result.message).toContain(path)
}

describe("requests: inputs our client refuses before any I/O", () => {
  // WHATWG URL parsing (the platform's HttpClient, fetch, browsers) resolves "." and ".." path segments, even
  // percent-encoded, so these labels cannot reach the intended resource. The official client only gets them
  // through because its Node handler writes the path raw.
  for (const segment of [".", ".."]) {
    it.effect(`DescribeDataset: dataset name ${JSON.stringify(segment)}`, () =>
      Effect.gen(function*() {
        const { ours, sdk } = yield* runBoth("DescribeDataset", { ...dataset, DatasetName: segment }, ok({}))
        expect(only(sdk, "the official client").path).toBe(
          `/identitypools/us-east-1%3A0f1e2d3c-aaaa-bbbb-cccc-000000000000/identities/eu-west-1%3A11111111-2222-3333-4444-555555555555/datasets/${segment}`
        )
        expect(new URL(`${only(sdk, "the official client").path}`, "http://h").pathname, "a URL parser moves it")
          .not.toContain(`/datasets/${segment}`)
        isValidationError(ours, "DatasetName")
      }))
    it.effect(`UnsubscribeFromDataset: device id ${JSON.stringify(segment)}`, () =>
      Effect.gen(function*() {
        const { ours, sdk } = yield* runBoth("UnsubscribeFromDataset", { ...dataset, DeviceId: segment }, ok({}))
        expect(only(sdk, "the official client").path).toMatch(new RegExp(`/subscriptions/\\.{${segment.length}}$`))
        isValidationError(ours, "DeviceId")
      }))
  }

  it.effect("lone surrogates in a label or a query value fail on both clients", () =>
    Effect.gen(function*() {
      const label = yield* runBoth("SubscribeToDataset", { ...dataset, DeviceId: "dev\uD800ice" }, ok({}))
      expect(label.sdk.requests).toHaveLength(0)
      expect(label.sdk.result).toMatchObject({ _tag: "Failure", name: "URIError" })
      isValidationError(label.ours, "DeviceId")

      const query = yield* runBoth("ListRecords", { ...dataset, SyncSessionToken: "\uDC00tok" }, ok({}))
      expect(query.sdk.requests).toHaveLength(0)
      expect(query.sdk.result).toMatchObject({ _tag: "Failure", name: "URIError" })
      isValidationError(query.ours, "SyncSessionToken")
    }))

  it.effect("a lone surrogate in a JSON body is sent escaped, as the official client does", () =>
    Effect.gen(function*() {
      const { ours, sdk } = yield* runBoth("UpdateRecords", {
        ...dataset,
        SyncSessionToken: "t",
        RecordPatches: [{ Op: "replace", Key: "k\uD800", Value: "\uDFFFv", SyncCount: 1 }]
      }, ok({}))
      const sdkRequest = only(sdk, "the official client")
      expectSameRequest(only(ours, "our client"), sdkRequest)
      expect(sdkRequest.body).toContain("\\ud800")
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Property: random valid inputs
// ---------------------------------------------------------------------------------------------------------------

type InputSchemas = {
  readonly [N in OperationName]: {
    readonly input: Schema.Schema<
      CognitoSync.Input<N>,
      Schema.Schema.Encoded<(typeof Operations.operations)[N]["input"]>
    >
    readonly bindings: { readonly [member: string]: Operations.Binding }
  }
}
const inputSchemas: InputSchemas = Operations.operations

const dotSegmentLabel = (op: OperationName, input: object): string | undefined =>
  Object.entries(input).find(([member, value]) =>
    inputSchemas[op].bindings[member]?._tag === "label" && (value === "." || value === "..")
  )?.[0]

const property = <N extends OperationName>(op: N) => {
  it.effect.prop(
    `${op}: random valid inputs encode like the official client`,
    [Arbitrary.make(inputSchemas[op].input)],
    ([input]) =>
      Effect.gen(function*() {
        const { ours, sdk } = yield* runBoth(op, input, ok({}))
        expect(sdk.result._tag, "the official client accepted the input").toBe("Success")
        const sdkRequest = only(sdk, "the official client")
        const dotted = dotSegmentLabel(op, input)
        if (dotted !== undefined) {
          // Refused on purpose (see "inputs our client refuses before any I/O").
          isValidationError(ours, dotted)
          return
        }
        expect(ours.result._tag, "our client accepted the input").toBe("Success")
        expectSameRequest(only(ours, "our client"), sdkRequest)
      }),
    // Inputs made only of pool, identity and dataset ids vary little (their patterns are narrow): fewer runs.
    { fastCheck: { numRuns: idsOnly.has(op) ? 25 : 50 } }
  )
}

const idsOnly: ReadonlySet<OperationName> = new Set(
  names.filter((op) =>
    Object.entries(inputSchemas[op].bindings).every(([member, binding]) =>
      binding._tag === "label" && member !== "DeviceId"
    )
  )
)

describe("property: random valid inputs", () => {
  for (const op of names) property(op)
})
