/**
 * How one attempt of a call runs: in a fiber of its own, under the call's span, with a timeout.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as Runtime from "effect/Runtime"
import * as Tracer from "effect/Tracer"

const defaultClockSleep = Clock.make().sleep
const maxTimerMillis = 2 ** 31 - 1

/** @internal */
export interface AttemptOptions<E2> {
  readonly clock: Clock.Clock
  readonly millis: number
  readonly onTimeout: () => E2
  /** The span the attempt's own work (credentials, spans of a custom client) is a child of. */
  readonly parentSpan: Tracer.AnySpan
  /** Fiber refs the attempt runs with, as `Effect.locally` would set them. */
  readonly locals: ReadonlyArray<FiberRefValue>
}

/** A fiber ref and its value. @internal */
export type FiberRefValue = readonly [FiberRef.FiberRef<any>, unknown]

/**
 * `Effect.timeoutFail` of `self` with `parentSpan` and `locals` set around it, cheaper. `Effect.timeoutFail` races
 * the effect against a sleeping fiber (two forks, an interruption and a merge of fiber refs), and
 * `Effect.withParentSpan` or `Effect.locally` set and restore a fiber ref around it: together about a third of a
 * call's allocations (docs/benchmarks.md). With the default clock, one fiber that starts with the span and the
 * locals in place, and a timer, do the same: on timeout the fiber is interrupted (which aborts the request) and the
 * timeout error fails the attempt. Any other clock (a `TestClock`) gets `Effect.timeoutFail`, which it drives.
 *
 * @internal
 */
export const runAttempt = <A, E, E2>(
  self: Effect.Effect<A, E>,
  options: AttemptOptions<E2>
): Effect.Effect<A, E | E2> =>
  options.clock.sleep !== defaultClockSleep
    ? Effect.timeoutFail(
      options.locals.reduce(
        (effect, [fiberRef, value]) => Effect.locally(effect, fiberRef, value),
        Effect.withParentSpan(self, options.parentSpan)
      ),
      {
        duration: options.millis,
        onTimeout: options.onTimeout
      }
    )
    : Effect.withFiberRuntime((parent, status) =>
      Effect.async<A, E | E2>((resume) => {
        // The attempt's fiber inherits the caller's fiber refs and flags, as a fork does, and starts at once.
        const fiber = Runtime.runFork(
          Runtime.make({
            context: Context.add(parent.currentContext, Tracer.ParentSpan, options.parentSpan),
            fiberRefs: parent.getFiberRefs(),
            runtimeFlags: status.runtimeFlags
          }),
          self,
          {
            updateRefs: (fiberRefs, fiberId) =>
              options.locals.reduce(
                (refs, [fiberRef, value]) => FiberRefs.updateAs(refs, { fiberId, fiberRef, value }),
                fiberRefs
              )
          }
        )
        let settled = false
        // As with the default clock, a delay longer than a timer can hold never ends.
        const timer = options.millis > maxTimerMillis ? undefined : setTimeout(() => {
          if (settled) return
          settled = true
          resume(Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(options.onTimeout())))
        }, options.millis)
        fiber.addObserver((exit) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resume(exit)
        })
        return Effect.suspend(() => {
          settled = true
          clearTimeout(timer)
          return Fiber.interrupt(fiber)
        })
      })
    )
