import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import {
  awsError,
  DATASET,
  defaultOptions,
  IDENTITY_ID,
  makeFake,
  makeService,
  ok,
  POOL_ID,
  sampleCalls,
  transportError
} from "./support/fakes.js"

/** A span that keeps what it is told. */
class RecordedSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly attributes = new Map<string, unknown>()
  readonly links: Array<Tracer.SpanLink>
  readonly sampled = true
  readonly spanId: string
  readonly traceId: string
  status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind,
    id: number
  ) {
    this.links = [...links]
    this.status = { _tag: "Started", startTime }
    this.spanId = `span-${id}`
    this.traceId = Option.isSome(parent) ? parent.value.traceId : `trace-${id}`
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute(key: string, value: unknown): void {
    this.attributes.set(key, value)
  }
  event(): void {}
  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.links.push(...links)
  }
}

const makeRecordingTracer = () => {
  const spans: Array<RecordedSpan> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const span = new RecordedSpan(name, parent, context, links, startTime, kind, spans.length + 1)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { tracer, spans }
}

const dataset = { IdentityPoolId: POOL_ID, IdentityId: IDENTITY_ID, DatasetName: DATASET }
const exitOf = (span: RecordedSpan) => (span.status._tag === "Ended" ? span.status.exit : undefined)

describe("tracing", () => {
  it.effect("a call runs in one client span named CognitoSync.<Operation> with the RPC and HTTP attributes", () =>
    Effect.gen(function*() {
      const { spans, tracer } = makeRecordingTracer()
      const fake = makeFake(ok({ Records: [] }, { "x-amzn-requestid": "rid-1" }))
      const service = yield* makeService(fake)
      yield* service.listRecords({ ...dataset, LastSyncCount: 0 }).pipe(Effect.withTracer(tracer))
      // The platform's own client span is turned off: ours carries the HTTP attributes.
      expect(spans.map((span) => span.name)).toEqual(["CognitoSync.ListRecords"])
      const span = spans[0]!
      expect(span.kind).toBe("client")
      expect(Object.fromEntries(span.attributes)).toMatchObject({
        "rpc.system": "aws-api",
        "rpc.service": "CognitoSync",
        "rpc.method": "ListRecords",
        "http.request.method": "GET",
        "http.response.status_code": 200,
        "server.address": "cognito-sync.us-east-1.amazonaws.com",
        "aws.request_id": "rid-1",
        "cognito_sync.attempts": 1
      })
      // The query (which may carry a SyncSessionToken) stays out of the span.
      expect(span.attributes.get("url.full")).toBe(fake.last().url.split("?")[0])
      expect(Exit.isSuccess(exitOf(span)!)).toBe(true)
    }))

  it.effect("no attribute carries the session token of a ListRecords query", () =>
    Effect.gen(function*() {
      const { spans, tracer } = makeRecordingTracer()
      const fake = makeFake(ok({}))
      const service = yield* makeService(fake)
      yield* service.listRecords({ ...dataset, SyncSessionToken: "secret-session-token" }).pipe(
        Effect.withTracer(tracer)
      )
      expect(fake.last().url).toContain("secret-session-token")
      expect(JSON.stringify([...spans[0]!.attributes])).not.toContain("secret-session-token")
    }))

  it.effect("each of the 17 operations has its own span name and rpc.method", () =>
    Effect.gen(function*() {
      const { spans, tracer } = makeRecordingTracer()
      const fake = makeFake(ok({}, { "x-amzn-requestid": "rid-all" }))
      const service = yield* makeService(fake)
      for (const sample of sampleCalls) {
        yield* sample.call(service).pipe(Effect.withTracer(tracer))
      }
      expect(spans.map((span) => span.name)).toEqual(sampleCalls.map((sample) => `CognitoSync.${sample.operation}`))
      for (const [index, span] of spans.entries()) {
        expect(span.attributes.get("rpc.method")).toBe(sampleCalls[index]?.operation)
        expect(span.attributes.get("aws.request_id")).toBe("rid-all")
        expect(span.attributes.get("cognito_sync.attempts")).toBe(1)
      }
    }))

  it.effect("the span counts the attempts and keeps the last request id", () =>
    Effect.gen(function*() {
      const { spans, tracer } = makeRecordingTracer()
      const fake = makeFake([
        awsError(503, "ServiceUnavailable", "busy", { requestId: "rid-1" }),
        awsError(500, "InternalErrorException", "oops", { requestId: "rid-2" }),
        ok({}, { "x-amzn-requestid": "rid-3" })
      ])
      const service = yield* makeService(fake)
      const fiber = yield* Effect.fork(service.describeDataset(dataset).pipe(Effect.withTracer(tracer)))
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      expect(spans).toHaveLength(1)
      expect(spans[0]?.attributes.get("cognito_sync.attempts")).toBe(3)
      expect(spans[0]?.attributes.get("aws.request_id")).toBe("rid-3")
    }))

  it.effect("a failed call ends its span with the failure, attempts and request id included", () =>
    Effect.gen(function*() {
      const { spans, tracer } = makeRecordingTracer()
      const fake = makeFake(awsError(500, "InternalErrorException", "down", { requestId: "rid-err" }))
      const service = yield* makeService(fake)
      const fiber = yield* Effect.fork(
        service.updateRecords({ ...dataset, SyncSessionToken: "t" }).pipe(Effect.withTracer(tracer), Effect.flip)
      )
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("InternalErrorException")
      const span = spans[0]!
      expect(span.name).toBe("CognitoSync.UpdateRecords")
      expect(span.attributes.get("http.request.method")).toBe("POST")
      expect(span.attributes.get("cognito_sync.attempts")).toBe(3)
      expect(span.attributes.get("aws.request_id")).toBe("rid-err")
      expect(span.attributes.get("http.response.status_code")).toBe(500)
      const exit = exitOf(span)
      expect(exit !== undefined && Exit.isFailure(exit)).toBe(true)
    }))

  it.effect("a transport failure still reports its attempts", () =>
    Effect.gen(function*() {
      const { spans, tracer } = makeRecordingTracer()
      const fake = makeFake(transportError())
      const service = yield* makeService(fake, { ...defaultOptions, maxAttempts: 2 })
      const fiber = yield* Effect.fork(
        service.bulkPublish({ IdentityPoolId: POOL_ID }).pipe(Effect.withTracer(tracer), Effect.flip)
      )
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      expect(spans[0]?.attributes.get("cognito_sync.attempts")).toBe(2)
      expect(spans[0]?.attributes.get("rpc.method")).toBe("BulkPublish")
      // No answer, no request id: the attribute is left out rather than empty.
      expect(spans[0]?.attributes.has("aws.request_id")).toBe(false)
    }))

  it.effect("the span is a child of the caller's span", () =>
    Effect.gen(function*() {
      const { spans, tracer } = makeRecordingTracer()
      const fake = makeFake(ok({}))
      const service = yield* makeService(fake)
      yield* service.getCognitoEvents({ IdentityPoolId: POOL_ID }).pipe(
        Effect.withSpan("app.loadEvents"),
        Effect.withTracer(tracer)
      )
      const app = spans.find((span) => span.name === "app.loadEvents")
      const ours = spans.find((span) => span.name === "CognitoSync.GetCognitoEvents")
      expect(app).toBeDefined()
      expect(ours?.parent).toEqual(Option.some(app))
      expect(ours?.traceId).toBe(app?.traceId)
    }))

  for (const [clock, run] of [["TestClock", it.effect], ["the default clock", it.live]] as const) {
    run(
      `work inside an attempt (a custom client's span) is a child of the operation's span, and the platform opens none, with ${clock}`,
      () =>
        Effect.gen(function*() {
          const { spans, tracer } = makeRecordingTracer()
          const fake = makeFake(ok({}))
          const service = yield* makeService(fake, {
            ...defaultOptions,
            transformClient: (client) =>
              HttpClient.transform(client, (effect) => Effect.withSpan(effect, "app.transport"))
          })
          yield* service.getCognitoEvents({ IdentityPoolId: POOL_ID }).pipe(Effect.withTracer(tracer))
          const ours = spans.find((span) => span.name === "CognitoSync.GetCognitoEvents")
          const transport = spans.find((span) => span.name === "app.transport")
          expect(ours).toBeDefined()
          expect(transport?.parent).toEqual(Option.some(ours))
          // Our span replaces the platform's client span: there is no third one.
          expect(spans.map((span) => span.name).sort()).toEqual(["CognitoSync.GetCognitoEvents", "app.transport"])
        })
    )
  }

  it.effect("a call that fails validation has a span too, ended with the failure, and no attempt", () =>
    Effect.gen(function*() {
      const { spans, tracer } = makeRecordingTracer()
      const fake = makeFake(ok({}))
      const service = yield* makeService(fake)
      yield* service.listRecords({ ...dataset, LastSyncCount: -1 }).pipe(Effect.withTracer(tracer), Effect.flip)
      expect(spans.map((span) => span.name)).toEqual(["CognitoSync.ListRecords"])
      const exit = exitOf(spans[0]!)
      expect(exit !== undefined && Exit.isFailure(exit)).toBe(true)
      expect(spans[0]?.attributes.get("cognito_sync.attempts") ?? 0).toBe(0)
      expect(fake.count()).toBe(0)
    }))
})
