import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it, vi } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import * as Credentials from "../src/Credentials.js"
import { type AttemptsOptions, runAttempts } from "../src/internal/attempts.js"
import * as Retry from "../src/Retry.js"
import { DATASET, defaultOptions, IDENTITY_ID, makeFake, makeService, never, ok, POOL_ID } from "./support/fakes.js"

// The attempts' loop and timeout with the real clock, where the timer is a `setTimeout` (the client's other timeout
// and retry tests run under a TestClock, which the loop asks through `Effect.sleep`).

const dataset = { IdentityPoolId: POOL_ID, IdentityId: IDENTITY_ID, DatasetName: DATASET }

const parentSpan = Tracer.externalSpan({ spanId: "caller", traceId: "trace" })

/** `runAttempts` from the current fiber. */
const attempts = <A, E, E2, F>(self: Effect.Effect<A, E>, options: AttemptsOptions<E, E2, F>) =>
  Effect.withFiberRuntime<A, F>((fiber, status) => runAttempts(fiber, status.runtimeFlags, self, options))

/** One attempt with a timeout: the failure, or the timeout error, ends the call. */
const timeoutFail = <A, E, E2>(self: Effect.Effect<A, E>, millis: number, onTimeout: () => E2) =>
  attempts(self, { millis, onTimeout, parentSpan, locals: [], onAttempt: () => {}, next: Effect.fail })

/** An effect that never ends, and whether it was interrupted. */
const hanging = () => {
  let interrupted = false
  return {
    effect: Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true)))),
    interrupted: () => interrupted
  }
}

/** The client over an `HttpClient` that never answers, with one attempt per call. */
const serviceNeverAnswering = () => {
  const request = hanging()
  const client = HttpClient.make(() => request.effect)
  return Effect.map(
    makeService({ ...makeFake(), client }, { ...defaultOptions, maxAttempts: 1 }),
    (service) => ({ service, interrupted: request.interrupted })
  )
}

const activeTimers = () => process.getActiveResourcesInfo().filter((name) => name === "Timeout").length

describe("runAttempts with the default clock", () => {
  it.live("the attempt runs with its fiber refs set, and the caller's are left as they were", () =>
    Effect.gen(function*() {
      const ref = FiberRef.unsafeMake("caller")
      const seen = yield* attempts(FiberRef.get(ref), {
        millis: 10_000,
        onTimeout: () => "late",
        parentSpan,
        locals: [[ref, "attempt"]],
        onAttempt: () => {},
        next: Effect.fail
      })
      expect(seen).toBe("attempt")
      expect(yield* FiberRef.get(ref)).toBe("caller")
    }))

  it.live("the attempt runs under the parent span", () =>
    Effect.gen(function*() {
      const seen = yield* timeoutFail(Effect.currentParentSpan, 10_000, () => "late")
      expect(seen).toBe(parentSpan)
    }))

  it.live("a value that comes in time passes, and the timer is cleared", () =>
    Effect.gen(function*() {
      const before = activeTimers()
      const value = yield* timeoutFail(Effect.succeed(1).pipe(Effect.delay("5 millis")), 10_000, () => "late")
      expect(value).toBe(1)
      expect(activeTimers()).toBe(before)
    }))

  it.live("a failure passes unchanged", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(timeoutFail(Effect.fail("boom"), 10_000, () => "late"))
      expect(exit).toStrictEqual(Exit.fail("boom"))
    }))

  it.live("an effect that takes too long is interrupted and fails with the timeout error", () =>
    Effect.gen(function*() {
      const slow = hanging()
      const started = Date.now()
      const exit = yield* Effect.exit(timeoutFail(slow.effect, 30, () => "late"))
      expect(exit).toStrictEqual(Exit.fail("late"))
      expect(slow.interrupted()).toBe(true)
      expect(Date.now() - started).toBeGreaterThanOrEqual(25)
    }))

  it.live("interrupting the caller interrupts the effect and clears the timer", () =>
    Effect.gen(function*() {
      // The attempt's own timer, watched directly: counting every active timer of the process also counts the
      // scheduler's and the runner's, which come and go meanwhile.
      const setTimer = vi.spyOn(globalThis, "setTimeout")
      const clearTimer = vi.spyOn(globalThis, "clearTimeout")
      const slow = hanging()
      const fiber = yield* Effect.fork(timeoutFail(slow.effect, 10_000, () => "late"))
      yield* Effect.sleep("10 millis")
      yield* Fiber.interrupt(fiber)
      const index = setTimer.mock.calls.findIndex(([, delay]) => delay === 10_000)
      const timer = setTimer.mock.results[index]?.value
      const cleared = clearTimer.mock.calls.map(([handle]) => handle)
      setTimer.mockRestore()
      clearTimer.mockRestore()
      expect(slow.interrupted()).toBe(true)
      expect(timer).toBeDefined()
      expect(cleared).toContain(timer)
    }))

  it.live("a delay longer than a timer can hold never ends, as with the default clock", () =>
    Effect.gen(function*() {
      const result = yield* timeoutFail(Effect.never, 2 ** 31, () => "late").pipe(
        Effect.timeoutTo({ duration: "50 millis", onSuccess: () => "ended", onTimeout: () => "still running" })
      )
      expect(result).toBe("still running")
    }))
})

describe("runAttempts: the loop", () => {
  const loop = { millis: 10_000, onTimeout: () => "late", parentSpan, locals: [] } as const

  it.live("a failed attempt goes to next, which waits and lets the next one start; attempts are numbered", () =>
    Effect.gen(function*() {
      let runs = 0
      const numbers: Array<number> = []
      const seen: Array<string> = []
      const value = yield* attempts(
        Effect.suspend(() => ++runs < 3 ? Effect.fail(`failure ${runs}`) : Effect.succeed("done")),
        {
          ...loop,
          onAttempt: (n) => numbers.push(n),
          next: (failure, n) => Effect.sync(() => seen.push(`${n}: ${failure}`)).pipe(Effect.delay("2 millis"))
        }
      )
      expect(value).toBe("done")
      expect(numbers).toStrictEqual([1, 2, 3])
      expect(seen).toStrictEqual(["1: failure 1", "2: failure 2"])
    }))

  it.live("next failing ends the call with its error", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(attempts(Effect.fail("boom"), {
        ...loop,
        onAttempt: () => {},
        next: (failure, n) => n < 2 ? Effect.void : Effect.fail(`gave up after ${n}: ${failure}`)
      }))
      expect(exit).toStrictEqual(Exit.fail("gave up after 2: boom"))
    }))

  it.live("a defect ends the call as it is, and next is not asked", () =>
    Effect.gen(function*() {
      let asked = 0
      const exit = yield* Effect.exit(attempts(Effect.die("bug"), {
        ...loop,
        onAttempt: () => {},
        next: () => Effect.sync(() => asked++)
      }))
      expect(exit).toStrictEqual(Exit.die("bug"))
      expect(asked).toBe(0)
    }))

  it.live("a timed-out attempt goes to next with the timeout error, and the next attempt can succeed", () =>
    Effect.gen(function*() {
      let runs = 0
      const failures: Array<string> = []
      const value = yield* attempts(Effect.suspend(() => ++runs === 1 ? Effect.never : Effect.succeed(runs)), {
        ...loop,
        millis: 20,
        onAttempt: () => {},
        next: (failure) => Effect.sync(() => failures.push(failure))
      })
      expect(value).toBe(2)
      expect(failures).toStrictEqual(["late"])
    }))

  it.live("a callback that throws ends the call with that defect, not a hang", () =>
    Effect.gen(function*() {
      const bug = new Error("callback bug")
      const throwing = () => {
        throw bug
      }
      const inNext = yield* Effect.exit(attempts(Effect.fail("boom"), { ...loop, onAttempt: () => {}, next: throwing }))
      const inOnTimeout = yield* Effect.exit(attempts(Effect.never, {
        ...loop,
        millis: 10,
        onTimeout: throwing,
        onAttempt: () => {},
        next: Effect.fail
      }))
      const inOnAttempt = yield* Effect.exit(
        attempts(Effect.succeed(1), { ...loop, onAttempt: throwing, next: Effect.fail })
      )
      for (const exit of [inNext, inOnTimeout, inOnAttempt]) expect(exit).toStrictEqual(Exit.die(bug))
    }))

  it.live("interrupting the caller while it waits between attempts interrupts the wait", () =>
    Effect.gen(function*() {
      const wait = hanging()
      const fiber = yield* Effect.fork(attempts(Effect.fail("boom"), {
        ...loop,
        onAttempt: () => {},
        next: () => wait.effect
      }))
      yield* Effect.sleep("10 millis")
      yield* Fiber.interrupt(fiber)
      expect(wait.interrupted()).toBe(true)
    }))

  it.effect("with a TestClock, the timeout and the waits between attempts follow the clock", () =>
    Effect.gen(function*() {
      let runs = 0
      const fiber = yield* Effect.fork(
        attempts(Effect.suspend(() => ++runs === 1 ? Effect.never : Effect.succeed(runs)), {
          ...loop,
          millis: 1_000,
          onAttempt: () => {},
          next: () => Effect.sleep("500 millis")
        })
      )
      yield* TestClock.adjust("999 millis")
      expect(runs).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(runs).toBe(1)
      yield* TestClock.adjust("500 millis")
      expect(yield* Fiber.join(fiber)).toBe(2)
    }))
})

describe("the client's timeout with the default clock", () => {
  it.live("an answer that never comes fails with CognitoSyncTimeoutError and the request is interrupted", () =>
    Effect.gen(function*() {
      const { interrupted, service } = yield* serviceNeverAnswering()
      const error = yield* Effect.flip(service.listRecords({ ...dataset, LastSyncCount: 0 }, { timeout: "40 millis" }))
      expect(error).toMatchObject({ _tag: "CognitoSyncTimeoutError", operation: "ListRecords", timeoutMillis: 40 })
      expect(interrupted()).toBe(true)
    }))

  it.live("resolving credentials counts toward the attempt: a provider that hangs ends it with the timeout", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({ Count: 1 }))
      let fetches = 0
      const service = yield* makeService(fake, {
        ...defaultOptions,
        maxAttempts: 2,
        credentials: Credentials.refreshing(Effect.suspend(() => {
          fetches++
          return fetches === 1
            ? Effect.never
            : Effect.succeed({ accessKeyId: "AKIDLATE", secretAccessKey: "late-secret" })
        }))
      })
      const page = yield* service.listRecords({ ...dataset, LastSyncCount: 0 }, { timeout: "40 millis" })
      // The first attempt timed out while fetching credentials; the second fetched them and sent the request.
      expect(page.Count).toBe(1)
      expect(fetches).toBe(2)
      expect(fake.count()).toBe(1)
      expect(fake.last().headers.authorization).toContain("Credential=AKIDLATE/")
    }))

  it.live("a call made uninterruptibly still times out: the attempts stay interruptible", () =>
    Effect.gen(function*() {
      const { interrupted, service } = yield* serviceNeverAnswering()
      const error = yield* Effect.flip(
        Effect.uninterruptible(service.listRecords({ ...dataset, LastSyncCount: 0 }, { timeout: "40 millis" }))
      )
      expect(error).toMatchObject({ _tag: "CognitoSyncTimeoutError", timeoutMillis: 40 })
      expect(interrupted()).toBe(true)
    }))

  it.live("a timed-out attempt is retried", () =>
    Effect.gen(function*() {
      const fake = makeFake([never, ok({ Count: 1 })])
      const service = yield* makeService(fake, {
        ...defaultOptions,
        timeout: "30 millis",
        retryPolicy: { ...Retry.defaultPolicy, baseDelay: "1 millis", throttlingBaseDelay: "1 millis" }
      })
      const page = yield* service.listRecords({ ...dataset, LastSyncCount: 0 })
      expect(page.Count).toBe(1)
      expect(fake.count()).toBe(2)
    }))
})
