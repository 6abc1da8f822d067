/**
 * The per-attempt timeout of a call.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

const defaultClockSleep = Clock.make().sleep
const maxTimerMillis = 2 ** 31 - 1

/**
 * `Effect.timeoutFail` on `clock`, cheaper. `Effect.timeoutFail` races the effect against a sleeping fiber: two
 * forks, an interruption and a merge of fiber refs on every call, about a quarter of a call's CPU
 * (docs/benchmarks.md). With the default clock, one fork and a timer do the same: on timeout the fiber is
 * interrupted (which aborts the request) and the timeout error fails the call. Any other clock (a `TestClock`)
 * gets `Effect.timeoutFail`.
 *
 * @internal
 */
export const timeoutFail = <A, E, E2>(
  self: Effect.Effect<A, E>,
  clock: Clock.Clock,
  millis: number,
  onTimeout: () => E2
): Effect.Effect<A, E | E2> =>
  clock.sleep !== defaultClockSleep
    ? Effect.timeoutFail(self, { duration: millis, onTimeout })
    : Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.fork(restore(self)), (fiber) =>
        Effect.async<A, E | E2>((resume) => {
          let settled = false
          // As with the default clock, a delay longer than a timer can hold never ends.
          const timer = millis > maxTimerMillis ? undefined : setTimeout(() => {
            if (settled) return
            settled = true
            resume(Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(onTimeout())))
          }, millis)
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
        }))
    )
