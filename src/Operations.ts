/**
 * The operation table: the 17 Cognito Sync operations described once, as data.
 *
 * Each entry gives the HTTP method, the URI template, the input Schema with the HTTP binding of every member
 * (URI label, query key, header name or JSON body), the output Schema, the modeled errors and who may call
 * it. The client's request encoder and response decoder, the local server's router, the error types of the
 * service methods and the operation table in the docs all come from here.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as E from "./CognitoSyncError.js"
import * as S from "./Schemas.js"

// ---------------------------------------------------------------------------------------------------------------
// Bindings
// ---------------------------------------------------------------------------------------------------------------

/**
 * Where an input member travels in the HTTP request.
 *
 * @since 0.1.0
 * @category bindings
 */
export type Binding =
  | { readonly _tag: "label" }
  | { readonly _tag: "query"; readonly name: string; readonly format: "string" | "integer" }
  | { readonly _tag: "header"; readonly name: string }
  | { readonly _tag: "body" }

/**
 * An input member: its Schema and its binding.
 *
 * @since 0.1.0
 * @category bindings
 */
export interface Member<F extends Schema.Struct.Field> {
  readonly field: F
  readonly binding: Binding
}

/**
 * A member bound to the `{Name}` label of the URI template (percent-encoded, one path segment).
 *
 * @since 0.1.0
 * @category bindings
 */
export const label = <F extends Schema.Struct.Field>(field: F): Member<F> => ({ field, binding: { _tag: "label" } })

/**
 * A member sent as a query parameter. `format` says how a server reads the text back.
 *
 * @since 0.1.0
 * @category bindings
 */
export const query = <F extends Schema.Struct.Field>(
  name: string,
  field: F,
  format: "string" | "integer" = "string"
): Member<F> => ({ field, binding: { _tag: "query", name, format } })

/**
 * A member sent as a request header.
 *
 * @since 0.1.0
 * @category bindings
 */
export const header = <F extends Schema.Struct.Field>(name: string, field: F): Member<F> => ({
  field,
  binding: { _tag: "header", name }
})

/**
 * A member sent as a key of the JSON body.
 *
 * @since 0.1.0
 * @category bindings
 */
export const body = <F extends Schema.Struct.Field>(field: F): Member<F> => ({ field, binding: { _tag: "body" } })

// ---------------------------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------------------------

/**
 * Which credentials may call an operation, per the API model: developer (IAM) credentials, Cognito Identity
 * credentials of the identity concerned, or both.
 *
 * @since 0.1.0
 * @category models
 */
export type Callers = "developer" | "identity" | "both"

/**
 * One operation of the API.
 *
 * @since 0.1.0
 * @category models
 */
export interface Operation<
  Name extends string = string,
  Fields extends Schema.Struct.Fields = Schema.Struct.Fields,
  Output extends Schema.Schema.AnyNoContext = Schema.Schema.AnyNoContext,
  Errors extends ReadonlyArray<E.ModeledErrorClass> = ReadonlyArray<E.ModeledErrorClass>
> {
  readonly name: Name
  readonly method: "GET" | "POST" | "DELETE"
  readonly uri: string
  readonly input: Schema.Struct<Fields>
  readonly bindings: { readonly [K in keyof Fields]: Binding }
  readonly output: Output
  readonly errors: Errors
  readonly callers: Callers
  readonly description: string
}

/**
 * Any operation of the table, seen without its precise types.
 *
 * @since 0.1.0
 * @category models
 */
export interface Any {
  readonly name: string
  readonly method: "GET" | "POST" | "DELETE"
  readonly uri: string
  readonly input: Schema.Schema<any, any>
  readonly bindings: { readonly [member: string]: Binding }
  readonly output: Schema.Schema.AnyNoContext
  readonly errors: ReadonlyArray<E.ModeledErrorClass>
  readonly callers: Callers
  readonly description: string
}

/**
 * What an operation takes, as the caller writes it.
 *
 * @since 0.1.0
 * @category models
 */
export type Input<Op extends Any> = Schema.Schema.Type<Op["input"]>

/**
 * What an operation returns.
 *
 * @since 0.1.0
 * @category models
 */
export type Output<Op extends Any> = Schema.Schema.Type<Op["output"]>

/**
 * The modeled errors of an operation.
 *
 * @since 0.1.0
 * @category models
 */
export type ModeledErrors<Op extends Any> = InstanceType<Op["errors"][number]>

/**
 * Every error an operation can fail with: its modeled errors and the common ones.
 *
 * @since 0.1.0
 * @category models
 */
export type Errors<Op extends Any> = ModeledErrors<Op> | E.CommonError

const operation = <
  const Name extends string,
  const Members extends { readonly [key: string]: Member<Schema.Struct.Field> },
  Output extends Schema.Schema.AnyNoContext,
  const Errors extends ReadonlyArray<E.ModeledErrorClass>
>(definition: {
  readonly name: Name
  readonly method: "GET" | "POST" | "DELETE"
  readonly uri: string
  readonly input: Members
  readonly output: Output
  readonly errors: Errors
  readonly callers: Callers
  readonly description: string
}): Operation<Name, { readonly [K in keyof Members]: Members[K]["field"] }, Output, Errors> => {
  const fields: { [key: string]: Schema.Struct.Field } = {}
  const bindings: { [key: string]: Binding } = {}
  for (const [key, member] of Object.entries(definition.input)) {
    fields[key] = member.field
    bindings[key] = member.binding
  }
  return {
    ...definition,
    input: Schema.Struct(fields as { readonly [K in keyof Members]: Members[K]["field"] }).annotations({
      identifier: `${definition.name}Input`
    }),
    bindings: bindings as { readonly [K in keyof Members]: Binding }
  }
}

const poolId = label(S.IdentityPoolId)
const identityId = label(S.IdentityId)
const datasetName = label(S.DatasetName)
const nextToken = query("nextToken", Schema.optional(Schema.String))
const maxResults = query("maxResults", Schema.optional(Schema.Int), "integer")
const datasetUri = "/identitypools/{IdentityPoolId}/identities/{IdentityId}/datasets/{DatasetName}"
const member = S.responseMember

const DatasetOutput = Schema.Struct({ Dataset: member(S.Dataset) })
const IdentityPoolConfigurationOutput = Schema.Struct({
  IdentityPoolId: member(Schema.String),
  PushSync: member(S.PushSyncOutput),
  CognitoStreams: member(S.CognitoStreamsOutput)
})
// An empty `Schema.Struct` hands its input through unchanged, unknown members and all, while the official client
// returns nothing but `$metadata` for these operations. So an empty output decodes to a fresh `{}`.
const EmptyOutput = Schema.transform(Schema.Object, Schema.Struct({}), {
  strict: true,
  decode: () => ({}),
  encode: (output) => output
})

/**
 * Starts a bulk publish of all existing datasets of the pool to its Cognito Streams stream.
 *
 * @since 0.1.0
 * @category operations
 */
export const BulkPublish = operation({
  name: "BulkPublish",
  method: "POST",
  uri: "/identitypools/{IdentityPoolId}/bulkpublish",
  input: { IdentityPoolId: poolId },
  output: Schema.Struct({ IdentityPoolId: member(Schema.String) }),
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.InternalErrorException,
    E.DuplicateRequestException,
    E.AlreadyStreamedException
  ],
  callers: "developer",
  description: "Starts a bulk publish of the pool's datasets to its Cognito Streams stream."
})

/**
 * Deletes a dataset and returns its last metadata. Later reads see it as gone.
 *
 * @since 0.1.0
 * @category operations
 */
export const DeleteDataset = operation({
  name: "DeleteDataset",
  method: "DELETE",
  uri: datasetUri,
  input: { IdentityPoolId: poolId, IdentityId: identityId, DatasetName: datasetName },
  output: DatasetOutput,
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.InternalErrorException,
    E.TooManyRequestsException,
    E.ResourceConflictException
  ],
  callers: "both",
  description: "Deletes a dataset and returns its last metadata."
})

/**
 * Returns a dataset's metadata.
 *
 * @since 0.1.0
 * @category operations
 */
export const DescribeDataset = operation({
  name: "DescribeDataset",
  method: "GET",
  uri: datasetUri,
  input: { IdentityPoolId: poolId, IdentityId: identityId, DatasetName: datasetName },
  output: DatasetOutput,
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.InternalErrorException,
    E.TooManyRequestsException
  ],
  callers: "both",
  description: "Returns a dataset's metadata."
})

/**
 * Returns the usage of an identity pool.
 *
 * @since 0.1.0
 * @category operations
 */
export const DescribeIdentityPoolUsage = operation({
  name: "DescribeIdentityPoolUsage",
  method: "GET",
  uri: "/identitypools/{IdentityPoolId}",
  input: { IdentityPoolId: poolId },
  output: Schema.Struct({ IdentityPoolUsage: member(S.IdentityPoolUsage) }),
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.InternalErrorException,
    E.TooManyRequestsException
  ],
  callers: "developer",
  description: "Returns the usage of an identity pool."
})

/**
 * Returns the usage of one identity: its dataset count and bytes stored.
 *
 * @since 0.1.0
 * @category operations
 */
export const DescribeIdentityUsage = operation({
  name: "DescribeIdentityUsage",
  method: "GET",
  uri: "/identitypools/{IdentityPoolId}/identities/{IdentityId}",
  input: { IdentityPoolId: poolId, IdentityId: identityId },
  output: Schema.Struct({ IdentityUsage: member(S.IdentityUsage) }),
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.InternalErrorException,
    E.TooManyRequestsException
  ],
  callers: "both",
  description: "Returns the usage of one identity: its dataset count and bytes stored."
})

/**
 * Returns the state of the pool's last bulk publish.
 *
 * @since 0.1.0
 * @category operations
 */
export const GetBulkPublishDetails = operation({
  name: "GetBulkPublishDetails",
  method: "POST",
  uri: "/identitypools/{IdentityPoolId}/getBulkPublishDetails",
  input: { IdentityPoolId: poolId },
  output: Schema.Struct({
    IdentityPoolId: member(Schema.String),
    BulkPublishStartTime: member(S.EpochSeconds),
    BulkPublishCompleteTime: member(S.EpochSeconds),
    BulkPublishStatus: member(S.BulkPublishStatus),
    FailureMessage: member(Schema.String)
  }),
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.InternalErrorException
  ],
  callers: "developer",
  description: "Returns the state of the pool's last bulk publish."
})

/**
 * Returns the pool's Cognito Events (event type to Lambda function ARN).
 *
 * @since 0.1.0
 * @category operations
 */
export const GetCognitoEvents = operation({
  name: "GetCognitoEvents",
  method: "GET",
  uri: "/identitypools/{IdentityPoolId}/events",
  input: { IdentityPoolId: poolId },
  output: Schema.Struct({ Events: member(Schema.Record({ key: Schema.String, value: Schema.String })) }),
  errors: [
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.NotAuthorizedException,
    E.InternalErrorException,
    E.TooManyRequestsException
  ],
  callers: "developer",
  description: "Returns the pool's Cognito Events (event type to Lambda function ARN)."
})

/**
 * Returns the pool's push sync and Cognito Streams configuration.
 *
 * @since 0.1.0
 * @category operations
 */
export const GetIdentityPoolConfiguration = operation({
  name: "GetIdentityPoolConfiguration",
  method: "GET",
  uri: "/identitypools/{IdentityPoolId}/configuration",
  input: { IdentityPoolId: poolId },
  output: IdentityPoolConfigurationOutput,
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.InternalErrorException,
    E.TooManyRequestsException
  ],
  callers: "developer",
  description: "Returns the pool's push sync and Cognito Streams configuration."
})

/**
 * Lists an identity's datasets, a page at a time.
 *
 * @since 0.1.0
 * @category operations
 */
export const ListDatasets = operation({
  name: "ListDatasets",
  method: "GET",
  uri: "/identitypools/{IdentityPoolId}/identities/{IdentityId}/datasets",
  input: { IdentityPoolId: poolId, IdentityId: identityId, NextToken: nextToken, MaxResults: maxResults },
  output: Schema.Struct({
    Datasets: member(Schema.Array(S.Dataset)),
    Count: member(S.Count),
    NextToken: member(Schema.String)
  }),
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.InternalErrorException,
    E.TooManyRequestsException
  ],
  callers: "both",
  description: "Lists an identity's datasets, a page at a time."
})

/**
 * Lists the usage of every identity pool of the account, a page at a time.
 *
 * @since 0.1.0
 * @category operations
 */
export const ListIdentityPoolUsage = operation({
  name: "ListIdentityPoolUsage",
  method: "GET",
  uri: "/identitypools",
  input: { NextToken: nextToken, MaxResults: maxResults },
  output: Schema.Struct({
    IdentityPoolUsages: member(Schema.Array(S.IdentityPoolUsage)),
    MaxResults: member(Schema.Int),
    Count: member(S.Count),
    NextToken: member(Schema.String)
  }),
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.InternalErrorException,
    E.TooManyRequestsException
  ],
  callers: "developer",
  description: "Lists the usage of every identity pool of the account, a page at a time."
})

/**
 * Lists the records of a dataset changed after `LastSyncCount` (tombstones included), a page at a time, with
 * the dataset's sync count and a session token for UpdateRecords.
 *
 * @since 0.1.0
 * @category operations
 */
export const ListRecords = operation({
  name: "ListRecords",
  method: "GET",
  uri: `${datasetUri}/records`,
  input: {
    IdentityPoolId: poolId,
    IdentityId: identityId,
    DatasetName: datasetName,
    LastSyncCount: query("lastSyncCount", Schema.optional(S.SyncCount), "integer"),
    NextToken: nextToken,
    MaxResults: maxResults,
    SyncSessionToken: query("syncSessionToken", Schema.optional(Schema.String))
  },
  output: Schema.Struct({
    Records: member(Schema.Array(S.Record)),
    NextToken: member(Schema.String),
    Count: member(S.Count),
    DatasetSyncCount: member(S.SyncCount),
    LastModifiedBy: member(Schema.String),
    MergedDatasetNames: member(Schema.Array(Schema.String)),
    DatasetExists: member(Schema.Boolean),
    DatasetDeletedAfterRequestedSyncCount: member(Schema.Boolean),
    SyncSessionToken: member(Schema.String)
  }),
  errors: [
    E.InvalidParameterException,
    E.NotAuthorizedException,
    E.TooManyRequestsException,
    E.InternalErrorException
  ],
  callers: "both",
  description: "Lists the records changed after a sync count, with the dataset's count and a session token."
})

/**
 * Registers a device for push sync and returns its device id.
 *
 * @since 0.1.0
 * @category operations
 */
export const RegisterDevice = operation({
  name: "RegisterDevice",
  method: "POST",
  uri: "/identitypools/{IdentityPoolId}/identity/{IdentityId}/device",
  input: {
    IdentityPoolId: poolId,
    IdentityId: identityId,
    Platform: body(S.Platform),
    Token: body(Schema.String)
  },
  output: Schema.Struct({ DeviceId: member(Schema.String) }),
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.InternalErrorException,
    E.InvalidConfigurationException,
    E.TooManyRequestsException
  ],
  callers: "identity",
  description: "Registers a device for push sync and returns its device id."
})

/**
 * Sets the pool's Cognito Events. Only the event types given change; an empty ARN removes one.
 *
 * @since 0.1.0
 * @category operations
 */
export const SetCognitoEvents = operation({
  name: "SetCognitoEvents",
  method: "POST",
  uri: "/identitypools/{IdentityPoolId}/events",
  input: { IdentityPoolId: poolId, Events: body(S.Events) },
  output: EmptyOutput,
  errors: [
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.NotAuthorizedException,
    E.InternalErrorException,
    E.TooManyRequestsException
  ],
  callers: "developer",
  description: "Sets the pool's Cognito Events; an empty ARN removes an event."
})

/**
 * Sets the pool's push sync and Cognito Streams configuration.
 *
 * @since 0.1.0
 * @category operations
 */
export const SetIdentityPoolConfiguration = operation({
  name: "SetIdentityPoolConfiguration",
  method: "POST",
  uri: "/identitypools/{IdentityPoolId}/configuration",
  input: {
    IdentityPoolId: poolId,
    PushSync: body(Schema.optional(S.PushSync)),
    CognitoStreams: body(Schema.optional(S.CognitoStreams))
  },
  output: IdentityPoolConfigurationOutput,
  errors: [
    E.NotAuthorizedException,
    E.InvalidParameterException,
    E.ResourceNotFoundException,
    E.InternalErrorException,
    E.TooManyRequestsException,
    E.ConcurrentModificationException
  ],
  callers: "developer",
  description: "Sets the pool's push sync and Cognito Streams configuration."
})

const subscriptionInput = {
  IdentityPoolId: poolId,
  IdentityId: identityId,
  DatasetName: datasetName,
  DeviceId: label(S.DeviceId)
}
const subscriptionErrors = [
  E.NotAuthorizedException,
  E.InvalidParameterException,
  E.ResourceNotFoundException,
  E.InternalErrorException,
  E.InvalidConfigurationException,
  E.TooManyRequestsException
] as const

/**
 * Subscribes a registered device to push notifications of a dataset's changes.
 *
 * @since 0.1.0
 * @category operations
 */
export const SubscribeToDataset = operation({
  name: "SubscribeToDataset",
  method: "POST",
  uri: `${datasetUri}/subscriptions/{DeviceId}`,
  input: subscriptionInput,
  output: EmptyOutput,
  errors: subscriptionErrors,
  callers: "identity",
  description: "Subscribes a registered device to push notifications of a dataset's changes."
})

/**
 * Unsubscribes a device from a dataset's push notifications.
 *
 * @since 0.1.0
 * @category operations
 */
export const UnsubscribeFromDataset = operation({
  name: "UnsubscribeFromDataset",
  method: "DELETE",
  uri: `${datasetUri}/subscriptions/{DeviceId}`,
  input: subscriptionInput,
  output: EmptyOutput,
  errors: subscriptionErrors,
  callers: "identity",
  description: "Unsubscribes a device from a dataset's push notifications."
})

/**
 * Writes record patches to a dataset (creating it on first write) with the session token of an earlier
 * ListRecords. Each patch carries the record's last known sync count; a stale one fails the whole call with
 * ResourceConflictException.
 *
 * @since 0.1.0
 * @category operations
 */
export const UpdateRecords = operation({
  name: "UpdateRecords",
  method: "POST",
  uri: datasetUri,
  input: {
    IdentityPoolId: poolId,
    IdentityId: identityId,
    DatasetName: datasetName,
    DeviceId: body(Schema.optional(S.DeviceId)),
    RecordPatches: body(Schema.optional(Schema.Array(S.RecordPatch))),
    SyncSessionToken: body(Schema.String),
    ClientContext: header("x-amz-Client-Context", Schema.optional(Schema.String))
  },
  output: Schema.Struct({ Records: member(Schema.Array(S.Record)) }),
  errors: [
    E.InvalidParameterException,
    E.LimitExceededException,
    E.NotAuthorizedException,
    E.ResourceNotFoundException,
    E.ResourceConflictException,
    E.InvalidLambdaFunctionOutputException,
    E.LambdaThrottledException,
    E.TooManyRequestsException,
    E.InternalErrorException
  ],
  callers: "both",
  description: "Writes record patches with the session token of an earlier ListRecords; stale counts conflict."
})

/**
 * All 17 operations, by name.
 *
 * @since 0.1.0
 * @category table
 */
export const operations = {
  BulkPublish,
  DeleteDataset,
  DescribeDataset,
  DescribeIdentityPoolUsage,
  DescribeIdentityUsage,
  GetBulkPublishDetails,
  GetCognitoEvents,
  GetIdentityPoolConfiguration,
  ListDatasets,
  ListIdentityPoolUsage,
  ListRecords,
  RegisterDevice,
  SetCognitoEvents,
  SetIdentityPoolConfiguration,
  SubscribeToDataset,
  UnsubscribeFromDataset,
  UpdateRecords
} as const

/**
 * The name of an operation.
 *
 * @since 0.1.0
 * @category table
 */
export type OperationName = keyof typeof operations

/**
 * All 17 operations, in the table's order.
 *
 * @since 0.1.0
 * @category table
 */
export const all: ReadonlyArray<Any> = Object.values(operations)
