/**
 * The official `@aws-sdk/client-cognito-sync` against the local server: every one of the 17 operations and the
 * error cases parse to the right result, `error.name` and `$metadata.httpStatusCode`. This is what other SDKs
 * (and other languages) meet when they point their endpoint at the emulator.
 */
import * as Sdk from "@aws-sdk/client-cognito-sync"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type * as Server from "../../src/local/Server.js"
import { developer, identityA, identityB, poolId, withServer } from "./serverSupport.js"

const gcmArn = "arn:aws:sns:us-east-1:123456789012:app/GCM/my-app"
const roleArn = "arn:aws:iam::123456789012:role/cognito-push"
const streamsRole = "arn:aws:iam::123456789012:role/cognito-streams"
const idKey = { accessKeyId: "AKIDIDENTITYA", secretAccessKey: "identity-a-secret", identityId: identityA }
const ids = { IdentityPoolId: poolId, IdentityId: identityA }

const sdkClient = (
  server: Server.RunningServer,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } = developer
) =>
  new Sdk.CognitoSyncClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    maxAttempts: 1
  })

interface Failure {
  readonly name: string
  readonly status: number | undefined
  readonly message: string
  readonly requestId: string | undefined
  readonly error: Sdk.CognitoSyncServiceException
}

/** How a call failed, as the SDK parsed it; throws when it succeeded or failed otherwise. */
const failureOf = async (call: Promise<unknown>): Promise<Failure> => {
  try {
    await call
  } catch (error) {
    if (error instanceof Sdk.CognitoSyncServiceException) {
      return {
        name: error.name,
        status: error.$metadata.httpStatusCode,
        message: error.message,
        requestId: error.$metadata.requestId,
        error
      }
    }
    throw error
  }
  throw new Error("expected the call to fail")
}

/** Runs `f` with a fresh server and an SDK client to it, and cleans both up. */
const withSdk = <A>(
  options: Omit<Server.ServerOptions, "port" | "host">,
  f: (client: Sdk.CognitoSyncClient, server: Server.RunningServer) => Promise<A>
) =>
  withServer(options, async (server) => {
    const client = sdkClient(server)
    try {
      return await f(client, server)
    } finally {
      client.destroy()
    }
  })

describe("local server: the official AWS SDK", () => {
  it("runs all 17 operations and parses every answer", () =>
    withSdk({ bulkPublishDuration: "1 hour" }, async (client, server) => {
      const empty = await client.send(new Sdk.GetIdentityPoolConfigurationCommand({ IdentityPoolId: poolId }))
      expect(empty.IdentityPoolId).toBe(poolId)
      expect(empty.$metadata.httpStatusCode).toBe(200)
      expect(empty.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/)

      const set = await client.send(
        new Sdk.SetIdentityPoolConfigurationCommand({
          IdentityPoolId: poolId,
          PushSync: { ApplicationArns: [gcmArn], RoleArn: roleArn },
          CognitoStreams: { StreamName: "sync-stream", RoleArn: streamsRole, StreamingStatus: "ENABLED" }
        })
      )
      expect(set.PushSync).toEqual({ ApplicationArns: [gcmArn], RoleArn: roleArn })
      const got = await client.send(new Sdk.GetIdentityPoolConfigurationCommand({ IdentityPoolId: poolId }))
      expect(got.CognitoStreams).toEqual({
        StreamName: "sync-stream",
        RoleArn: streamsRole,
        StreamingStatus: "ENABLED"
      })

      await client.send(
        new Sdk.SetCognitoEventsCommand({
          IdentityPoolId: poolId,
          Events: { SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:f" }
        })
      )
      const events = await client.send(new Sdk.GetCognitoEventsCommand({ IdentityPoolId: poolId }))
      expect(events.Events).toEqual({ SyncTrigger: "arn:aws:lambda:us-east-1:123456789012:function:f" })

      const first = await client.send(new Sdk.ListRecordsCommand({ ...ids, DatasetName: "settings" }))
      expect(first.DatasetExists).toBe(false)
      expect(first.DatasetSyncCount).toBe(0)
      expect(first.Count).toBe(0)
      expect(first.SyncSessionToken).toBeTypeOf("string")
      const device = new Date(1_700_000_000_000)
      const updated = await client.send(
        new Sdk.UpdateRecordsCommand({
          ...ids,
          DatasetName: "settings",
          SyncSessionToken: first.SyncSessionToken!,
          DeviceId: "device-1",
          ClientContext: "eyJjbGllbnQiOnt9fQ==",
          RecordPatches: [
            { Op: "replace", Key: "theme", Value: "dark", SyncCount: 0, DeviceLastModifiedDate: device },
            { Op: "replace", Key: "a:b/c?d", Value: "ünïcödé", SyncCount: 0 }
          ]
        })
      )
      expect(updated.Records?.map((r) => [r.Key, r.Value, r.SyncCount, r.LastModifiedBy])).toEqual([
        ["theme", "dark", 1, "device-1"],
        ["a:b/c?d", "ünïcödé", 1, "device-1"]
      ])
      expect(updated.Records?.[0]?.DeviceLastModifiedDate?.getTime()).toBe(device.getTime())
      expect(updated.Records?.[0]?.LastModifiedDate).toBeInstanceOf(Date)

      const listed = await client.send(
        new Sdk.ListRecordsCommand({ ...ids, DatasetName: "settings", LastSyncCount: 0, MaxResults: 1 })
      )
      expect(listed.Count).toBe(1)
      expect(listed.NextToken).toBeTypeOf("string")
      expect(listed.DatasetSyncCount).toBe(1)
      expect(listed.LastModifiedBy).toBe("device-1")
      const rest = await client.send(
        new Sdk.ListRecordsCommand({
          ...ids,
          DatasetName: "settings",
          LastSyncCount: 0,
          MaxResults: 1,
          NextToken: listed.NextToken,
          SyncSessionToken: listed.SyncSessionToken
        })
      )
      expect([...listed.Records!, ...rest.Records!].map((r) => r.Key).sort()).toEqual(["a:b/c?d", "theme"])
      expect(rest.NextToken).toBeUndefined()

      const described = await client.send(new Sdk.DescribeDatasetCommand({ ...ids, DatasetName: "settings" }))
      expect(described.Dataset?.NumRecords).toBe(2)
      // "theme"+"dark" = 9 bytes, "a:b/c?d" = 7, "ünïcödé" = 11 in UTF-8.
      expect(described.Dataset?.DataStorage).toBe(27)
      expect(described.Dataset?.CreationDate).toBeInstanceOf(Date)
      const datasets = await client.send(new Sdk.ListDatasetsCommand({ ...ids, MaxResults: 10 }))
      expect(datasets.Datasets?.map((d) => d.DatasetName)).toEqual(["settings"])
      expect(datasets.Count).toBe(1)
      const usage = await client.send(new Sdk.DescribeIdentityUsageCommand(ids))
      expect(usage.IdentityUsage).toMatchObject({ IdentityId: identityA, DatasetCount: 1, DataStorage: 27 })
      expect(usage.IdentityUsage?.LastModifiedDate).toBeInstanceOf(Date)
      const poolUsage = await client.send(new Sdk.DescribeIdentityPoolUsageCommand({ IdentityPoolId: poolId }))
      expect(poolUsage.IdentityPoolUsage).toMatchObject({ IdentityPoolId: poolId, DataStorage: 27 })
      expect(poolUsage.IdentityPoolUsage?.SyncSessionsCount).toBeGreaterThanOrEqual(2)
      const pools = await client.send(new Sdk.ListIdentityPoolUsageCommand({ MaxResults: 5 }))
      expect(pools.IdentityPoolUsages?.map((p) => p.IdentityPoolId)).toEqual([poolId])
      expect(pools.MaxResults).toBe(5)

      const registered = await client.send(new Sdk.RegisterDeviceCommand({ ...ids, Platform: "GCM", Token: "tok" }))
      expect(registered.DeviceId).toMatch(/^[0-9a-f-]{36}$/)
      const subscribed = await client.send(
        new Sdk.SubscribeToDatasetCommand({ ...ids, DatasetName: "settings", DeviceId: registered.DeviceId! })
      )
      expect(subscribed.$metadata.httpStatusCode).toBe(200)
      const unsubscribed = await client.send(
        new Sdk.UnsubscribeFromDatasetCommand({ ...ids, DatasetName: "settings", DeviceId: registered.DeviceId! })
      )
      expect(unsubscribed.$metadata.httpStatusCode).toBe(200)

      const published = await client.send(new Sdk.BulkPublishCommand({ IdentityPoolId: poolId }))
      expect(published.IdentityPoolId).toBe(poolId)
      const details = await client.send(new Sdk.GetBulkPublishDetailsCommand({ IdentityPoolId: poolId }))
      expect(details.BulkPublishStatus).toBe("IN_PROGRESS")
      expect(details.BulkPublishStartTime).toBeInstanceOf(Date)

      const deleted = await client.send(new Sdk.DeleteDatasetCommand({ ...ids, DatasetName: "settings" }))
      expect(deleted.Dataset?.DatasetName).toBe("settings")
      const afterDelete = await client.send(
        new Sdk.ListRecordsCommand({ ...ids, DatasetName: "settings", LastSyncCount: 1 })
      )
      expect(afterDelete.DatasetExists).toBe(false)
      expect(afterDelete.DatasetDeletedAfterRequestedSyncCount).toBe(true)
      expect((await Effect.runPromise(server.engine.snapshot))[poolId]).toEqual({ [identityA]: {} })
    }))

  it("parses every modeled error to its name and status", () =>
    withSdk({ bulkPublishDuration: "1 hour" }, async (client) => {
      const first = await client.send(new Sdk.ListRecordsCommand({ ...ids, DatasetName: "d" }))
      await client.send(
        new Sdk.UpdateRecordsCommand({
          ...ids,
          DatasetName: "d",
          SyncSessionToken: first.SyncSessionToken!,
          RecordPatches: [{ Op: "replace", Key: "k", Value: "v", SyncCount: 0 }]
        })
      )
      const second = await client.send(new Sdk.ListRecordsCommand({ ...ids, DatasetName: "d" }))
      const conflict = await failureOf(client.send(
        new Sdk.UpdateRecordsCommand({
          ...ids,
          DatasetName: "d",
          SyncSessionToken: second.SyncSessionToken!,
          RecordPatches: [{ Op: "replace", Key: "k", Value: "w", SyncCount: 0 }]
        })
      ))
      expect([conflict.name, conflict.status, conflict.message]).toEqual([
        "ResourceConflictException",
        409,
        "Current SyncCount for: k is: 1 not: 0"
      ])
      expect(conflict.error).toBeInstanceOf(Sdk.ResourceConflictException)
      expect(conflict.requestId).toMatch(/^[0-9a-f-]{36}$/)

      const notFound = await failureOf(client.send(new Sdk.DescribeDatasetCommand({ ...ids, DatasetName: "nope" })))
      expect([notFound.name, notFound.status]).toEqual(["ResourceNotFoundException", 404])
      expect(notFound.error).toBeInstanceOf(Sdk.ResourceNotFoundException)

      const consumed = await failureOf(client.send(
        new Sdk.UpdateRecordsCommand({ ...ids, DatasetName: "d", SyncSessionToken: first.SyncSessionToken! })
      ))
      expect([consumed.name, consumed.status]).toEqual(["InvalidParameterException", 400])
      expect(consumed.error).toBeInstanceOf(Sdk.InvalidParameterException)
      const ahead = await failureOf(
        client.send(new Sdk.ListRecordsCommand({ ...ids, DatasetName: "d", LastSyncCount: 9 }))
      )
      expect([ahead.name, ahead.message]).toEqual([
        "InvalidParameterException",
        "No such SyncCount: 9 exists for this Dataset"
      ])
      // The SDK does not check the model's patterns; the server does.
      const badName = await failureOf(client.send(new Sdk.DescribeDatasetCommand({ ...ids, DatasetName: "a b" })))
      expect([badName.name, badName.status]).toEqual(["InvalidParameterException", 400])

      const unconfigured = await failureOf(
        client.send(new Sdk.RegisterDeviceCommand({ ...ids, Platform: "GCM", Token: "t" }))
      )
      expect([unconfigured.name, unconfigured.status]).toEqual(["InvalidConfigurationException", 400])
      expect(unconfigured.error).toBeInstanceOf(Sdk.InvalidConfigurationException)

      await client.send(
        new Sdk.SetIdentityPoolConfigurationCommand({
          IdentityPoolId: poolId,
          CognitoStreams: { StreamName: "s", RoleArn: streamsRole, StreamingStatus: "ENABLED" }
        })
      )
      await client.send(new Sdk.BulkPublishCommand({ IdentityPoolId: poolId }))
      const duplicate = await failureOf(client.send(new Sdk.BulkPublishCommand({ IdentityPoolId: poolId })))
      expect([duplicate.name, duplicate.status]).toEqual(["DuplicateRequestException", 400])
      expect(duplicate.error).toBeInstanceOf(Sdk.DuplicateRequestException)
    }))

  it("AlreadyStreamedException after a bulk publish succeeded", () =>
    withSdk({ bulkPublishDuration: 0 }, async (client) => {
      await client.send(
        new Sdk.SetIdentityPoolConfigurationCommand({
          IdentityPoolId: poolId,
          CognitoStreams: { StreamName: "s", RoleArn: streamsRole, StreamingStatus: "ENABLED" }
        })
      )
      await client.send(new Sdk.BulkPublishCommand({ IdentityPoolId: poolId }))
      const details = await client.send(new Sdk.GetBulkPublishDetailsCommand({ IdentityPoolId: poolId }))
      expect(details.BulkPublishStatus).toBe("SUCCEEDED")
      expect(details.BulkPublishCompleteTime).toBeInstanceOf(Date)
      const again = await failureOf(client.send(new Sdk.BulkPublishCommand({ IdentityPoolId: poolId })))
      expect([again.name, again.status]).toEqual(["AlreadyStreamedException", 400])
      expect(again.error).toBeInstanceOf(Sdk.AlreadyStreamedException)
    }))

  it("LimitExceededException with small limits", () =>
    withSdk({ limits: { datasetsPerIdentity: 1, recordsPerDataset: 2 } }, async (client) => {
      const write = async (dataset: string, keys: ReadonlyArray<string>) => {
        const page = await client.send(new Sdk.ListRecordsCommand({ ...ids, DatasetName: dataset }))
        return client.send(
          new Sdk.UpdateRecordsCommand({
            ...ids,
            DatasetName: dataset,
            SyncSessionToken: page.SyncSessionToken!,
            RecordPatches: keys.map((Key) => ({ Op: "replace", Key, Value: "v", SyncCount: 0 }))
          })
        )
      }
      await write("one", ["a"])
      const datasets = await failureOf(write("two", ["a"]))
      expect([datasets.name, datasets.status]).toEqual(["LimitExceededException", 400])
      expect(datasets.error).toBeInstanceOf(Sdk.LimitExceededException)
      const records = await failureOf(write("one", ["b", "c"]))
      expect([records.name, records.status]).toEqual(["LimitExceededException", 400])
    }))

  it("credential errors: UnrecognizedClient, InvalidSignature, NotAuthorized", () =>
    withServer({ credentials: [developer, idKey] }, async (server) => {
      const unknown = sdkClient(server, { accessKeyId: "AKIDUNKNOWN", secretAccessKey: "x" })
      const wrongSecret = sdkClient(server, { accessKeyId: "test", secretAccessKey: "not-the-secret" })
      const identity = sdkClient(server, idKey)
      try {
        const unrecognized = await failureOf(unknown.send(new Sdk.ListDatasetsCommand(ids)))
        expect([unrecognized.name, unrecognized.status]).toEqual(["UnrecognizedClientException", 403])
        const badSignature = await failureOf(wrongSecret.send(new Sdk.ListDatasetsCommand(ids)))
        expect([badSignature.name, badSignature.status]).toEqual(["InvalidSignatureException", 403])
        expect(badSignature.message).toMatch(/signature we calculated does not match/)

        const own = await identity.send(new Sdk.ListRecordsCommand({ ...ids, DatasetName: "mine" }))
        expect(own.SyncSessionToken).toBeTypeOf("string")
        const other = await failureOf(
          identity.send(new Sdk.ListRecordsCommand({ IdentityPoolId: poolId, IdentityId: identityB, DatasetName: "x" }))
        )
        expect([other.name, other.status]).toEqual(["NotAuthorizedException", 403])
        expect(other.error).toBeInstanceOf(Sdk.NotAuthorizedException)
        const developerOnly = await failureOf(
          identity.send(new Sdk.GetIdentityPoolConfigurationCommand({ IdentityPoolId: poolId }))
        )
        expect([developerOnly.name, developerOnly.status]).toEqual(["NotAuthorizedException", 403])
      } finally {
        unknown.destroy()
        wrongSecret.destroy()
        identity.destroy()
      }
    }))

  it("throttling and internal errors parse too", () =>
    withServer({ faults: { throttleRate: 1 } }, async (server) => {
      const client = sdkClient(server)
      try {
        const throttled = await failureOf(client.send(new Sdk.ListDatasetsCommand(ids)))
        expect([throttled.name, throttled.status]).toEqual(["TooManyRequestsException", 429])
        expect(throttled.error).toBeInstanceOf(Sdk.TooManyRequestsException)
      } finally {
        client.destroy()
      }
    }).then(() =>
      withServer({ faults: { errorRate: 1 } }, async (server) => {
        const client = sdkClient(server)
        try {
          const internal = await failureOf(client.send(new Sdk.ListDatasetsCommand(ids)))
          expect([internal.name, internal.status]).toEqual(["InternalErrorException", 500])
          expect(internal.error).toBeInstanceOf(Sdk.InternalErrorException)
        } finally {
          client.destroy()
        }
      })
    ))
})
