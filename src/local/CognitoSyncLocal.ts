/**
 * The `CognitoSync` service backed by the emulator's engine, with no HTTP in between: the same input validation,
 * the same tagged errors and the same pagination as the remote client. Swap one layer to test a program that
 * uses Cognito Sync:
 *
 * ```ts
 * program.pipe(Effect.provide(CognitoSyncLocal.layer))
 * ```
 *
 * Several layers made from one engine (`layerWith({ engine })`) are clients of one service.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as CognitoSync from "../CognitoSync.js"
import {
  type CognitoSyncError,
  CognitoSyncServiceError,
  CognitoSyncTransportError,
  InternalErrorException,
  type ModeledError,
  TooManyRequestsException
} from "../CognitoSyncError.js"
import { codecOf, encodeRequest } from "../internal/restJson.js"
import type * as Operations from "../Operations.js"
import * as Engine from "./Engine.js"
import * as Faults from "./Faults.js"

/**
 * Makes the service over an engine. `caller` sets whose credentials the calls use: developer credentials by
 * default, or an identity's Cognito Identity credentials.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeService = (
  engine: Engine.Engine,
  caller: Engine.Caller = {},
  faults?: Faults.Faults
): CognitoSync.Service => {
  const injector = faults === undefined ? undefined : Faults.makeInjector(faults)
  return CognitoSync.fromInvoker((op, input) =>
    Effect.withSpan(
      Effect.suspend((): Effect.Effect<unknown, CognitoSyncError> => {
        // The remote client's own check, so both refuse the same inputs with the same errors: the model's
        // constraints, and what cannot be sent (a "." or ".." label, a lone surrogate).
        const sendable = encodeRequest(op, input)
        if (Either.isLeft(sendable)) return Effect.fail(sendable.left)
        const call = engine.invoke(op.name as Operations.OperationName, input as never, { caller })
        return (injector === undefined ? call : withFaults(injector, op.name, call)).pipe(
          Effect.catchAll((error) =>
            // An error the operation does not model reaches the caller as the client would report it.
            Effect.fail(
              error._tag === "CognitoSyncTransportError" || codecOf(op).errorsByName.has(error._tag)
                ? error
                : new CognitoSyncServiceError({
                  code: error._tag,
                  message: error.message,
                  status: error.status,
                  requestId: error.requestId
                })
            )
          )
        )
      }),
      `CognitoSync.${op.name}`,
      { kind: "client", attributes: { "rpc.system": "aws-api", "rpc.service": "CognitoSync", "rpc.method": op.name } }
    )
  )
}

/** Runs a call as the server would with these faults: before it, an injected error; after a write, a lost answer. */
const withFaults = <A, E>(
  injector: Faults.Injector,
  operation: string,
  call: Effect.Effect<A, E>
): Effect.Effect<A, E | ModeledError | CognitoSyncTransportError> =>
  Effect.gen(function*() {
    if (injector.latency !== undefined) yield* Effect.sleep(injector.latency)
    const injected = injector.before()
    if (injected !== undefined) {
      const ErrorClass = injected.code === "TooManyRequestsException"
        ? TooManyRequestsException
        : InternalErrorException
      return yield* new ErrorClass({ message: injected.message, status: injected.status })
    }
    const result = yield* call
    if (injector.dropAnswer(operation)) {
      return yield* new CognitoSyncTransportError({ operation, message: "Transport error: the connection was dropped" })
    }
    return result
  })

/**
 * Options of {@link layerWith}.
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerOptions extends Engine.EngineOptions {
  /** An engine to share with other layers or a server; a fresh one (with `seed`) by default. */
  readonly engine?: Engine.Engine | undefined
  /** Whose credentials the calls use; developer credentials by default. */
  readonly caller?: Engine.Caller | undefined
  /** Faults to inject into the calls, as the server would. */
  readonly faults?: Faults.Faults | undefined
}

/**
 * The service over a given or fresh engine.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: LayerOptions = {}): Layer.Layer<CognitoSync.CognitoSync> =>
  Layer.effect(
    CognitoSync.CognitoSync,
    Effect.map(
      options.engine === undefined ? Engine.make(options) : Effect.succeed(options.engine),
      (engine) => makeService(engine, options.caller, options.faults)
    )
  )

/**
 * The service over a fresh, empty engine.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CognitoSync.CognitoSync> = layerWith()

/**
 * Makes an engine to share between layers and servers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeEngine: (options?: Engine.EngineOptions) => Effect.Effect<Engine.Engine> = Engine.make
