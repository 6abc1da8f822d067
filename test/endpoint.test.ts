import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as CognitoSync from "../src/CognitoSync.js"
import { resolveEndpoint } from "../src/internal/endpoint.js"
import { defaultOptions, type FakeTransport, makeFake, makeService, ok, POOL_ID, sampleCalls } from "./support/fakes.js"

const resolved = (options: Parameters<typeof resolveEndpoint>[0]) => {
  const result = resolveEndpoint(options)
  if (Either.isLeft(result)) throw new Error(result.left)
  return { url: result.right.url.href, origin: result.right.origin, basePath: result.right.basePath }
}

describe("endpoint: resolution", () => {
  for (
    const [region, origin] of [
      ["us-east-1", "https://cognito-sync.us-east-1.amazonaws.com"],
      ["eu-west-2", "https://cognito-sync.eu-west-2.amazonaws.com"],
      ["ap-southeast-2", "https://cognito-sync.ap-southeast-2.amazonaws.com"],
      ["cn-north-1", "https://cognito-sync.cn-north-1.amazonaws.com.cn"],
      ["cn-northwest-1", "https://cognito-sync.cn-northwest-1.amazonaws.com.cn"]
    ] as const
  ) {
    it(`${region} → ${origin}`, () => {
      expect(resolved({ region })).toEqual({ url: `${origin}/`, origin, basePath: "" })
    })
  }

  it("useFips picks the cognito-sync-fips host", () => {
    expect(resolved({ region: "us-west-2", useFips: true }).origin).toBe(
      "https://cognito-sync-fips.us-west-2.amazonaws.com"
    )
    expect(resolved({ region: "us-west-2", useFips: false }).origin).toBe(
      "https://cognito-sync.us-west-2.amazonaws.com"
    )
  })

  it("a custom endpoint is used as given, with its port and path prefix (no trailing slash)", () => {
    expect(resolved({ region: "us-east-1", endpoint: "http://127.0.0.1:4599" })).toEqual({
      url: "http://127.0.0.1:4599/",
      origin: "http://127.0.0.1:4599",
      basePath: ""
    })
    expect(resolved({ region: "us-east-1", endpoint: "https://proxy.example.com/cognito/sync//" })).toMatchObject({
      origin: "https://proxy.example.com",
      basePath: "/cognito/sync"
    })
  })

  for (const region of ["", "US-EAST-1", "us_east_1", "us east 1", "us-east-1/", "-us-east-1", "us--east-1", "a.b"]) {
    it(`region ${JSON.stringify(region)} is refused`, () => {
      expect(Either.isLeft(resolveEndpoint({ region }))).toBe(true)
    })
  }

  for (const endpoint of ["not a url", "127.0.0.1:4599", "ftp://example.com", "file:///tmp/x", ""]) {
    it(`endpoint ${JSON.stringify(endpoint)} is refused`, () => {
      expect(Either.isLeft(resolveEndpoint({ region: "us-east-1", endpoint }))).toBe(true)
    })
  }

  it("a custom endpoint with useFips is refused", () => {
    expect(Either.isLeft(resolveEndpoint({ region: "us-east-1", endpoint: "https://x.example", useFips: true })))
      .toBe(true)
  })
})

describe("endpoint: through the client", () => {
  it.effect("requests go to the region's endpoint", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({}))
      const service = yield* makeService(fake, { ...defaultOptions, region: "eu-west-1" })
      yield* service.getCognitoEvents({ IdentityPoolId: POOL_ID })
      expect(fake.last().url).toBe(
        "https://cognito-sync.eu-west-1.amazonaws.com/identitypools/us-east-1%3A0f1e2d3c-aaaa-bbbb-cccc-000000000000/events"
      )
    }))

  it.effect("China and FIPS", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({}))
      yield* Effect.flatMap(makeService(fake, { ...defaultOptions, region: "cn-north-1" }), (s) =>
        s.listIdentityPoolUsage({}))
      expect(fake.last().url).toBe("https://cognito-sync.cn-north-1.amazonaws.com.cn/identitypools")
      yield* Effect.flatMap(
        makeService(fake, { ...defaultOptions, region: "us-gov-west-1", useFips: true }),
        (s) =>
          s.listIdentityPoolUsage({})
      )
      expect(fake.last().url).toBe("https://cognito-sync-fips.us-gov-west-1.amazonaws.com/identitypools")
    }))

  it.effect("a custom endpoint with a path prefix puts the prefix before the operation's path", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({}))
      const service = yield* makeService(fake, { ...defaultOptions, endpoint: "http://localhost:4599/base/" })
      yield* service.listIdentityPoolUsage({ MaxResults: 5 })
      expect(fake.last().url).toBe("http://localhost:4599/base/identitypools?maxResults=5")
    }))

  const badOptions: ReadonlyArray<readonly [string, CognitoSync.Options]> = [
    ["a bad region", { ...defaultOptions, region: "Not A Region" }],
    ["a bad endpoint", { ...defaultOptions, endpoint: "::not a url::" }],
    ["a non-http endpoint", { ...defaultOptions, endpoint: "ws://localhost:4599" }]
  ]
  for (const [title, options] of badOptions) {
    it.effect(`${title}: every one of the 17 operations fails with CognitoSyncValidationError, before any I/O`, () =>
      Effect.gen(function*() {
        const fake = makeFake(ok({}))
        const service = yield* makeService(fake, options)
        for (const sample of sampleCalls) {
          const error = yield* Effect.flip(sample.call(service))
          expect(error).toMatchObject({
            _tag: "CognitoSyncValidationError",
            operation: sample.operation,
            path: "endpoint"
          })
        }
        expect(sampleCalls).toHaveLength(17)
        expect(fake.count()).toBe(0)
      }))
  }
})

describe("endpoint: layerConfig", () => {
  const env = (entries: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(entries)))
  const keys = { AWS_ACCESS_KEY_ID: "AKIDCONFIG", AWS_SECRET_ACCESS_KEY: "config-secret" }

  /** Builds the client from `layerConfig` under `entries` and sends one ListIdentityPoolUsage. */
  const viaConfig = (fake: FakeTransport, entries: Record<string, string>) =>
    Effect.flatMap(CognitoSync.CognitoSync, (service) => service.listIdentityPoolUsage({})).pipe(
      Effect.provide(CognitoSync.layerConfig({ maxAttempts: 1 })),
      Effect.provideService(HttpClient.HttpClient, fake.client),
      Effect.withConfigProvider(env(entries))
    )

  it.effect("AWS_REGION and the AWS_* keys", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({}))
      yield* viaConfig(fake, { ...keys, AWS_REGION: "ap-northeast-1", AWS_SESSION_TOKEN: "config-token" })
      const request = fake.last()
      expect(request.url).toBe("https://cognito-sync.ap-northeast-1.amazonaws.com/identitypools")
      expect(request.headers.authorization).toContain("Credential=AKIDCONFIG/19700101/ap-northeast-1/cognito-sync/")
      expect(request.headers["x-amz-security-token"]).toBe("config-token")
    }))

  it.effect("AWS_DEFAULT_REGION when AWS_REGION is not set; AWS_REGION wins when both are", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({}))
      yield* viaConfig(fake, { ...keys, AWS_DEFAULT_REGION: "eu-central-1" })
      expect(fake.last().origin).toBe("https://cognito-sync.eu-central-1.amazonaws.com")
      yield* viaConfig(fake, { ...keys, AWS_DEFAULT_REGION: "eu-central-1", AWS_REGION: "us-east-2" })
      expect(fake.last().origin).toBe("https://cognito-sync.us-east-2.amazonaws.com")
    }))

  it.effect("AWS_ENDPOINT_URL_COGNITO_SYNC over AWS_ENDPOINT_URL", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({}))
      yield* viaConfig(fake, {
        ...keys,
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL: "http://generic.example:1000",
        AWS_ENDPOINT_URL_COGNITO_SYNC: "http://127.0.0.1:4599/local"
      })
      expect(fake.last().url).toBe("http://127.0.0.1:4599/local/identitypools")
      yield* viaConfig(fake, { ...keys, AWS_REGION: "us-east-1", AWS_ENDPOINT_URL: "http://generic.example:1000" })
      expect(fake.last().url).toBe("http://generic.example:1000/identitypools")
    }))

  it.effect("no region at all is a ConfigError when the layer is built", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({}))
      const error = yield* Effect.flip(viaConfig(fake, keys))
      expect(ConfigError.isConfigError(error)).toBe(true)
      expect(String(error)).toContain("AWS_REGION")
      expect(fake.count()).toBe(0)
    }))

  it.effect("a bad region from Config fails every call with CognitoSyncValidationError before I/O", () =>
    Effect.gen(function*() {
      const fake = makeFake(ok({}))
      const error = yield* Effect.flip(viaConfig(fake, { ...keys, AWS_REGION: "moon base 1" }))
      expect(error).toMatchObject({ _tag: "CognitoSyncValidationError", path: "endpoint" })
      expect(fake.count()).toBe(0)
    }))
})
