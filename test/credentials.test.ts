import { describe, expect, it } from "@effect/vitest"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as E from "../src/CognitoSyncError.js"
import * as Credentials from "../src/Credentials.js"
import { defaultOptions, makeFake, makeService, ok, POOL_ID } from "./support/fakes.js"

const env = (entries: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(entries)))

describe("Credentials: static", () => {
  it.effect("make resolves the given keys, secrets Redacted", () =>
    Effect.gen(function*() {
      const provider = Credentials.make({ accessKeyId: "AKID", secretAccessKey: "secret" })
      const credentials = yield* provider.resolve
      expect(credentials.accessKeyId).toBe("AKID")
      expect(Redacted.isRedacted(credentials.secretAccessKey)).toBe(true)
      expect(Redacted.value(credentials.secretAccessKey)).toBe("secret")
      expect(credentials.sessionToken).toBeUndefined()
      expect("sessionToken" in credentials).toBe(false)
      expect(String(credentials.secretAccessKey)).not.toContain("secret")
    }))

  it.effect("a session token and an expiration are kept; Redacted input stays as given", () =>
    Effect.gen(function*() {
      const secret = Redacted.make("s")
      const expiration = new Date(1000)
      const credentials = yield* Credentials.make({
        accessKeyId: "AKID",
        secretAccessKey: secret,
        sessionToken: "token",
        expiration
      }).resolve
      expect(credentials.secretAccessKey).toBe(secret)
      expect(credentials.sessionToken === undefined ? undefined : Redacted.value(credentials.sessionToken)).toBe(
        "token"
      )
      expect(credentials.expiration).toBe(expiration)
    }))

  it("fromInput passes a provider through and wraps plain credentials", () => {
    const provider = Credentials.make({ accessKeyId: "A", secretAccessKey: "S" })
    expect(Credentials.fromInput(provider)).toBe(provider)
    expect(Credentials.isCredentialsProvider(Credentials.fromInput({ accessKeyId: "A", secretAccessKey: "S" }))).toBe(
      true
    )
    expect(Credentials.isCredentialsProvider({ accessKeyId: "A", secretAccessKey: "S" })).toBe(false)
  })
})

describe("Credentials: Config", () => {
  it.effect("reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN", () =>
    Effect.gen(function*() {
      const provider = yield* Credentials.fromConfig
      const credentials = yield* provider.resolve
      expect(credentials.accessKeyId).toBe("AKIDENV")
      expect(Redacted.value(credentials.secretAccessKey)).toBe("env-secret")
      expect(credentials.sessionToken === undefined ? undefined : Redacted.value(credentials.sessionToken)).toBe(
        "env-token"
      )
    }).pipe(
      Effect.withConfigProvider(env({
        AWS_ACCESS_KEY_ID: "AKIDENV",
        AWS_SECRET_ACCESS_KEY: "env-secret",
        AWS_SESSION_TOKEN: "env-token"
      }))
    ))

  it.effect("AWS_SESSION_TOKEN is optional", () =>
    Effect.gen(function*() {
      const credentials = yield* Effect.flatMap(Credentials.fromConfig, (provider) => provider.resolve)
      expect("sessionToken" in credentials).toBe(false)
    }).pipe(Effect.withConfigProvider(env({ AWS_ACCESS_KEY_ID: "A", AWS_SECRET_ACCESS_KEY: "S" }))))

  for (const missing of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
    it.effect(`a missing ${missing} is a ConfigError naming it`, () =>
      Effect.gen(function*() {
        const all: Record<string, string> = { AWS_ACCESS_KEY_ID: "A", AWS_SECRET_ACCESS_KEY: "S" }
        delete all[missing]
        const error = yield* Effect.flip(Credentials.fromConfig.pipe(Effect.withConfigProvider(env(all))))
        expect(ConfigError.isConfigError(error)).toBe(true)
        expect(ConfigError.isMissingDataOnly(error)).toBe(true)
        expect(String(error)).toContain(missing)
      }))
  }

  it.effect("the secret from Config does not show when the credentials are printed", () =>
    Effect.gen(function*() {
      const credentials = yield* Effect.flatMap(Credentials.fromConfig, (provider) => provider.resolve)
      expect(JSON.stringify(credentials)).not.toContain("very-secret-value")
      expect(String(credentials.secretAccessKey)).not.toContain("very-secret-value")
    }).pipe(Effect.withConfigProvider(env({ AWS_ACCESS_KEY_ID: "A", AWS_SECRET_ACCESS_KEY: "very-secret-value" }))))
})

/** A fetch that counts its calls and hands out credentials valid for `lifetimeMillis` from the clock's now. */
const countingFetch = (
  lifetimeMillis: number | undefined,
  options: { readonly delay?: Duration.DurationInput } = {}
) => {
  let calls = 0
  const fetch = Effect.gen(function*() {
    calls++
    const call = calls
    if (options.delay !== undefined) yield* Effect.sleep(options.delay)
    const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
    return {
      accessKeyId: `AKID${call}`,
      secretAccessKey: `secret-${call}`,
      sessionToken: `token-${call}`,
      ...(lifetimeMillis === undefined ? {} : { expiration: new Date(now + lifetimeMillis) })
    }
  })
  return { fetch, calls: () => calls }
}

const minutes = (n: number) => n * 60_000

describe("Credentials.refreshing", () => {
  it.effect("fetches once for many calls while the credentials are fresh", () =>
    Effect.gen(function*() {
      const { calls, fetch } = countingFetch(minutes(60))
      const provider = Credentials.refreshing(fetch)
      for (let i = 0; i < 20; i++) {
        const credentials = yield* provider.resolve
        expect(credentials.accessKeyId).toBe("AKID1")
      }
      expect(calls()).toBe(1)
    }))

  it.effect("credentials without expiration are never fetched again", () =>
    Effect.gen(function*() {
      const { calls, fetch } = countingFetch(undefined)
      const provider = Credentials.refreshing(fetch)
      yield* provider.resolve
      yield* TestClock.adjust("1000 days")
      yield* provider.resolve
      expect(calls()).toBe(1)
    }))

  it.effect("fetches again refreshBefore ahead of the expiration, not earlier", () =>
    Effect.gen(function*() {
      const { calls, fetch } = countingFetch(minutes(60))
      const provider = Credentials.refreshing(fetch, { refreshBefore: "10 minutes" })
      yield* provider.resolve
      yield* TestClock.adjust(minutes(50) - 1)
      expect((yield* provider.resolve).accessKeyId).toBe("AKID1")
      expect(calls()).toBe(1)
      yield* TestClock.adjust(1)
      expect((yield* provider.resolve).accessKeyId).toBe("AKID2")
      expect(calls()).toBe(2)
      // The new credentials are valid for another hour from now.
      yield* TestClock.adjust(minutes(49))
      expect((yield* provider.resolve).accessKeyId).toBe("AKID2")
      expect(calls()).toBe(2)
    }))

  it.effect("refreshBefore defaults to 5 minutes", () =>
    Effect.gen(function*() {
      const { calls, fetch } = countingFetch(minutes(60))
      const provider = Credentials.refreshing(fetch)
      yield* provider.resolve
      yield* TestClock.adjust(minutes(55) - 1)
      yield* provider.resolve
      expect(calls()).toBe(1)
      yield* TestClock.adjust(1)
      yield* provider.resolve
      expect(calls()).toBe(2)
    }))

  it.effect("concurrent callers share one fetch", () =>
    Effect.gen(function*() {
      const { calls, fetch } = countingFetch(minutes(60), { delay: "1 second" })
      const provider = Credentials.refreshing(fetch)
      const fiber = yield* Effect.fork(
        Effect.all(Array.from({ length: 10 }, () => provider.resolve), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("1 second")
      const results = yield* Fiber.join(fiber)
      expect(calls()).toBe(1)
      expect(new Set(results.map((credentials) => credentials.accessKeyId))).toEqual(new Set(["AKID1"]))
    }))

  it.effect("concurrent callers after expiry share one refresh", () =>
    Effect.gen(function*() {
      const { calls, fetch } = countingFetch(minutes(10), { delay: "1 second" })
      const provider = Credentials.refreshing(fetch, { refreshBefore: "1 minute" })
      const first = yield* Effect.fork(provider.resolve)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(first)
      yield* TestClock.adjust("10 minutes")
      const fiber = yield* Effect.fork(
        Effect.all(Array.from({ length: 5 }, () => provider.resolve), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("1 second")
      const results = yield* Fiber.join(fiber)
      expect(calls()).toBe(2)
      expect(results.every((credentials) => credentials.accessKeyId === "AKID2")).toBe(true)
    }))

  it.effect("a failed fetch is a typed CognitoSyncCredentialsError, not kept: the next call tries again", () =>
    Effect.gen(function*() {
      let calls = 0
      const provider = Credentials.refreshing(
        Effect.suspend(() => {
          calls++
          return calls === 1
            ? Effect.fail(
              new E.CognitoSyncCredentialsError({ message: "identity pool unavailable", code: "Throttled" })
            )
            : Effect.succeed({ accessKeyId: "AKID", secretAccessKey: "s" })
        })
      )
      const error = yield* Effect.flip(provider.resolve)
      expect(error).toBeInstanceOf(E.CognitoSyncCredentialsError)
      expect(error).toMatchObject({ _tag: "CognitoSyncCredentialsError", code: "Throttled" })
      const credentials = yield* provider.resolve
      expect(credentials.accessKeyId).toBe("AKID")
      expect(calls).toBe(2)
    }))

  it.effect("through the client: one fetch for many calls, and a failed fetch fails the call before any I/O", () =>
    Effect.gen(function*() {
      let calls = 0
      let fail = false
      const provider = Credentials.refreshing(
        Effect.suspend(() => {
          calls++
          return fail
            ? Effect.fail(new E.CognitoSyncCredentialsError({ message: "no" }))
            : Effect.succeed({ accessKeyId: "AKIDREFRESH", secretAccessKey: "s", expiration: new Date(minutes(30)) })
        })
      )
      const fake = makeFake(ok({}))
      const service = yield* makeService(fake, { ...defaultOptions, credentials: provider })
      for (let i = 0; i < 5; i++) yield* service.bulkPublish({ IdentityPoolId: POOL_ID })
      expect(calls).toBe(1)
      expect(fake.last().headers.authorization).toContain("Credential=AKIDREFRESH/")

      fail = true
      yield* TestClock.adjust(minutes(30))
      const error = yield* Effect.flip(service.bulkPublish({ IdentityPoolId: POOL_ID }))
      expect(error._tag).toBe("CognitoSyncCredentialsError")
      expect(fake.count()).toBe(5)
      expect(calls).toBe(2)
    }))
})
