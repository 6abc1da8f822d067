import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as CognitoSync from "../src/CognitoSync.js"
import * as E from "../src/CognitoSyncError.js"
import * as Retry from "../src/Retry.js"
import {
  awsError,
  brokenBody,
  DATASET,
  defaultOptions,
  type FakeTransport,
  IDENTITY_ID,
  makeFake,
  makeService,
  never,
  ok,
  POOL_ID,
  type Reply,
  transportError
} from "./support/fakes.js"

const dataset = { IdentityPoolId: POOL_ID, IdentityId: IDENTITY_ID, DatasetName: DATASET }
type Call = (service: CognitoSync.Service) => Effect.Effect<unknown, E.CognitoSyncError>
const listRecords: Call = (s) => s.listRecords({ ...dataset, LastSyncCount: 0 })
const updateRecords: Call = (s) => s.updateRecords({ ...dataset, SyncSessionToken: "t" })

/**
 * Forks the call, moves the TestClock far enough for every retry and timeout to fire, and joins it. Nothing
 * really waits.
 */
const runUnderTestClock = <A, E>(effect: Effect.Effect<A, E>, advance: Duration.DurationInput = "10 minutes") =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(advance)
    return yield* Fiber.join(fiber).pipe(Effect.either)
  })

/** Calls through a fake answering `reply`; returns the fake and the outcome. */
const attempt = (
  reply: Reply | ReadonlyArray<Reply>,
  call: Call = listRecords,
  options: CognitoSync.Options = defaultOptions,
  advance?: Duration.DurationInput
) =>
  Effect.gen(function*() {
    const fake = makeFake(reply)
    const service = yield* makeService(fake, options)
    const result = yield* runUnderTestClock(call(service), advance)
    return { fake, result }
  })

const failureTag = (result: { readonly _tag: "Left"; readonly left: { readonly _tag: string } } | { _tag: "Right" }) =>
  result._tag === "Left" ? result.left._tag : "success"

describe("Retry: what the default policy retries (3 attempts)", () => {
  const retried: ReadonlyArray<readonly [string, Reply, Call, string]> = [
    [
      "429 TooManyRequestsException",
      awsError(429, "TooManyRequestsException"),
      listRecords,
      "TooManyRequestsException"
    ],
    [
      "429 LambdaThrottledException",
      awsError(429, "LambdaThrottledException"),
      updateRecords,
      "LambdaThrottledException"
    ],
    ["500 InternalErrorException", awsError(500, "InternalErrorException"), listRecords, "InternalErrorException"],
    [
      "502 with an HTML body",
      { status: 502, body: "<html>Bad Gateway</html>" },
      listRecords,
      "CognitoSyncServiceError"
    ],
    ["503 ServiceUnavailable", awsError(503, "ServiceUnavailable"), listRecords, "CognitoSyncServiceError"],
    ["504 with no body", { status: 504 }, listRecords, "CognitoSyncServiceError"],
    ["an unmodeled 429", awsError(429, "SlowDownPlease"), listRecords, "CognitoSyncServiceError"],
    [
      "400 ThrottlingException (unmodeled)",
      awsError(400, "ThrottlingException"),
      listRecords,
      "CognitoSyncServiceError"
    ],
    [
      "400 RequestTimeoutException (unmodeled)",
      awsError(400, "RequestTimeoutException"),
      listRecords,
      "CognitoSyncServiceError"
    ],
    ["a transport failure", transportError(), listRecords, "CognitoSyncTransportError"],
    ["a body that breaks off", brokenBody(200), listRecords, "CognitoSyncTransportError"]
  ]

  for (const [title, reply, call, tag] of retried) {
    it.effect(`${title}: 3 attempts, then the last failure`, () =>
      Effect.gen(function*() {
        const { fake, result } = yield* attempt(reply, call)
        expect(failureTag(result)).toBe(tag)
        expect(fake.count()).toBe(3)
      }))
  }

  it.effect("a custom HttpClient that fails outside its type still gives a typed transport error", () =>
    Effect.gen(function*() {
      let sent = 0
      // A client whose failure is not an HttpClientError, as a hand-written client cast to the type might be.
      const client = HttpClient.make(() =>
        Effect.suspend(() => {
          sent++
          return Effect.fail(new TypeError("the request to https://example.test/?token=secret broke"))
        }) as unknown as Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>
      )
      const service = yield* CognitoSync.make(defaultOptions).pipe(Effect.provideService(HttpClient.HttpClient, client))
      const result = yield* runUnderTestClock(listRecords(service))
      expect(result._tag === "Left" && result.left).toBeInstanceOf(E.CognitoSyncTransportError)
      expect(result._tag === "Left" && result.left.message).toBe("the HttpClient failed with TypeError")
      expect(sent).toBe(3)
    }))

  it.effect("a retry that succeeds returns the success", () =>
    Effect.gen(function*() {
      const { fake, result } = yield* attempt([
        awsError(503, "ServiceUnavailable"),
        transportError(),
        ok({ DatasetSyncCount: 4 })
      ])
      expect(result).toMatchObject({ _tag: "Right", right: { DatasetSyncCount: 4 } })
      expect(fake.count()).toBe(3)
    }))

  it.effect("every attempt is signed again, at its own time (same request, fresh signature)", () =>
    Effect.gen(function*() {
      const { fake } = yield* attempt(
        [awsError(500, "InternalErrorException", "oops", { headers: { "retry-after": "2" } }), ok({})],
        (s) => updateRecords(s).pipe(Effect.withRandom(Random.fixed([0])))
      )
      expect(fake.count()).toBe(2)
      const [first, second] = fake.requests
      expect(second?.url).toBe(first?.url)
      expect(second?.body).toBe(first?.body)
      expect(first?.headers["x-amz-date"]).toBe("19700101T000000Z")
      expect(second?.headers["x-amz-date"]).toBe("19700101T000002Z")
      expect(second?.headers.authorization).not.toBe(first?.headers.authorization)
    }))
})

describe("Retry: timeouts", () => {
  it.effect("an answer that never comes fails with CognitoSyncTimeoutError after the client's timeout, retried", () =>
    Effect.gen(function*() {
      const { fake, result } = yield* attempt(never, listRecords, { ...defaultOptions, timeout: "2 seconds" })
      expect(result).toMatchObject({
        _tag: "Left",
        left: { _tag: "CognitoSyncTimeoutError", operation: "ListRecords", timeoutMillis: 2000 }
      })
      expect(fake.count()).toBe(3)
    }))

  it.effect("the default timeout is 30 seconds per attempt", () =>
    Effect.gen(function*() {
      const fake = makeFake(never)
      const service = yield* makeService(fake, { ...defaultOptions, maxAttempts: 1 })
      const fiber = yield* Effect.fork(listRecords(service))
      yield* TestClock.adjust("29999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(fiber).pipe(Effect.either)
      expect(result).toMatchObject({ _tag: "Left", left: { _tag: "CognitoSyncTimeoutError", timeoutMillis: 30000 } })
      expect(fake.count()).toBe(1)
    }))

  it.effect("the per-call timeout option overrides the client's", () =>
    Effect.gen(function*() {
      const fake = makeFake(never)
      const service = yield* makeService(fake, { ...defaultOptions, maxAttempts: 1, timeout: "1 minute" })
      const fiber = yield* Effect.fork(service.listRecords({ ...dataset, LastSyncCount: 0 }, { timeout: "500 millis" }))
      yield* TestClock.adjust("499 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(fiber).pipe(Effect.either)
      expect(result).toMatchObject({ _tag: "Left", left: { _tag: "CognitoSyncTimeoutError", timeoutMillis: 500 } })
    }))

  it.effect("a timeout followed by an answer succeeds on the retry", () =>
    Effect.gen(function*() {
      const { fake, result } = yield* attempt([never, ok({ Count: 1 })], listRecords, {
        ...defaultOptions,
        timeout: "1 second"
      })
      expect(result).toMatchObject({ _tag: "Right", right: { Count: 1 } })
      expect(fake.count()).toBe(2)
    }))
})

describe("Retry: what is not retried", () => {
  const notRetried: ReadonlyArray<readonly [string, Reply, Call, string]> = [
    [
      "400 InvalidParameterException",
      awsError(400, "InvalidParameterException"),
      listRecords,
      "InvalidParameterException"
    ],
    ["400 LimitExceededException", awsError(400, "LimitExceededException"), updateRecords, "LimitExceededException"],
    [
      "409 ResourceConflictException",
      awsError(409, "ResourceConflictException"),
      updateRecords,
      "ResourceConflictException"
    ],
    ["403 NotAuthorizedException", awsError(403, "NotAuthorizedException"), listRecords, "NotAuthorizedException"],
    [
      "403 InvalidSignatureException",
      awsError(403, "InvalidSignatureException"),
      listRecords,
      "CognitoSyncServiceError"
    ],
    [
      "404 ResourceNotFoundException",
      awsError(404, "ResourceNotFoundException"),
      updateRecords,
      "ResourceNotFoundException"
    ],
    ["501 NotImplemented", { status: 501, body: "" }, listRecords, "CognitoSyncServiceError"],
    ["a 200 that is not JSON", { status: 200, body: "<html/>" }, listRecords, "CognitoSyncDecodeError"],
    ["a 200 of the wrong shape", ok({ Records: 5 }), listRecords, "CognitoSyncDecodeError"]
  ]

  for (const [title, reply, call, tag] of notRetried) {
    it.effect(`${title}: 1 attempt`, () =>
      Effect.gen(function*() {
        const { fake, result } = yield* attempt(reply, call)
        expect(failureTag(result)).toBe(tag)
        expect(fake.count()).toBe(1)
      }))
  }

  it.effect("an invalid input: no attempt at all", () =>
    Effect.gen(function*() {
      const { fake, result } = yield* attempt(ok({}), (s) => s.listRecords({ ...dataset, LastSyncCount: -1 }))
      expect(failureTag(result)).toBe("CognitoSyncValidationError")
      expect(fake.count()).toBe(0)
    }))
})

describe("Retry: attempts", () => {
  const unavailable = awsError(503, "ServiceUnavailable")

  it.effect("maxAttempts: 1 turns retries off", () =>
    Effect.gen(function*() {
      const { fake } = yield* attempt(awsError(429, "TooManyRequestsException"), listRecords, {
        ...defaultOptions,
        maxAttempts: 1
      })
      expect(fake.count()).toBe(1)
    }))

  it.effect("maxAttempts: 5 gives 5 attempts", () =>
    Effect.gen(function*() {
      const { fake, result } = yield* attempt(unavailable, listRecords, { ...defaultOptions, maxAttempts: 5 })
      expect(failureTag(result)).toBe("CognitoSyncServiceError")
      expect(fake.count()).toBe(5)
    }))

  for (const maxAttempts of [0, -1, 1.5, Number.NaN]) {
    it.effect(`maxAttempts ${maxAttempts} is a CognitoSyncValidationError, with no attempt`, () =>
      Effect.gen(function*() {
        const { fake, result } = yield* attempt(unavailable, listRecords, { ...defaultOptions, maxAttempts })
        expect(result).toMatchObject({
          _tag: "Left",
          left: { _tag: "CognitoSyncValidationError", operation: "ListRecords", path: "maxAttempts" }
        })
        expect(fake.count()).toBe(0)
      }))
  }

  it.effect("Retry.withPolicy(Retry.none) turns retries off for the calls it wraps", () =>
    Effect.gen(function*() {
      const fake = makeFake(unavailable)
      const service = yield* makeService(fake)
      yield* runUnderTestClock(listRecords(service).pipe(Retry.withPolicy(Retry.none)))
      expect(fake.count()).toBe(1)
      // Outside it, the default applies again.
      yield* runUnderTestClock(listRecords(service))
      expect(fake.count()).toBe(4)
    }))

  it.effect("Retry.layer sets the policy", () =>
    Effect.gen(function*() {
      const fake = makeFake(unavailable)
      const service = yield* makeService(fake)
      yield* runUnderTestClock(
        listRecords(service).pipe(Effect.provide(Retry.layer({ ...Retry.defaultPolicy, maxAttempts: 2 })))
      )
      expect(fake.count()).toBe(2)
    }))

  it.effect("maxAttempts overrides the count of the policy in force", () =>
    Effect.gen(function*() {
      const { fake } = yield* attempt(
        unavailable,
        (s) => listRecords(s).pipe(Retry.withPolicy(Retry.none)),
        { ...defaultOptions, maxAttempts: 4 }
      )
      expect(fake.count()).toBe(4)
    }))

  it.effect("the retryPolicy option replaces the policy: a custom one can retry what the default does not", () =>
    Effect.gen(function*() {
      const policy: Retry.RetryPolicy = {
        ...Retry.defaultPolicy,
        maxAttempts: 4,
        isRetryable: (error) => error._tag === "InvalidParameterException"
      }
      const invalid = yield* attempt(awsError(400, "InvalidParameterException"), listRecords, {
        ...defaultOptions,
        retryPolicy: policy
      })
      expect(invalid.fake.count()).toBe(4)
      const throttled = yield* attempt(awsError(429, "TooManyRequestsException"), listRecords, {
        ...defaultOptions,
        retryPolicy: policy
      })
      expect(throttled.fake.count()).toBe(1)
    }))

  it.effect("a retry policy that throws fails the call with that defect, and the call does not hang", () =>
    Effect.gen(function*() {
      const bug = new Error("policy bug")
      const policy: Retry.RetryPolicy = {
        ...Retry.defaultPolicy,
        isRetryable: () => {
          throw bug
        }
      }
      const fake = makeFake(awsError(500, "InternalErrorException"))
      const service = yield* makeService(fake, { ...defaultOptions, retryPolicy: policy })
      const exit = yield* Effect.exit(listRecords(service))
      // The defect is the policy's error (Effect wraps it to carry the span, so compare its message).
      const defect = Exit.isFailure(exit) ? Cause.dieOption(exit.cause) : Option.none()
      expect(Option.map(defect, (d) => d instanceof Error && d.message)).toStrictEqual(Option.some(bug.message))
      expect(fake.count()).toBe(1)
    }))

  it.effect("the retryPolicy option takes precedence over Retry.withPolicy", () =>
    Effect.gen(function*() {
      const { fake } = yield* attempt(
        unavailable,
        (s) => listRecords(s).pipe(Retry.withPolicy({ ...Retry.defaultPolicy, maxAttempts: 6 })),
        { ...defaultOptions, retryPolicy: Retry.none }
      )
      expect(fake.count()).toBe(1)
    }))
})

describe("Retry: delays", () => {
  const throttled = new E.TooManyRequestsException({ message: "slow down", status: 429 })
  const internal = new E.InternalErrorException({ message: "oops", status: 500 })
  const transport = new E.CognitoSyncTransportError({ operation: "ListRecords", message: "reset" })
  const almostOne = 0.999999
  const policy = Retry.defaultPolicy

  it("full jitter: random 0 gives no wait", () => {
    for (let retry = 0; retry < 12; retry++) {
      expect(Retry.delayMillis(policy, throttled, retry, 0)).toBe(0)
      expect(Retry.delayMillis(policy, internal, retry, 0)).toBe(0)
    }
  })

  it("full jitter: random ~1 gives just under min(20 s, base * 2^n); base 100 ms, 500 ms for throttling", () => {
    expect([0, 1, 2, 3].map((n) => Retry.delayMillis(policy, internal, n, almostOne))).toEqual([99, 199, 399, 799])
    expect([0, 1, 2, 3].map((n) => Retry.delayMillis(policy, transport, n, almostOne))).toEqual([99, 199, 399, 799])
    expect([0, 1, 2, 3].map((n) => Retry.delayMillis(policy, throttled, n, almostOne))).toEqual([499, 999, 1999, 3999])
    expect(Retry.delayMillis(policy, throttled, 10, almostOne)).toBe(19999)
    expect(Retry.delayMillis(policy, internal, 30, almostOne)).toBe(19999)
  })

  it("an unmodeled ThrottlingException with status 400 uses the throttling base", () => {
    const error = new E.CognitoSyncServiceError({ code: "ThrottlingException", message: "", status: 400 })
    expect(Retry.delayMillis(policy, error, 0, almostOne)).toBe(499)
    expect(Retry.isThrottling(error)).toBe(true)
    expect(policy.isRetryable(error)).toBe(true)
  })

  it("every delay is within [0, min(cap, base * 2^n))", () => {
    for (let retry = 0; retry < 10; retry++) {
      for (const random of [0, 0.1, 0.5, 0.9, almostOne]) {
        const bound = Math.min(20000, 500 * 2 ** retry)
        const delay = Retry.delayMillis(policy, throttled, retry, random)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThan(bound)
      }
    }
  })

  it("Retry-After raises the wait, up to the 20 s cap, and never lowers it", () => {
    expect(Retry.delayMillis(policy, throttled, 0, 0, 3000)).toBe(3000)
    expect(Retry.delayMillis(policy, throttled, 0, 0, 60000)).toBe(20000)
    expect(Retry.delayMillis(policy, throttled, 2, almostOne, 10)).toBe(1999)
  })

  it("parseRetryAfter reads seconds and HTTP dates", () => {
    const now = Date.UTC(2015, 7, 30, 12, 36, 0)
    expect(Retry.parseRetryAfter("3", now)).toBe(3000)
    expect(Retry.parseRetryAfter(" 1.5 ", now)).toBe(1500)
    expect(Retry.parseRetryAfter("Sun, 30 Aug 2015 12:36:10 GMT", now)).toBe(10000)
    expect(Retry.parseRetryAfter("Sun, 30 Aug 2015 12:00:00 GMT", now)).toBe(0)
    expect(Retry.parseRetryAfter(undefined, now)).toBeUndefined()
    expect(Retry.parseRetryAfter("soon", now)).toBeUndefined()
  })

  /**
   * Forks the call and moves the TestClock to each of `probes` (ms since the call started, ascending), recording
   * the number of attempts made at each. Probing just before and at a boundary steps the clock by 1 ms there.
   */
  const attemptsAt = (
    fake: FakeTransport,
    call: Effect.Effect<unknown, unknown>,
    probes: ReadonlyArray<number>
  ) =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(call)
      const counts = new Map<number, number>()
      let now = 0
      for (const t of [0, ...probes]) {
        yield* TestClock.adjust(Duration.millis(t - now))
        now = t
        counts.set(t, fake.count())
      }
      yield* Fiber.interrupt(fiber)
      return counts
    })

  it.effect("through the client, with random ~1: throttling retries come at 499 ms and 499 + 999 ms", () =>
    Effect.gen(function*() {
      const fake = makeFake(awsError(429, "TooManyRequestsException"))
      const service = yield* makeService(fake)
      const counts = yield* attemptsAt(
        fake,
        listRecords(service).pipe(Effect.withRandom(Random.fixed([almostOne]))),
        [100, 498, 499, 1000, 1497, 1498, 1600]
      )
      expect(counts.get(0)).toBe(1)
      expect(counts.get(498)).toBe(1)
      expect(counts.get(499)).toBe(2)
      expect(counts.get(1497)).toBe(2)
      expect(counts.get(1498)).toBe(3)
      expect(counts.get(1600)).toBe(3)
    }))

  it.effect("through the client, with random ~1: transient retries come at 99 ms and 99 + 199 ms", () =>
    Effect.gen(function*() {
      const fake = makeFake(awsError(500, "InternalErrorException"))
      const service = yield* makeService(fake)
      const counts = yield* attemptsAt(
        fake,
        listRecords(service).pipe(Effect.withRandom(Random.fixed([almostOne]))),
        [98, 99, 297, 298]
      )
      expect(counts.get(98)).toBe(1)
      expect(counts.get(99)).toBe(2)
      expect(counts.get(297)).toBe(2)
      expect(counts.get(298)).toBe(3)
    }))

  it.effect("through the client, with random 0: the retries come at once", () =>
    Effect.gen(function*() {
      const fake = makeFake(awsError(429, "TooManyRequestsException"))
      const service = yield* makeService(fake)
      const counts = yield* attemptsAt(
        fake,
        listRecords(service).pipe(Effect.withRandom(Random.fixed([0]))),
        []
      )
      expect(counts.get(0)).toBe(3)
    }))

  it.effect("through the client, whatever the random numbers: all 3 attempts within the full-jitter bounds", () =>
    Effect.gen(function*() {
      for (const seed of [1, 2, 3, 4, 5]) {
        const fake = makeFake(awsError(429, "TooManyRequestsException"))
        const service = yield* makeService(fake)
        const counts = yield* attemptsAt(
          fake,
          listRecords(service).pipe(Effect.withRandom(Random.make(seed))),
          [499, 1498]
        )
        // Bounds: the first retry by 499 ms, the second by 499 + 999 ms.
        expect(counts.get(0)).toBe(1)
        expect(counts.get(499)).toBeGreaterThanOrEqual(2)
        expect(counts.get(1498)).toBe(3)
      }
    }))

  it.effect("Retry-After in seconds is honoured", () =>
    Effect.gen(function*() {
      const fake = makeFake([
        awsError(429, "TooManyRequestsException", "slow", { headers: { "retry-after": "3" } }),
        ok({})
      ])
      const service = yield* makeService(fake)
      const counts = yield* attemptsAt(
        fake,
        listRecords(service).pipe(Effect.withRandom(Random.fixed([0]))),
        [2999, 3000]
      )
      expect(counts.get(2999)).toBe(1)
      expect(counts.get(3000)).toBe(2)
    }))

  it.effect("Retry-After is capped at 20 s", () =>
    Effect.gen(function*() {
      const fake = makeFake([
        awsError(503, "ServiceUnavailable", "later", { headers: { "retry-after": "120" } }),
        ok({})
      ])
      const service = yield* makeService(fake)
      const counts = yield* attemptsAt(
        fake,
        listRecords(service).pipe(Effect.withRandom(Random.fixed([0]))),
        [19999, 20000]
      )
      expect(counts.get(19999)).toBe(1)
      expect(counts.get(20000)).toBe(2)
    }))
})
