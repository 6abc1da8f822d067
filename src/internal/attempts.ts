/**
 * How a call's attempts run: each in a fiber of its own, under the call's span, with a timeout; after a failed
 * attempt, an effect of the caller's decides whether and when the next one starts.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as FiberId from "effect/FiberId"
import type * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as Tracer from "effect/Tracer"

const defaultClockSleep = Clock.make().sleep
const maxTimerMillis = 2 ** 31 - 1

/** A fiber ref and its value. @internal */
export type FiberRefValue = readonly [FiberRef.FiberRef<any>, unknown]

/** @internal */
export interface AttemptsOptions<E, E2, F> {
  /** The time one attempt may take. */
  readonly millis: number
  readonly onTimeout: () => E2
  /** The span the attempts' own work (credentials, spans of a custom client) is a child of. */
  readonly parentSpan: Tracer.AnySpan
  /** Fiber refs the attempts run with, as `Effect.locally` would set them. */
  readonly locals: ReadonlyArray<FiberRefValue>
  /** Called as each attempt starts, with its number (1, 2, ...). */
  readonly onAttempt: (attempt: number) => void
  /**
   * After attempt number `attempt` failed with `failure` (or timed out): an effect that waits for the next attempt,
   * or fails to end the call with its error. It runs under the parent span, with the caller's clock and services.
   */
  readonly next: (failure: E | E2, attempt: number) => Effect.Effect<void, F>
}

/** Runs `fire` after `millis` by the given clock; returns what cancels it. */
type Schedule = (millis: number, fire: () => void) => () => void

const timerSchedule: Schedule = (millis, fire) => {
  // As with the default clock, a delay longer than a timer can hold never ends.
  if (millis > maxTimerMillis) return () => {}
  const timer = setTimeout(fire, millis)
  return () => clearTimeout(timer)
}

/** Any other clock (a `TestClock`) is asked through `Effect.sleep`, in a fiber of its own, so that it drives it. */
const sleepSchedule = (runtime: Runtime.Runtime<never>): Schedule => (millis, fire) => {
  const sleeper = Runtime.runFork(runtime, Effect.sleep(millis))
  sleeper.addObserver((exit) => {
    if (Exit.isSuccess(exit)) fire()
  })
  return () => sleeper.unsafeInterruptAsFork(sleeper.id())
}

/**
 * Runs `attempt` until it succeeds or `options.next` ends the call: a retry loop around `Effect.timeoutFail` of
 * each attempt, under the parent span and with the locals set. Each attempt is one fiber that starts with the span
 * and the locals in place, bounded by a timer: on timeout the fiber is interrupted (which aborts the request) and
 * the timeout error is the attempt's failure. That costs one fork per attempt, where the combinators would race
 * each attempt against a sleeping fiber (two forks, an interruption and a merge of fiber refs) and set and restore
 * fiber refs around it (docs/benchmarks.md). The loop lives in the fibers' observers, so the same code runs under
 * every clock: a `setTimeout` is the timer of the default clock; any other clock (a `TestClock`) is asked through
 * `Effect.sleep`, as are the waits between attempts, which `options.next` returns.
 *
 * A success, a defect or an interruption ends the call as it is; only a failure goes to `options.next`.
 *
 * @internal
 */
export const runAttempts = <A, E, E2, F>(
  parent: Fiber.RuntimeFiber<unknown, unknown>,
  runtimeFlags: RuntimeFlags.RuntimeFlags,
  attempt: Effect.Effect<A, E>,
  options: AttemptsOptions<E, E2, F>
): Effect.Effect<A, F> =>
  Effect.async<A, F>((resume) => {
    // The attempts inherit the caller's fiber refs and flags, as a fork does, and start at once; but they stay
    // interruptible, so that their timeout ends them even in a caller that runs uninterruptibly.
    const runtime = Runtime.make({
      context: Context.add(parent.currentContext, Tracer.ParentSpan, options.parentSpan),
      fiberRefs: parent.getFiberRefs(),
      runtimeFlags: RuntimeFlags.enable(runtimeFlags, RuntimeFlags.Interruption)
    })
    const schedule = Context.get(parent.currentDefaultServices, Clock.Clock).sleep === defaultClockSleep
      ? timerSchedule
      : sleepSchedule(runtime)
    const withLocals = {
      updateRefs: (fiberRefs: FiberRefs.FiberRefs, fiberId: FiberId.Runtime) =>
        options.locals.reduce(
          (refs, [fiberRef, value]) => FiberRefs.updateAs(refs, { fiberId, fiberRef, value }),
          fiberRefs
        )
    }
    let attempts = 0
    let ended = false
    // The fiber running now (an attempt, or the wait before the next one) and its timer's cancel.
    let current: Fiber.RuntimeFiber<unknown, unknown> | undefined
    let cancelTimer = () => {}

    const end = (exit: Effect.Effect<A, F>) => {
      ended = true
      current = undefined
      resume(exit)
    }

    const start = () => {
      const number = ++attempts
      let timedOut = false
      // Asks `options.next` about a failure, inside a fiber, so that a throw is a defect of the call rather than of
      // an observer (the attempt's own callback runs inside its fiber for the same reason).
      const retry = (failure: () => E | E2) => {
        const wait = Runtime.runFork(runtime, Effect.suspend(() => options.next(failure(), number)))
        current = wait
        wait.addObserver((waited) => {
          if (ended) return
          if (Exit.isSuccess(waited)) start()
          else end(Exit.failCause(waited.cause))
        })
      }
      const fiber = Runtime.runFork(runtime, Effect.suspend(() => (options.onAttempt(number), attempt)), withLocals)
      current = fiber
      cancelTimer = schedule(options.millis, () => {
        timedOut = true
        fiber.unsafeInterruptAsFork(parent.id())
      })
      fiber.addObserver((exit) => {
        cancelTimer()
        if (ended) return
        // An answer that came as the timer fired is kept.
        if (Exit.isSuccess(exit)) return end(exit as Exit.Exit<A, never>)
        if (timedOut) return retry(options.onTimeout)
        const failure = Cause.failureOption(exit.cause)
        // A defect or an interruption ends the call as it is.
        if (Option.isNone(failure)) return end(exit as Exit.Exit<never, never>)
        retry(() => failure.value)
      })
    }

    start()
    return Effect.suspend(() => {
      // The caller was interrupted: stop the timer, and interrupt the running fiber and wait for it to end.
      const running = current
      ended = true
      cancelTimer()
      return running === undefined ? Effect.void : Fiber.interrupt(running)
    })
  })
