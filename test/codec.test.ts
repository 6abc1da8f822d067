import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as CognitoSync from "../src/CognitoSync.js"
import * as E from "../src/CognitoSyncError.js"
import * as Operations from "../src/Operations.js"
import {
  awsError,
  DATASET,
  defaultOptions,
  IDENTITY_ID,
  IDENTITY_ID_ENCODED,
  makeFake,
  makeService,
  ok,
  POOL_ID,
  POOL_ID_ENCODED,
  type Reply,
  sampleCalls,
  untyped
} from "./support/fakes.js"

const noRetry = { ...defaultOptions, maxAttempts: 1 }
type Call = (service: CognitoSync.Service) => Effect.Effect<unknown, E.CognitoSyncError>

/** Runs `call` against a fake answering `reply`, without retries; returns the fake and the outcome. */
const exchange = (reply: Reply | ReadonlyArray<Reply>, call: Call) =>
  Effect.gen(function*() {
    const fake = makeFake(reply)
    const service = yield* makeService(fake, noRetry)
    const result = yield* Effect.either(call(service))
    return { fake, result }
  })

const rightOf = <A, E>(result: Either.Either<A, E>): A => {
  if (Either.isLeft(result)) throw new Error(`expected a success, got ${String(result.left)}`)
  return result.right
}

const failureOf = (reply: Reply, call: Call) =>
  Effect.gen(function*() {
    const { result } = yield* exchange(reply, call)
    if (result._tag === "Right") throw new Error(`expected a failure, got ${JSON.stringify(result.right)}`)
    return result.left
  })

const pool = { IdentityPoolId: POOL_ID }
const identity = { IdentityPoolId: POOL_ID, IdentityId: IDENTITY_ID }
const dataset = { ...identity, DatasetName: DATASET }
const poolPath = `/identitypools/${POOL_ID_ENCODED}`
const identityPath = `${poolPath}/identities/${IDENTITY_ID_ENCODED}`
const datasetPath = `${identityPath}/datasets/${DATASET}`
const lambdaArn = "arn:aws:lambda:us-east-1:123456789012:function:sync-trigger"
const appArn = "arn:aws:sns:us-east-1:123456789012:app/GCM/my_app.1-x"
const roleArn = "arn:aws:iam::123456789012:role/CognitoSyncPush"
const t1 = 1412974057.151
const d1 = new Date(1412974057151)

// ---------------------------------------------------------------------------------------------------------------
// Requests and responses of every operation
// ---------------------------------------------------------------------------------------------------------------

interface WireCase {
  readonly operation: Operations.OperationName
  readonly title?: string
  readonly call: Call
  readonly method: "GET" | "POST" | "DELETE"
  readonly path: string
  /** The exact encoded query string, "" for none. */
  readonly search?: string
  /** Headers the request must carry (besides the signature's). */
  readonly headers?: Readonly<Record<string, string>>
  /** Headers the request must not carry. */
  readonly absentHeaders?: ReadonlyArray<string>
  /** The JSON body, or undefined for a request without a body. */
  readonly body?: unknown
  readonly response: unknown
  readonly output: unknown
}

const datasetJson = {
  IdentityId: IDENTITY_ID,
  DatasetName: DATASET,
  CreationDate: t1,
  LastModifiedDate: "1412974058",
  LastModifiedBy: "device-a",
  DataStorage: 12,
  NumRecords: 2
}
const datasetValue = {
  IdentityId: IDENTITY_ID,
  DatasetName: DATASET,
  CreationDate: d1,
  LastModifiedDate: new Date(1412974058000),
  LastModifiedBy: "device-a",
  DataStorage: 12,
  NumRecords: 2
}
const configurationJson = {
  IdentityPoolId: POOL_ID,
  PushSync: { ApplicationArns: [appArn], RoleArn: roleArn },
  CognitoStreams: { StreamName: "stream", RoleArn: roleArn, StreamingStatus: "ENABLED" }
}

const wireCases: ReadonlyArray<WireCase> = [
  {
    operation: "BulkPublish",
    call: (s) => s.bulkPublish(pool),
    method: "POST",
    path: `${poolPath}/bulkpublish`,
    response: { IdentityPoolId: POOL_ID },
    output: { IdentityPoolId: POOL_ID }
  },
  {
    operation: "DeleteDataset",
    call: (s) => s.deleteDataset(dataset),
    method: "DELETE",
    path: datasetPath,
    response: { Dataset: datasetJson },
    output: { Dataset: datasetValue }
  },
  {
    operation: "DescribeDataset",
    call: (s) => s.describeDataset({ ...identity, DatasetName: "a.b:c-d_E9" }),
    method: "GET",
    path: `${identityPath}/datasets/a.b%3Ac-d_E9`,
    response: { Dataset: { ...datasetJson, LastModifiedBy: null, NumRecords: null } },
    output: {
      Dataset: {
        IdentityId: IDENTITY_ID,
        DatasetName: DATASET,
        CreationDate: d1,
        LastModifiedDate: new Date(1412974058000),
        DataStorage: 12
      }
    }
  },
  {
    operation: "DescribeIdentityPoolUsage",
    call: (s) => s.describeIdentityPoolUsage(pool),
    method: "GET",
    path: poolPath,
    // The model's examples write timestamps in exponent form and SyncSessionsCount as null.
    response:
      `{"IdentityPoolUsage":{"IdentityPoolId":"${POOL_ID}","SyncSessionsCount":null,"DataStorage":100,"LastModifiedDate":1.412974057151E9}}`,
    output: { IdentityPoolUsage: { IdentityPoolId: POOL_ID, DataStorage: 100, LastModifiedDate: d1 } }
  },
  {
    operation: "DescribeIdentityUsage",
    call: (s) => s.describeIdentityUsage(identity),
    method: "GET",
    path: identityPath,
    response: {
      IdentityUsage: {
        IdentityId: IDENTITY_ID,
        IdentityPoolId: POOL_ID,
        LastModifiedDate: t1,
        DatasetCount: 3,
        DataStorage: 10
      }
    },
    output: {
      IdentityUsage: {
        IdentityId: IDENTITY_ID,
        IdentityPoolId: POOL_ID,
        LastModifiedDate: d1,
        DatasetCount: 3,
        DataStorage: 10
      }
    }
  },
  {
    operation: "GetBulkPublishDetails",
    call: (s) => s.getBulkPublishDetails(pool),
    method: "POST",
    path: `${poolPath}/getBulkPublishDetails`,
    response: {
      IdentityPoolId: POOL_ID,
      BulkPublishStartTime: t1,
      BulkPublishCompleteTime: "1412974060.5",
      BulkPublishStatus: "SUCCEEDED",
      FailureMessage: null
    },
    output: {
      IdentityPoolId: POOL_ID,
      BulkPublishStartTime: d1,
      BulkPublishCompleteTime: new Date(1412974060500),
      BulkPublishStatus: "SUCCEEDED"
    }
  },
  {
    operation: "GetCognitoEvents",
    call: (s) => s.getCognitoEvents(pool),
    method: "GET",
    path: `${poolPath}/events`,
    response: { Events: { SyncTrigger: lambdaArn } },
    output: { Events: { SyncTrigger: lambdaArn } }
  },
  {
    operation: "GetIdentityPoolConfiguration",
    call: (s) => s.getIdentityPoolConfiguration(pool),
    method: "GET",
    path: `${poolPath}/configuration`,
    response: configurationJson,
    output: configurationJson
  },
  {
    operation: "ListDatasets",
    call: (s) => s.listDatasets({ ...identity, NextToken: "n/1+=", MaxResults: 10 }),
    method: "GET",
    path: `${identityPath}/datasets`,
    search: "nextToken=n%2F1%2B%3D&maxResults=10",
    response: { Datasets: [datasetJson], Count: 1, NextToken: "n2" },
    output: { Datasets: [datasetValue], Count: 1, NextToken: "n2" }
  },
  {
    operation: "ListDatasets",
    title: "without paging members: no query string",
    call: (s) => s.listDatasets(identity),
    method: "GET",
    path: `${identityPath}/datasets`,
    search: "",
    response: { Datasets: [], Count: 0 },
    output: { Datasets: [], Count: 0 }
  },
  {
    operation: "ListIdentityPoolUsage",
    call: (s) => s.listIdentityPoolUsage({ NextToken: "a b", MaxResults: 60 }),
    method: "GET",
    path: "/identitypools",
    search: "nextToken=a%20b&maxResults=60",
    response: {
      IdentityPoolUsages: [{ IdentityPoolId: POOL_ID, SyncSessionsCount: 5, DataStorage: 7, LastModifiedDate: t1 }],
      MaxResults: 60,
      Count: 1,
      NextToken: null
    },
    output: {
      IdentityPoolUsages: [{ IdentityPoolId: POOL_ID, SyncSessionsCount: 5, DataStorage: 7, LastModifiedDate: d1 }],
      MaxResults: 60,
      Count: 1
    }
  },
  {
    operation: "ListIdentityPoolUsage",
    title: "with no input members",
    call: (s) => s.listIdentityPoolUsage({}),
    method: "GET",
    path: "/identitypools",
    search: "",
    response: {},
    output: {}
  },
  {
    operation: "ListRecords",
    call: (s) =>
      s.listRecords({
        ...dataset,
        LastSyncCount: 5,
        NextToken: "n",
        MaxResults: 10,
        SyncSessionToken: "s:t/+"
      }),
    method: "GET",
    path: `${datasetPath}/records`,
    search: "lastSyncCount=5&nextToken=n&maxResults=10&syncSessionToken=s%3At%2F%2B",
    response:
      `{"Records":[{"Key":"k","Value":"v","SyncCount":2,"LastModifiedDate":1.412974057151E9,"LastModifiedBy":"x","DeviceLastModifiedDate":1412974057.5},{"Key":"gone","SyncCount":3,"Value":null}],"Count":2,"DatasetSyncCount":7,"DatasetExists":true,"DatasetDeletedAfterRequestedSyncCount":false,"LastModifiedBy":"x","SyncSessionToken":"t2","MergedDatasetNames":null,"NextToken":null}`,
    output: {
      Records: [
        {
          Key: "k",
          Value: "v",
          SyncCount: 2,
          LastModifiedDate: d1,
          LastModifiedBy: "x",
          DeviceLastModifiedDate: new Date(1412974057500)
        },
        { Key: "gone", SyncCount: 3 }
      ],
      Count: 2,
      DatasetSyncCount: 7,
      DatasetExists: true,
      DatasetDeletedAfterRequestedSyncCount: false,
      LastModifiedBy: "x",
      SyncSessionToken: "t2"
    }
  },
  {
    operation: "ListRecords",
    title: "LastSyncCount 0 is sent",
    call: (s) => s.listRecords({ ...dataset, LastSyncCount: 0 }),
    method: "GET",
    path: `${datasetPath}/records`,
    search: "lastSyncCount=0",
    response: { Records: [], DatasetSyncCount: 0, DatasetExists: false },
    output: { Records: [], DatasetSyncCount: 0, DatasetExists: false }
  },
  {
    operation: "RegisterDevice",
    call: (s) => s.registerDevice({ ...identity, Platform: "GCM", Token: "pushtok" }),
    method: "POST",
    path: `${poolPath}/identity/${IDENTITY_ID_ENCODED}/device`,
    body: { Platform: "GCM", Token: "pushtok" },
    response: { DeviceId: "device-1" },
    output: { DeviceId: "device-1" }
  },
  {
    operation: "SetCognitoEvents",
    call: (s) => s.setCognitoEvents({ ...pool, Events: { SyncTrigger: lambdaArn } }),
    method: "POST",
    path: `${poolPath}/events`,
    body: { Events: { SyncTrigger: lambdaArn } },
    response: "",
    output: {}
  },
  {
    operation: "SetIdentityPoolConfiguration",
    call: (s) =>
      s.setIdentityPoolConfiguration({
        ...pool,
        PushSync: { ApplicationArns: [appArn], RoleArn: roleArn },
        CognitoStreams: { StreamName: "stream", RoleArn: roleArn, StreamingStatus: "ENABLED" }
      }),
    method: "POST",
    path: `${poolPath}/configuration`,
    body: {
      PushSync: { ApplicationArns: [appArn], RoleArn: roleArn },
      CognitoStreams: { StreamName: "stream", RoleArn: roleArn, StreamingStatus: "ENABLED" }
    },
    response: configurationJson,
    output: configurationJson
  },
  {
    operation: "SetIdentityPoolConfiguration",
    title: "only CognitoStreams",
    call: (s) => s.setIdentityPoolConfiguration({ ...pool, CognitoStreams: { StreamingStatus: "DISABLED" } }),
    method: "POST",
    path: `${poolPath}/configuration`,
    body: { CognitoStreams: { StreamingStatus: "DISABLED" } },
    response: { IdentityPoolId: POOL_ID, CognitoStreams: { StreamingStatus: "DISABLED" }, PushSync: null },
    output: { IdentityPoolId: POOL_ID, CognitoStreams: { StreamingStatus: "DISABLED" } }
  },
  {
    operation: "SubscribeToDataset",
    call: (s) => s.subscribeToDataset({ ...dataset, DeviceId: "device/1:x y" }),
    method: "POST",
    path: `${datasetPath}/subscriptions/device%2F1%3Ax%20y`,
    response: {},
    output: {}
  },
  {
    operation: "UnsubscribeFromDataset",
    call: (s) => s.unsubscribeFromDataset({ ...dataset, DeviceId: "device-1" }),
    method: "DELETE",
    path: `${datasetPath}/subscriptions/device-1`,
    response: "",
    output: {}
  },
  {
    operation: "UpdateRecords",
    call: (s) =>
      s.updateRecords({
        ...dataset,
        SyncSessionToken: "sst",
        DeviceId: "dev-1",
        ClientContext: "ctx-value",
        RecordPatches: [
          { Op: "replace", Key: "k", SyncCount: 0, Value: "v", DeviceLastModifiedDate: d1 },
          { Op: "remove", Key: "k2", SyncCount: 3 }
        ]
      }),
    method: "POST",
    path: datasetPath,
    headers: { "x-amz-client-context": "ctx-value" },
    body: {
      SyncSessionToken: "sst",
      DeviceId: "dev-1",
      RecordPatches: [
        { Op: "replace", Key: "k", SyncCount: 0, Value: "v", DeviceLastModifiedDate: t1 },
        { Op: "remove", Key: "k2", SyncCount: 3 }
      ]
    },
    response: { Records: [{ Key: "k", Value: "v", SyncCount: 1, LastModifiedDate: t1, LastModifiedBy: "dev-1" }] },
    output: { Records: [{ Key: "k", Value: "v", SyncCount: 1, LastModifiedDate: d1, LastModifiedBy: "dev-1" }] }
  },
  {
    operation: "UpdateRecords",
    title: "only the required members: no header, body without unset members",
    call: (s) => s.updateRecords({ ...dataset, SyncSessionToken: "sst" }),
    method: "POST",
    path: datasetPath,
    absentHeaders: ["x-amz-client-context"],
    body: { SyncSessionToken: "sst" },
    response: { Records: [] },
    output: { Records: [] }
  }
]

describe("codec: requests and responses", () => {
  it("covers all 17 operations", () => {
    expect(new Set(wireCases.map((c) => c.operation))).toEqual(new Set(Object.keys(Operations.operations)))
    expect(Operations.all).toHaveLength(17)
  })

  for (const wire of wireCases) {
    it.effect(`${wire.operation}${wire.title === undefined ? "" : ` (${wire.title})`}`, () =>
      Effect.gen(function*() {
        const { fake, result } = yield* exchange(
          ok(wire.response, { "x-amzn-requestid": "rid" }),
          wire.call
        )
        expect(fake.count()).toBe(1)
        const request = fake.last()
        expect(request.method).toBe(wire.method)
        expect(request.origin).toBe("https://cognito-sync.us-east-1.amazonaws.com")
        expect(request.path).toBe(wire.path)
        if (wire.search !== undefined) {
          expect(request.search).toBe(wire.search)
          expect(request.url.includes("?")).toBe(wire.search !== "")
        }
        if (wire.body === undefined) {
          expect(request.body).toBeUndefined()
          expect(request.headers["content-type"]).toBeUndefined()
        } else {
          expect(request.body).toBeDefined()
          expect(JSON.parse(request.body ?? "null")).toEqual(wire.body)
          expect(request.headers["content-type"]).toBe("application/json")
        }
        for (const [name, value] of Object.entries(wire.headers ?? {})) expect(request.headers[name]).toBe(value)
        for (const name of wire.absentHeaders ?? []) expect(request.headers[name]).toBeUndefined()
        expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=/)
        expect(rightOf(result)).toEqual(wire.output)
      }))
  }

  it.effect("writes timestamps as epoch seconds and keeps every member name as in the API", () =>
    Effect.gen(function*() {
      const { fake } = yield* exchange(ok({ Records: [] }), (s) =>
        s.updateRecords({
          ...dataset,
          SyncSessionToken: "sst",
          RecordPatches: [{ Op: "replace", Key: "k", SyncCount: 0, Value: "", DeviceLastModifiedDate: d1 }]
        }))
      const body = fake.last().body ?? ""
      expect(body).toContain(`"DeviceLastModifiedDate":1412974057.151`)
      expect(body).toContain(`"Value":""`)
      expect(body).toContain(`"SyncSessionToken":"sst"`)
    }))

  it.effect("percent-encodes labels as single segments, ':' as %3A", () =>
    Effect.gen(function*() {
      const { fake } = yield* exchange(ok({}), (s) =>
        s.describeDataset({
          IdentityPoolId: "eu-west-1:abc-0",
          IdentityId: "eu_west_1:0-f",
          DatasetName: "My.Data:set-1_x"
        }))
      expect(fake.last().path).toBe(
        "/identitypools/eu-west-1%3Aabc-0/identities/eu_west_1%3A0-f/datasets/My.Data%3Aset-1_x"
      )
    }))

  it.effect("sends the x-amz-Client-Context value unchanged", () =>
    Effect.gen(function*() {
      const context = "eyJjbGllbnQiOnt9fQ==; and spaces"
      const { fake } = yield* exchange(ok({}), (s) =>
        s.updateRecords({ ...dataset, SyncSessionToken: "t", ClientContext: context }))
      expect(fake.last().headers["x-amz-client-context"]).toBe(context)
    }))

  it.effect("ignores members the model does not know", () =>
    Effect.gen(function*() {
      const { result } = yield* exchange(ok({ DeviceId: "d", Surprise: { nested: [1] } }), (s) =>
        s.registerDevice({ ...identity, Platform: "APNS", Token: "t" }))
      expect(rightOf(result)).toEqual({ DeviceId: "d" })
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Error answers
// ---------------------------------------------------------------------------------------------------------------

const describeCall: Call = (s) => s.describeDataset(dataset)

describe("codec: error answers", () => {
  const forms: ReadonlyArray<readonly [string, Reply]> = [
    ["x-amzn-ErrorType with the bare name", awsError(404, "ResourceNotFoundException", "gone", { form: "bare" })],
    ["x-amzn-ErrorType with ':uri'", awsError(404, "ResourceNotFoundException", "gone", { form: "uri" })],
    ["x-amzn-ErrorType with ',extra'", {
      status: 404,
      headers: { "x-amzn-errortype": "ResourceNotFoundException,extra", "x-amzn-requestid": "req-error-1" },
      body: { message: "gone" }
    }],
    ["body code", {
      status: 404,
      headers: { "x-amzn-requestid": "req-error-1" },
      body: { code: "ResourceNotFoundException", message: "gone" }
    }],
    ["body Code", {
      status: 404,
      headers: { "x-amzn-requestid": "req-error-1" },
      body: { Code: "ResourceNotFoundException", message: "gone" }
    }],
    ["body __type as ns#Name", {
      status: 404,
      headers: { "x-amzn-requestid": "req-error-1" },
      body: { __type: "com.amazonaws.cognito.sync.model#ResourceNotFoundException", message: "gone" }
    }],
    ["body __type as Name:uri", {
      status: 404,
      headers: { "x-amzn-requestid": "req-error-1" },
      body: { __type: "ResourceNotFoundException:http://internal.amazon.com/coral/x/", message: "gone" }
    }],
    ["message in Message", {
      status: 404,
      headers: { "x-amzn-errortype": "ResourceNotFoundException", "x-amzn-requestid": "req-error-1" },
      body: { Message: "gone" }
    }]
  ]

  for (const [title, reply] of forms) {
    it.effect(`reads the code from ${title}`, () =>
      Effect.gen(function*() {
        const error = yield* failureOf(reply, describeCall)
        expect(error).toBeInstanceOf(E.ResourceNotFoundException)
        expect(error).toMatchObject({
          _tag: "ResourceNotFoundException",
          message: "gone",
          status: 404,
          requestId: "req-error-1"
        })
      }))
  }

  it.effect("the header wins over the body's code and __type", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({
        status: 400,
        headers: { "x-amzn-errortype": "InvalidParameterException" },
        body: { code: "ResourceNotFoundException", __type: "x#NotAuthorizedException", message: "bad" }
      }, describeCall)
      expect(error._tag).toBe("InvalidParameterException")
    }))

  it.effect("body code wins over __type", () =>
    Effect.gen(function*() {
      const error = yield* failureOf(
        { status: 403, body: { __type: "x#ResourceNotFoundException", code: "NotAuthorizedException" } },
        describeCall
      )
      expect(error._tag).toBe("NotAuthorizedException")
    }))

  it.effect("keeps the answer's status even when it differs from the model's", () =>
    Effect.gen(function*() {
      const error = yield* failureOf(awsError(401, "NotAuthorizedException", "no"), describeCall)
      expect(error).toMatchObject({ _tag: "NotAuthorizedException", status: 401, message: "no" })
    }))

  it.effect("has no request id when the answer has none, and a message naming the code when the body has none", () =>
    Effect.gen(function*() {
      const error = yield* failureOf(
        { status: 400, headers: { "x-amzn-errortype": "InvalidParameterException" }, body: "" },
        describeCall
      )
      expect(error._tag).toBe("InvalidParameterException")
      expect(error).toHaveProperty("requestId", undefined)
      expect(error.message).toContain("InvalidParameterException")
      expect(error.message).toContain("400")
    }))

  it.effect("an answer with no code at all is CognitoSyncServiceError 'Unknown' with its status", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ status: 418, body: { message: "teapot" } }, describeCall)
      expect(error).toBeInstanceOf(E.CognitoSyncServiceError)
      expect(error).toMatchObject({ code: "Unknown", status: 418, message: "teapot" })
    }))
})

describe("codec: malformed answers", () => {
  const listRecords: Call = (s) => s.listRecords({ ...dataset, LastSyncCount: 0 })

  const malformed: ReadonlyArray<readonly [string, unknown, string?]> = [
    ["a non-JSON body", "<html>Service Unavailable</html>"],
    ["truncated JSON", `{"Records":[{"Key":"k"`],
    ["a JSON array", [{ Records: [] }]],
    ["JSON null", "null"],
    ["a JSON string", `"ok"`],
    ["a JSON number", "42"],
    ["Records that is not a list", { Records: "nope" }, "Records"],
    ["a SyncCount that is a string", { Records: [{ Key: "k", SyncCount: "2" }] }, "Records.0.SyncCount"],
    ["a negative DatasetSyncCount", { DatasetSyncCount: -1 }, "DatasetSyncCount"],
    ["a fractional Count", { Count: 1.5 }, "Count"],
    ["a boolean given as a string", { DatasetExists: "true" }, "DatasetExists"],
    [
      "an unreadable timestamp",
      { Records: [{ Key: "k", LastModifiedDate: "yesterday" }] },
      "Records.0.LastModifiedDate"
    ],
    ["a Key that is a number", { Records: [{ Key: 7 }] }, "Records.0.Key"],
    ["MergedDatasetNames with a number", { MergedDatasetNames: ["a", 1] }, "MergedDatasetNames.1"]
  ]

  for (const [title, body, path] of malformed) {
    it.effect(`200 with ${title} is CognitoSyncDecodeError`, () =>
      Effect.gen(function*() {
        const { fake, result } = yield* exchange(
          { status: 200, headers: { "x-amzn-requestid": "rid-7" }, body },
          listRecords
        )
        expect(fake.count()).toBe(1)
        expect(result._tag).toBe("Left")
        if (result._tag === "Right") return
        expect(result.left).toBeInstanceOf(E.CognitoSyncDecodeError)
        expect(result.left).toMatchObject({ operation: "ListRecords", status: 200, requestId: "rid-7" })
        if (path !== undefined) expect(result.left.message).toContain(path)
      }))
  }

  it.effect("200 with an empty body reads as an output with no members", () =>
    Effect.gen(function*() {
      const { result } = yield* exchange({ status: 200, body: "" }, listRecords)
      expect(rightOf(result)).toEqual({})
    }))

  for (const status of [400, 403, 502]) {
    it.effect(`${status} with an HTML body is CognitoSyncServiceError 'Unknown' with the status`, () =>
      Effect.gen(function*() {
        const error = yield* failureOf(
          { status, headers: { "content-type": "text/html", "x-amzn-requestid": "rid-h" }, body: "<html>oops</html>" },
          listRecords
        )
        expect(error).toBeInstanceOf(E.CognitoSyncServiceError)
        expect(error).toMatchObject({ code: "Unknown", status, requestId: "rid-h" })
      }))
  }

  it.effect("an error status with a JSON array body is 'Unknown'", () =>
    Effect.gen(function*() {
      const error = yield* failureOf({ status: 400, body: [{ code: "InvalidParameterException" }] }, listRecords)
      expect(error).toMatchObject({ _tag: "CognitoSyncServiceError", code: "Unknown", status: 400 })
    }))

  it.effect("an error header with a non-JSON body still gives the modeled error", () =>
    Effect.gen(function*() {
      const error = yield* failureOf(
        { status: 400, headers: { "x-amzn-errortype": "InvalidParameterException" }, body: "Bad Request" },
        listRecords
      )
      expect(error).toBeInstanceOf(E.InvalidParameterException)
      expect(error).toMatchObject({ status: 400 })
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Unmodeled codes
// ---------------------------------------------------------------------------------------------------------------

type Abbrev = "NA" | "IP" | "RNF" | "IE" | "TMR" | "RC" | "IC" | "LE" | "ILFO" | "LT" | "CM" | "DR" | "AS"
const names: { readonly [K in Abbrev]: E.ModeledErrorName } = {
  NA: "NotAuthorizedException",
  IP: "InvalidParameterException",
  RNF: "ResourceNotFoundException",
  IE: "InternalErrorException",
  TMR: "TooManyRequestsException",
  RC: "ResourceConflictException",
  IC: "InvalidConfigurationException",
  LE: "LimitExceededException",
  ILFO: "InvalidLambdaFunctionOutputException",
  LT: "LambdaThrottledException",
  CM: "ConcurrentModificationException",
  DR: "DuplicateRequestException",
  AS: "AlreadyStreamedException"
}

/** The modeled errors of each operation, copied from the spec's §2.2 table. */
const specErrors: { readonly [Name in Operations.OperationName]: ReadonlyArray<Abbrev> } = {
  BulkPublish: ["NA", "IP", "RNF", "IE", "DR", "AS"],
  DeleteDataset: ["NA", "IP", "RNF", "IE", "TMR", "RC"],
  DescribeDataset: ["NA", "IP", "RNF", "IE", "TMR"],
  DescribeIdentityPoolUsage: ["NA", "IP", "RNF", "IE", "TMR"],
  DescribeIdentityUsage: ["NA", "IP", "RNF", "IE", "TMR"],
  GetBulkPublishDetails: ["NA", "IP", "RNF", "IE"],
  GetCognitoEvents: ["IP", "RNF", "NA", "IE", "TMR"],
  GetIdentityPoolConfiguration: ["NA", "IP", "RNF", "IE", "TMR"],
  ListDatasets: ["NA", "IP", "IE", "TMR"],
  ListIdentityPoolUsage: ["NA", "IP", "IE", "TMR"],
  ListRecords: ["IP", "NA", "TMR", "IE"],
  RegisterDevice: ["NA", "IP", "RNF", "IE", "IC", "TMR"],
  SetCognitoEvents: ["IP", "RNF", "NA", "IE", "TMR"],
  SetIdentityPoolConfiguration: ["NA", "IP", "RNF", "IE", "TMR", "CM"],
  SubscribeToDataset: ["NA", "IP", "RNF", "IE", "IC", "TMR"],
  UnsubscribeFromDataset: ["NA", "IP", "RNF", "IE", "IC", "TMR"],
  UpdateRecords: ["IP", "LE", "NA", "RNF", "RC", "ILFO", "LT", "TMR", "IE"]
}

describe("codec: unmodeled codes", () => {
  it.effect("ResourceNotFoundException from ListRecords is CognitoSyncServiceError with the code set", () =>
    Effect.gen(function*() {
      const error = yield* failureOf(
        awsError(404, "ResourceNotFoundException", "no dataset", { requestId: "r-404" }),
        (s) => s.listRecords({ ...dataset, LastSyncCount: 0 })
      )
      expect(error).toBeInstanceOf(E.CognitoSyncServiceError)
      expect(error).toMatchObject({
        _tag: "CognitoSyncServiceError",
        code: "ResourceNotFoundException",
        message: "no dataset",
        status: 404,
        requestId: "r-404"
      })
      expect(E.errorCode(error as E.ServiceError)).toBe("ResourceNotFoundException")
    }))

  for (
    const [code, status] of [
      ["UnrecognizedClientException", 400],
      ["InvalidSignatureException", 403],
      ["ExpiredTokenException", 403],
      ["NotAuthorizedError", 403] // the awsQueryError code, which the service does not use
    ] as const
  ) {
    it.effect(`${code} is CognitoSyncServiceError`, () =>
      Effect.gen(function*() {
        const error = yield* failureOf(awsError(status, code, "nope"), describeCall)
        expect(error).toMatchObject({ _tag: "CognitoSyncServiceError", code, status, message: "nope" })
        expect(E.isServiceError(error)).toBe(true)
      }))
  }

  it("the operation table lists the spec's modeled errors for every operation", () => {
    for (const op of Operations.all) {
      const expected = specErrors[op.name as Operations.OperationName].map((abbrev) => names[abbrev])
      expect([...op.errors.map((error) => error._tag)].sort(), op.name).toEqual([...expected].sort())
    }
  })

  it.effect("every operation decodes exactly its modeled errors; any other modeled name stays unmodeled", () =>
    Effect.gen(function*() {
      const mismatches: Array<string> = []
      for (const sample of sampleCalls) {
        const modeled = new Set(specErrors[sample.operation].map((abbrev) => names[abbrev]))
        for (const errorClass of E.modeledErrors) {
          const code = errorClass._tag
          const error = yield* failureOf(awsError(E.modeledStatus[code], code, "m", { requestId: "r" }), sample.call)
          const fine = modeled.has(code)
            ? error instanceof errorClass && error._tag === code
            : error instanceof E.CognitoSyncServiceError && error.code === code &&
              !E.modeledErrors.some((other) => error instanceof other)
          if (!fine || !("status" in error) || error.status !== E.modeledStatus[code]) {
            mismatches.push(`${sample.operation} ${code} -> ${error._tag}`)
          }
        }
      }
      expect(mismatches).toEqual([])
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Input validation: at and past every constraint
// ---------------------------------------------------------------------------------------------------------------

const poolOfLength = (length: number) => `us-east-1:${"0".repeat(length - 10)}`
const roleOfLength = (length: number) => {
  const prefix = "arn:aws:iam::123456789012:role/"
  return prefix + "r".repeat(length - prefix.length)
}

interface Invalid {
  readonly title: string
  readonly call: Call
  readonly operation: Operations.OperationName
  readonly path: string
}

const patch = { Op: "replace", Key: "k", Value: "v", SyncCount: 0 } as const
const update = (patches: ReadonlyArray<unknown>): Call => (s) =>
  s.updateRecords(untyped<"UpdateRecords">({ ...dataset, SyncSessionToken: "t", RecordPatches: patches }))
const setConfig = (input: object): Call => (s) =>
  s.setIdentityPoolConfiguration(untyped<"SetIdentityPoolConfiguration">({ ...pool, ...input }))

const invalid: ReadonlyArray<Invalid> = [
  // IdentityPoolId / IdentityId
  {
    title: "IdentityPoolId of 56 characters",
    call: (s) => s.describeIdentityPoolUsage({ IdentityPoolId: poolOfLength(56) }),
    operation: "DescribeIdentityPoolUsage",
    path: "IdentityPoolId"
  },
  {
    title: "empty IdentityPoolId",
    call: (s) => s.bulkPublish({ IdentityPoolId: "" }),
    operation: "BulkPublish",
    path: "IdentityPoolId"
  },
  ...["us-east-1-0f1e", "us-east-1:0F1E", "us east 1:0f1e", "us-east-1:0f1e:12", ":0f1e", "us-east-1:", "us-east-1:xyz"]
    .map((id): Invalid => ({
      title: `IdentityPoolId ${JSON.stringify(id)} (pattern)`,
      call: (s) => s.getCognitoEvents({ IdentityPoolId: id }),
      operation: "GetCognitoEvents",
      path: "IdentityPoolId"
    })),
  {
    title: "IdentityId of 56 characters",
    call: (s) => s.describeIdentityUsage({ IdentityPoolId: POOL_ID, IdentityId: poolOfLength(56) }),
    operation: "DescribeIdentityUsage",
    path: "IdentityId"
  },
  {
    title: "IdentityId without a colon",
    call: (s) => s.listDatasets({ IdentityPoolId: POOL_ID, IdentityId: "us-east-1_abc" }),
    operation: "ListDatasets",
    path: "IdentityId"
  },
  {
    title: "IdentityId with upper-case hex",
    call: (s) =>
      s.registerDevice({ IdentityPoolId: POOL_ID, IdentityId: "us-east-1:ABC", Platform: "GCM", Token: "t" }),
    operation: "RegisterDevice",
    path: "IdentityId"
  },
  // DatasetName
  {
    title: "DatasetName of 129 characters",
    call: (s) => s.describeDataset({ ...identity, DatasetName: "d".repeat(129) }),
    operation: "DescribeDataset",
    path: "DatasetName"
  },
  {
    title: "empty DatasetName",
    call: (s) => s.deleteDataset({ ...identity, DatasetName: "" }),
    operation: "DeleteDataset",
    path: "DatasetName"
  },
  ...[" ", "/", "+", "#", "%", "*", "@", "~", "é", "\n", "?", "&", "="].map((char): Invalid => ({
    title: `DatasetName with ${JSON.stringify(char)}`,
    call: (s) => s.listRecords({ ...identity, DatasetName: `a${char}b` }),
    operation: "ListRecords",
    path: "DatasetName"
  })),
  // "." and ".." are valid names, but URL parsers would resolve them as dot segments
  ...[".", ".."].map((name): Invalid => ({
    title: `DatasetName ${JSON.stringify(name)} (a dot segment)`,
    call: (s) => s.deleteDataset({ ...identity, DatasetName: name }),
    operation: "DeleteDataset",
    path: "DatasetName"
  })),
  {
    title: "DeviceId label '..'",
    call: (s) => s.unsubscribeFromDataset({ ...dataset, DeviceId: ".." }),
    operation: "UnsubscribeFromDataset",
    path: "DeviceId"
  },
  // DeviceId
  {
    title: "DeviceId label of 257 characters",
    call: (s) => s.subscribeToDataset({ ...dataset, DeviceId: "d".repeat(257) }),
    operation: "SubscribeToDataset",
    path: "DeviceId"
  },
  {
    title: "empty DeviceId label",
    call: (s) => s.unsubscribeFromDataset({ ...dataset, DeviceId: "" }),
    operation: "UnsubscribeFromDataset",
    path: "DeviceId"
  },
  {
    title: "DeviceId body member of 257 characters",
    call: (s) => s.updateRecords({ ...dataset, SyncSessionToken: "t", DeviceId: "d".repeat(257) }),
    operation: "UpdateRecords",
    path: "DeviceId"
  },
  // RecordPatch
  {
    title: "RecordKey of 1025 characters",
    call: update([{ ...patch, Key: "k".repeat(1025) }]),
    operation: "UpdateRecords",
    path: "RecordPatches.0.Key"
  },
  {
    title: "empty RecordKey in the second patch",
    call: update([patch, { ...patch, Key: "" }]),
    operation: "UpdateRecords",
    path: "RecordPatches.1.Key"
  },
  {
    title: "RecordValue of 1048576 characters",
    call: update([{ ...patch, Value: "v".repeat(1048576) }]),
    operation: "UpdateRecords",
    path: "RecordPatches.0.Value"
  },
  ...[-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "1", null].map((count): Invalid => ({
    title: `SyncCount ${String(count)}`,
    call: update([{ ...patch, SyncCount: count }]),
    operation: "UpdateRecords",
    path: "RecordPatches.0.SyncCount"
  })),
  ...["update", "REPLACE", "", 1].map((op): Invalid => ({
    title: `Op ${JSON.stringify(op)}`,
    call: update([{ ...patch, Op: op }]),
    operation: "UpdateRecords",
    path: "RecordPatches.0.Op"
  })),
  {
    title: "an invalid DeviceLastModifiedDate",
    call: update([{ ...patch, DeviceLastModifiedDate: new Date(Number.NaN) }]),
    operation: "UpdateRecords",
    path: "RecordPatches.0.DeviceLastModifiedDate"
  },
  {
    title: "a patch without SyncCount",
    call: update([{ Op: "remove", Key: "k" }]),
    operation: "UpdateRecords",
    path: "RecordPatches.0.SyncCount"
  },
  {
    title: "a patch without Key",
    call: update([{ Op: "remove", SyncCount: 1 }]),
    operation: "UpdateRecords",
    path: "RecordPatches.0.Key"
  },
  {
    title: "a patch without Op",
    call: update([{ Key: "k", SyncCount: 1 }]),
    operation: "UpdateRecords",
    path: "RecordPatches.0.Op"
  },
  {
    title: "LastSyncCount -1",
    call: (s) => s.listRecords({ ...dataset, LastSyncCount: -1 }),
    operation: "ListRecords",
    path: "LastSyncCount"
  },
  {
    title: "LastSyncCount 1.5",
    call: (s) => s.listRecords({ ...dataset, LastSyncCount: 1.5 }),
    operation: "ListRecords",
    path: "LastSyncCount"
  },
  {
    title: "MaxResults 1.5",
    call: (s) => s.listDatasets({ ...identity, MaxResults: 1.5 }),
    operation: "ListDatasets",
    path: "MaxResults"
  },
  {
    title: "MaxResults as a string",
    call: (s) => s.listIdentityPoolUsage(untyped<"ListIdentityPoolUsage">({ MaxResults: "10" })),
    operation: "ListIdentityPoolUsage",
    path: "MaxResults"
  },
  // Platform
  ...["FCM", "gcm", "", "APNS_PRODUCTION"].map((platform): Invalid => ({
    title: `Platform ${JSON.stringify(platform)}`,
    call: (s) => s.registerDevice(untyped<"RegisterDevice">({ ...identity, Platform: platform, Token: "t" })),
    operation: "RegisterDevice",
    path: "Platform"
  })),
  // Events
  {
    title: "Events with 2 entries",
    call: (s) => s.setCognitoEvents({ ...pool, Events: { SyncTrigger: lambdaArn, Other: lambdaArn } }),
    operation: "SetCognitoEvents",
    path: "Events"
  },
  {
    title: "an Events value that is not a string",
    call: (s) => s.setCognitoEvents(untyped<"SetCognitoEvents">({ ...pool, Events: { SyncTrigger: 1 } })),
    operation: "SetCognitoEvents",
    path: "Events.SyncTrigger"
  },
  // PushSync / CognitoStreams
  {
    title: "PushSync.RoleArn of 2049 characters",
    call: setConfig({ PushSync: { RoleArn: roleOfLength(2049) } }),
    operation: "SetIdentityPoolConfiguration",
    path: "PushSync.RoleArn"
  },
  {
    title: "PushSync.RoleArn of 19 characters",
    call: setConfig({ PushSync: { RoleArn: "arn:aws:iam::1:role" } }),
    operation: "SetIdentityPoolConfiguration",
    path: "PushSync.RoleArn"
  },
  ...[
    "arn:aws-cn:iam::123456789012:role/x",
    "arn:aws:iam::abc:role/rolename",
    "arn:aws:iam::123456789012:user/someone",
    "xarn:aws:iam::123456789012:role/x"
  ].map((arn): Invalid => ({
    title: `CognitoStreams.RoleArn ${arn}`,
    call: setConfig({ CognitoStreams: { RoleArn: arn } }),
    operation: "SetIdentityPoolConfiguration",
    path: "CognitoStreams.RoleArn"
  })),
  ...[
    "arn:aws:sns:us-east-1:123456789012:app/gcm/my-app",
    "arn:aws:sns:us-east-1:123456789012:app/GCM/my-app/extra",
    "arn:aws:sns:US-EAST-1:123456789012:app/GCM/my-app",
    "arn:aws:sns:us-east-1:acct:app/GCM/my-app",
    "arn:aws:sns:us-east-1:123456789012:app/GCM/my app",
    "arn:aws:sqs:us-east-1:123456789012:app/GCM/my-app"
  ].map((arn): Invalid => ({
    title: `ApplicationArns item ${arn}`,
    call: setConfig({ PushSync: { ApplicationArns: [appArn, arn] } }),
    operation: "SetIdentityPoolConfiguration",
    path: "PushSync.ApplicationArns.1"
  })),
  {
    title: "StreamName of 129 characters",
    call: setConfig({ CognitoStreams: { StreamName: "s".repeat(129) } }),
    operation: "SetIdentityPoolConfiguration",
    path: "CognitoStreams.StreamName"
  },
  {
    title: "empty StreamName",
    call: setConfig({ CognitoStreams: { StreamName: "" } }),
    operation: "SetIdentityPoolConfiguration",
    path: "CognitoStreams.StreamName"
  },
  {
    title: "StreamingStatus PAUSED",
    call: setConfig({ CognitoStreams: { StreamingStatus: "PAUSED" } }),
    operation: "SetIdentityPoolConfiguration",
    path: "CognitoStreams.StreamingStatus"
  },
  // Missing required members
  {
    title: "BulkPublish without IdentityPoolId",
    call: (s) => s.bulkPublish(untyped<"BulkPublish">({})),
    operation: "BulkPublish",
    path: "IdentityPoolId"
  },
  {
    title: "ListRecords without DatasetName",
    call: (s) => s.listRecords(untyped<"ListRecords">(identity)),
    operation: "ListRecords",
    path: "DatasetName"
  },
  {
    title: "UpdateRecords without SyncSessionToken",
    call: (s) => s.updateRecords(untyped<"UpdateRecords">(dataset)),
    operation: "UpdateRecords",
    path: "SyncSessionToken"
  },
  {
    title: "RegisterDevice without Token",
    call: (s) => s.registerDevice(untyped<"RegisterDevice">({ ...identity, Platform: "GCM" })),
    operation: "RegisterDevice",
    path: "Token"
  },
  {
    title: "RegisterDevice without Platform",
    call: (s) => s.registerDevice(untyped<"RegisterDevice">({ ...identity, Token: "t" })),
    operation: "RegisterDevice",
    path: "Platform"
  },
  {
    title: "SetCognitoEvents without Events",
    call: (s) => s.setCognitoEvents(untyped<"SetCognitoEvents">(pool)),
    operation: "SetCognitoEvents",
    path: "Events"
  },
  {
    title: "SubscribeToDataset without DeviceId",
    call: (s) => s.subscribeToDataset(untyped<"SubscribeToDataset">(dataset)),
    operation: "SubscribeToDataset",
    path: "DeviceId"
  },
  {
    title: "an input that is not an object",
    call: (s) => s.describeDataset(untyped<"DescribeDataset">(null)),
    operation: "DescribeDataset",
    path: ""
  }
]

describe("codec: inputs past the model's constraints fail before any I/O", () => {
  for (const bad of invalid) {
    it.effect(bad.title, () =>
      Effect.gen(function*() {
        const fake = makeFake(ok({}))
        const service = yield* makeService(fake) // default retries: validation must not be retried either
        const error = yield* Effect.flip(bad.call(service))
        expect(error).toBeInstanceOf(E.CognitoSyncValidationError)
        expect(error).toMatchObject({ _tag: "CognitoSyncValidationError", operation: bad.operation, path: bad.path })
        expect(error.message).not.toBe("")
        expect(fake.count()).toBe(0)
      }))
  }
})

interface Valid {
  readonly title: string
  readonly call: Call
  readonly check?: (request: { readonly path: string; readonly body: string | undefined }) => void
}

const valid: ReadonlyArray<Valid> = [
  {
    title: "IdentityPoolId and IdentityId of 55 characters",
    call: (s) => s.describeIdentityUsage({ IdentityPoolId: poolOfLength(55), IdentityId: poolOfLength(55) })
  },
  {
    title: "ids with '_' and '-' in the region part and '-' in the guid part",
    call: (s) => s.describeIdentityUsage({ IdentityPoolId: "us_east-1:-0-a-", IdentityId: "A_b-9:f" })
  },
  {
    title: "DatasetName of 128 characters",
    call: (s) => s.describeDataset({ ...identity, DatasetName: "d".repeat(128) })
  },
  ...["a", "z", "A", "Z", "0", "9", "_", ":", "-", "a.b", "...", "aZ09_.:-"].map((name): Valid => ({
    title: `DatasetName ${JSON.stringify(name)}`,
    call: (s) => s.describeDataset({ ...identity, DatasetName: name }),
    check: (request) => expect(request.path.endsWith(`/datasets/${name.replaceAll(":", "%3A")}`)).toBe(true)
  })),
  {
    title: "DeviceId of 256 characters",
    call: (s) => s.subscribeToDataset({ ...dataset, DeviceId: "d".repeat(256) })
  },
  {
    title: "RecordKey of 1024 characters and RecordValue of 1048575",
    call: update([{ ...patch, Key: "k".repeat(1024), Value: "v".repeat(1048575) }]),
    check: (request) => expect(request.body?.length).toBeGreaterThan(1048575 + 1024)
  },
  { title: "an empty RecordValue", call: update([{ ...patch, Value: "" }]) },
  { title: "SyncCount 0 and a large SyncCount", call: update([patch, { ...patch, Key: "k2", SyncCount: 2 ** 40 }]) },
  { title: "a remove without Value", call: update([{ Op: "remove", Key: "k", SyncCount: 4 }]) },
  { title: "no patches at all", call: update([]) },
  { title: "LastSyncCount 0", call: (s) => s.listRecords({ ...dataset, LastSyncCount: 0 }) },
  ...(["APNS", "APNS_SANDBOX", "GCM", "ADM"] as const).map((platform): Valid => ({
    title: `Platform ${platform}`,
    call: (s) => s.registerDevice({ ...identity, Platform: platform, Token: "t" })
  })),
  { title: "Events with 1 entry", call: (s) => s.setCognitoEvents({ ...pool, Events: { SyncTrigger: lambdaArn } }) },
  {
    title: "Events with an empty ARN (removal)",
    call: (s) => s.setCognitoEvents({ ...pool, Events: { SyncTrigger: "" } })
  },
  { title: "Events with no entry", call: (s) => s.setCognitoEvents({ ...pool, Events: {} }) },
  { title: "RoleArn of 20 characters", call: setConfig({ PushSync: { RoleArn: "arn:aws:iam::1:role/" } }) },
  { title: "RoleArn of 2048 characters", call: setConfig({ CognitoStreams: { RoleArn: roleOfLength(2048) } }) },
  {
    title: "ApplicationArns of each platform",
    call: setConfig({ PushSync: { ApplicationArns: [appArn, appArn.replace("GCM", "APNS_SANDBOX")] } })
  },
  {
    title: "StreamName of 128 characters and both StreamingStatus values",
    call: (s) =>
      Effect.zipRight(
        s.setIdentityPoolConfiguration({
          ...pool,
          CognitoStreams: { StreamName: "s".repeat(128), StreamingStatus: "ENABLED" }
        }),
        s.setIdentityPoolConfiguration({ ...pool, CognitoStreams: { StreamName: "s", StreamingStatus: "DISABLED" } })
      )
  }
]

describe("codec: inputs at the model's limits are sent", () => {
  for (const good of valid) {
    it.effect(good.title, () =>
      Effect.gen(function*() {
        const fake = makeFake(ok({}))
        const service = yield* makeService(fake)
        yield* good.call(service)
        expect(fake.count()).toBeGreaterThanOrEqual(1)
        good.check?.(fake.last())
      }))
  }
})
