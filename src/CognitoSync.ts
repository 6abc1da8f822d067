/**
 * The Cognito Sync client: a service with the 17 operations of the API as Effects, plus streams that follow
 * `NextToken` for the three paginated ones.
 *
 * ```ts
 * import { CognitoSync } from "effect-cognito-sync"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const sync = yield* CognitoSync.CognitoSync
 *   const page = yield* sync.listRecords({ IdentityPoolId, IdentityId, DatasetName: "settings", LastSyncCount: 0 })
 * })
 *
 * program.pipe(
 *   Effect.provide(CognitoSync.layer({ region: "us-east-1", credentials: { accessKeyId, secretAccessKey } })),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { CognitoSyncDecodeError } from "./CognitoSyncError.js"
import * as Credentials from "./Credentials.js"
import { resolveEndpoint } from "./internal/endpoint.js"
import { makeHttpInvoker } from "./internal/httpInvoker.js"
import * as Operations from "./Operations.js"
import type { RetryPolicy } from "./Retry.js"

/**
 * What a method takes.
 *
 * @since 0.1.0
 * @category models
 */
export type Input<Name extends Operations.OperationName> = Operations.Input<(typeof Operations.operations)[Name]>

/**
 * What a method returns.
 *
 * @since 0.1.0
 * @category models
 */
export type Output<Name extends Operations.OperationName> = Operations.Output<(typeof Operations.operations)[Name]>

/**
 * How a method fails: the operation's modeled errors and the common ones.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure<Name extends Operations.OperationName> = Operations.Errors<(typeof Operations.operations)[Name]>

/**
 * Options of a single call.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /** The time an attempt may take; overrides the client's `timeout`. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * The signature of the service's method for one operation: its input and call options in, its output out, its
 * modeled and common errors in the error channel.
 *
 * @since 0.1.0
 * @category models
 */
export type Method<Name extends Operations.OperationName> = (
  input: Input<Name>,
  options?: CallOptions
) => Effect.Effect<Output<Name>, Failure<Name>>

/**
 * The Cognito Sync service: one method per operation, named after it in camelCase, with the API's own member
 * names in inputs and outputs.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Starts a bulk publish of the pool's datasets to its Cognito Streams stream. Developer credentials only. */
  readonly bulkPublish: Method<"BulkPublish">
  /** Deletes a dataset and returns its last metadata. */
  readonly deleteDataset: Method<"DeleteDataset">
  /** Returns a dataset's metadata; ResourceNotFoundException when it does not exist. */
  readonly describeDataset: Method<"DescribeDataset">
  /** Returns the usage of an identity pool. Developer credentials only. */
  readonly describeIdentityPoolUsage: Method<"DescribeIdentityPoolUsage">
  /** Returns the usage of one identity: its dataset count and bytes stored. */
  readonly describeIdentityUsage: Method<"DescribeIdentityUsage">
  /** Returns the state of the pool's last bulk publish. Developer credentials only. */
  readonly getBulkPublishDetails: Method<"GetBulkPublishDetails">
  /** Returns the pool's Cognito Events. Developer credentials only. */
  readonly getCognitoEvents: Method<"GetCognitoEvents">
  /** Returns the pool's push sync and Cognito Streams configuration. Developer credentials only. */
  readonly getIdentityPoolConfiguration: Method<"GetIdentityPoolConfiguration">
  /** Lists one page of an identity's datasets; see {@link Service.listDatasetsPages} for all of them. */
  readonly listDatasets: Method<"ListDatasets">
  /** Lists one page of identity pool usage; see {@link Service.listIdentityPoolUsagePages}. */
  readonly listIdentityPoolUsage: Method<"ListIdentityPoolUsage">
  /**
   * Lists one page of the records changed after `LastSyncCount` (tombstones included), with the dataset's sync
   * count and a `SyncSessionToken` for UpdateRecords; see {@link Service.listRecordsPages} for every page.
   */
  readonly listRecords: Method<"ListRecords">
  /** Registers a device for push sync and returns its device id. Cognito Identity credentials only. */
  readonly registerDevice: Method<"RegisterDevice">
  /** Sets the pool's Cognito Events; an empty ARN removes an event. Developer credentials only. */
  readonly setCognitoEvents: Method<"SetCognitoEvents">
  /** Sets the pool's push sync and Cognito Streams configuration. Developer credentials only. */
  readonly setIdentityPoolConfiguration: Method<"SetIdentityPoolConfiguration">
  /** Subscribes a registered device to a dataset's changes. Cognito Identity credentials only. */
  readonly subscribeToDataset: Method<"SubscribeToDataset">
  /** Unsubscribes a device from a dataset's changes. Cognito Identity credentials only. */
  readonly unsubscribeFromDataset: Method<"UnsubscribeFromDataset">
  /**
   * Writes record patches with the `SyncSessionToken` of an earlier ListRecords. Each patch carries the record's
   * last known `SyncCount` (0 for a new key); a stale one fails the whole call with ResourceConflictException.
   */
  readonly updateRecords: Method<"UpdateRecords">

  /**
   * Every page of ListRecords, following `NextToken`. The `SyncSessionToken` of the first page (or of the input)
   * and the `LastSyncCount` are kept for the pages after it.
   */
  readonly listRecordsPages: (
    input: Input<"ListRecords">,
    options?: CallOptions
  ) => Stream.Stream<Output<"ListRecords">, Failure<"ListRecords">>
  /** Every page of ListDatasets, following `NextToken`. */
  readonly listDatasetsPages: (
    input: Input<"ListDatasets">,
    options?: CallOptions
  ) => Stream.Stream<Output<"ListDatasets">, Failure<"ListDatasets">>
  /** Every page of ListIdentityPoolUsage, following `NextToken`. */
  readonly listIdentityPoolUsagePages: (
    input: Input<"ListIdentityPoolUsage">,
    options?: CallOptions
  ) => Stream.Stream<Output<"ListIdentityPoolUsage">, Failure<"ListIdentityPoolUsage">>
}

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class CognitoSync extends Context.Tag("effect-cognito-sync/CognitoSync")<CognitoSync, Service>() {}

/**
 * A function that runs any operation of the table: over HTTP for the client, against the engine for the local
 * emulator. It validates the input itself and fails only with the operation's errors.
 *
 * @since 0.1.0
 * @category models
 */
export type Invoker = (
  op: Operations.Any,
  input: unknown,
  options?: CallOptions
) => Effect.Effect<unknown, Operations.Errors<Operations.Any>>

const paginate = <
  I extends { readonly NextToken?: string | undefined },
  O extends { readonly NextToken?: string | undefined },
  E
>(
  operation: string,
  call: (input: I) => Effect.Effect<O, E>,
  input: I,
  carry: (input: I, page: O) => I = (next) => next
): Stream.Stream<O, E | CognitoSyncDecodeError> =>
  Stream.suspend(() => {
    // The tokens of this run so far: a service that hands one back again (a → a, or a → b → a) would page forever.
    const seen = new Set<string>(input.NextToken === undefined ? [] : [input.NextToken])
    return Stream.paginateEffect(
      input,
      (current: I) =>
        Effect.flatMap(call(current), (page): Effect.Effect<readonly [O, Option.Option<I>], CognitoSyncDecodeError> => {
          const next = page.NextToken
          if (next === undefined || next === "") return Effect.succeed([page, Option.none()] as const)
          if (seen.has(next)) {
            return Effect.fail(
              new CognitoSyncDecodeError({
                operation,
                message: `${operation} returned the same NextToken twice`,
                status: 200
              })
            )
          }
          seen.add(next)
          return Effect.succeed([page, Option.some(carry({ ...current, NextToken: next }, page))] as const)
        })
    )
  })

/**
 * Builds the service from an {@link Invoker}. The client and the local emulator share it, so both have the same
 * methods, pagination and error types.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromInvoker = (invoke: Invoker): Service => {
  const method = <Name extends Operations.OperationName>(name: Name): Method<Name> => {
    const op: Operations.Any = Operations.operations[name]
    return (input, options) => invoke(op, input, options) as Effect.Effect<Output<Name>, Failure<Name>>
  }
  const service = {
    bulkPublish: method("BulkPublish"),
    deleteDataset: method("DeleteDataset"),
    describeDataset: method("DescribeDataset"),
    describeIdentityPoolUsage: method("DescribeIdentityPoolUsage"),
    describeIdentityUsage: method("DescribeIdentityUsage"),
    getBulkPublishDetails: method("GetBulkPublishDetails"),
    getCognitoEvents: method("GetCognitoEvents"),
    getIdentityPoolConfiguration: method("GetIdentityPoolConfiguration"),
    listDatasets: method("ListDatasets"),
    listIdentityPoolUsage: method("ListIdentityPoolUsage"),
    listRecords: method("ListRecords"),
    registerDevice: method("RegisterDevice"),
    setCognitoEvents: method("SetCognitoEvents"),
    setIdentityPoolConfiguration: method("SetIdentityPoolConfiguration"),
    subscribeToDataset: method("SubscribeToDataset"),
    unsubscribeFromDataset: method("UnsubscribeFromDataset"),
    updateRecords: method("UpdateRecords")
  }
  return {
    ...service,
    listRecordsPages: (input, options) =>
      paginate(
        "ListRecords",
        (page) => service.listRecords(page, options),
        input,
        (next, page) =>
          next.SyncSessionToken === undefined && page.SyncSessionToken !== undefined
            ? { ...next, SyncSessionToken: page.SyncSessionToken }
            : next
      ),
    listDatasetsPages: (input, options) =>
      paginate("ListDatasets", (page) => service.listDatasets(page, options), input),
    listIdentityPoolUsagePages: (input, options) =>
      paginate("ListIdentityPoolUsage", (page) => service.listIdentityPoolUsage(page, options), input)
  }
}

/**
 * Options of the client.
 *
 * @since 0.1.0
 * @category models
 */
export type Options =
  & {
    /** The AWS region, for example `us-east-1`. It picks the endpoint and is part of every signature. */
    readonly region: string
    /** Static credentials, or a provider such as {@link Credentials.refreshing}. */
    readonly credentials: Credentials.CredentialsInput | Credentials.CredentialsProvider
    /** Attempts in all for one call, overriding the retry policy's count; 1 turns retries off. */
    readonly maxAttempts?: number | undefined
    /** The retry policy of this client; defaults to the {@link Retry.Retry} reference. */
    readonly retryPolicy?: RetryPolicy | undefined
    /** The time one attempt may take. Default: 30 seconds. */
    readonly timeout?: Duration.DurationInput | undefined
    /** Changes the `HttpClient` the calls go through (add logging, a proxy, ...). */
    readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  }
  & (
    | {
      /** A custom endpoint, for example the local emulator's `http://127.0.0.1:4599`. */
      readonly endpoint: string
      readonly useFips?: false | undefined
    }
    | {
      readonly endpoint?: undefined
      /** Use the FIPS endpoint `https://cognito-sync-fips.{region}.amazonaws.com`. */
      readonly useFips?: boolean | undefined
    }
  )

/**
 * Makes the service over the `HttpClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (client) =>
    fromInvoker(makeHttpInvoker({
      client: options.transformClient === undefined ? client : options.transformClient(client),
      endpoint: resolveEndpoint(options),
      region: options.region,
      credentials: Credentials.fromInput(options.credentials),
      retryPolicy: options.retryPolicy,
      maxAttempts: options.maxAttempts,
      timeout: Duration.decode(options.timeout ?? Duration.seconds(30))
    }) as Invoker))

/**
 * A layer of the service. It needs an `HttpClient`: add `FetchHttpClient.layer`, or on Node
 * `NodeHttpClient.layerUndici` from `@effect/platform-node` (the fastest).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<CognitoSync, never, HttpClient.HttpClient> =>
  Layer.effect(CognitoSync, make(options))

/**
 * `Config` for the client: `AWS_REGION` (or `AWS_DEFAULT_REGION`), the credentials of
 * {@link Credentials.config}, and an endpoint from `AWS_ENDPOINT_URL_COGNITO_SYNC` or `AWS_ENDPOINT_URL`.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = /* @__PURE__ */ Config.suspend(() =>
  // Built lazily in a pure-annotated call, so a bundle that never reads it leaves `Config` out.
  Config.all({
    region: Config.string("AWS_REGION").pipe(Config.orElse(() => Config.string("AWS_DEFAULT_REGION"))),
    credentials: Credentials.config,
    endpoint: Config.option(
      Config.string("AWS_ENDPOINT_URL_COGNITO_SYNC").pipe(Config.orElse(() => Config.string("AWS_ENDPOINT_URL")))
    )
  }).pipe(Config.map(({ credentials, endpoint, region }): Options => ({
    region,
    credentials,
    ...(Option.isSome(endpoint) ? { endpoint: endpoint.value } : {})
  })))
)

/**
 * A layer of the service configured from `Config` (see {@link config}); `overrides` set the options that have
 * no environment variable.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  overrides?: Pick<Options, "maxAttempts" | "retryPolicy" | "timeout" | "transformClient">
): Layer.Layer<CognitoSync, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(CognitoSync, Effect.flatMap(config, (options) => make({ ...options, ...overrides })))
