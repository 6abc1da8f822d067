/**
 * The local emulator as an HTTP server speaking Cognito Sync's wire protocol (rest-json, SigV4), built on
 * `@effect/platform`'s `HttpRouter` with routes derived from the operation table. Any AWS SDK, in any language,
 * can point its endpoint at it.
 *
 * Errors go out as the service sends them: the status, `x-amzn-ErrorType: <Name>:<uri>` and a JSON body with
 * `message`; every answer carries `x-amzn-RequestId` and `Date`. Malformed requests get a 4xx, never a 5xx.
 * CORS is open, so a web app on another origin can call it. Faults can be injected to test clients: throttling,
 * 500s, latency, and dropping the connection after a write was applied, deterministic for a given seed.
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { perSecond } from "../internal/perSecond.js"
import { validationError } from "../internal/restJson.js"
import type * as Operations from "../Operations.js"
import { all as allOperations } from "../Operations.js"
import * as Engine from "./Engine.js"
import * as FaultsModule from "./Faults.js"
import * as Identity from "./Identity.js"
import * as SigV4 from "./SigV4.js"

/**
 * The namespace URI of the error type header, in AWS's Coral style.
 *
 * @since 0.1.0
 * @category wire
 */
export const errorTypeNamespace = "http://internal.amazon.com/coral/com.amazonaws.cognito.sync.model/"

/**
 * Fault injection settings (see the Faults module).
 *
 * @since 0.1.0
 * @category options
 */
export type Faults = FaultsModule.Faults

/**
 * A credential pair the server accepts.
 *
 * @since 0.1.0
 * @category options
 */
export type Credential = SigV4.KnownCredentials

/**
 * Options of the server.
 *
 * @since 0.1.0
 * @category options
 */
export interface ServerOptions extends Engine.EngineOptions {
  /** Default 127.0.0.1. */
  readonly host?: string | undefined
  /** Default 4599; 0 picks a free port. */
  readonly port?: number | undefined
  /** The credentials accepted. Default: the developer pair `test` / `test`. */
  readonly credentials?: ReadonlyArray<Credential> | undefined
  /** The engine to serve; a fresh one by default. */
  readonly engine?: Engine.Engine | undefined
  readonly faults?: Faults | undefined
  /** The largest request body accepted. Default: 4 MB. */
  readonly maxBodyBytes?: number | undefined
}

/**
 * The developer pair the server accepts when given no credentials.
 *
 * @since 0.1.0
 * @category options
 */
export const defaultCredentials: ReadonlyArray<Credential> = [{ accessKeyId: "test", secretAccessKey: "test" }]

/**
 * A running server.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunningServer {
  /** `http://host:port`, with the real port. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly engine: Engine.Engine
  /** Accepts another credential pair from now on (temporary credentials, for example). */
  readonly addCredentials: (credential: Credential) => void
}

// Preflights go to the platform's CORS middleware; every other answer carries the headers it would add (open to
// any origin, our headers exposed), set where the answer is built: no pre-response handler, no copy of the
// headers per request.
const corsOptions = {
  allowedHeaders: [
    "authorization",
    "content-type",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "x-amz-client-context",
    "x-amz-user-agent",
    "x-amz-target",
    "amz-sdk-invocation-id",
    "amz-sdk-request"
  ],
  exposedHeaders: ["x-amzn-requestid", "x-amzn-errortype", "date"],
  maxAge: 600
}
const exposedHeaders = corsOptions.exposedHeaders.join(",")

// The Date header has a resolution of a second: format it once a second, not once per answer.
const httpDate = perSecond((now) => new Date(now).toUTCString())

/** Every answer's headers: CORS, the request id, the date and, on an error, its type. */
const answerHeaders = (requestId: string, now: number, errorType: string | undefined) => {
  const headers: Record<string, string> = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": exposedHeaders,
    "x-amzn-requestid": requestId,
    date: httpDate(now)
  }
  if (errorType !== undefined) headers["x-amzn-errortype"] = errorType
  return headers
}

/** A JSON answer of one of the two protocols the server speaks, with every answer's headers. */
const answer =
  (contentType: string) => (status: number, body: unknown, requestId: string, now: number, errorType?: string) =>
    HttpServerResponse.text(JSON.stringify(body), {
      status,
      contentType,
      headers: answerHeaders(requestId, now, errorType)
    })

const jsonResponse = answer("application/json")

const errorResponse = (status: number, code: string, message: string, requestId: string, now: number) =>
  jsonResponse(status, { message }, requestId, now, `${code}:${errorTypeNamespace}`)

/** Cognito Identity's answers are JSON 1.1; its errors carry their name in `__type` as well. */
const identityResponse = answer("application/x-amz-json-1.1")

const routerPath = (uri: string) => uri.replace(/\{([A-Za-z]+)\}/g, ":$1") as HttpRouter.PathInput

const queryValue = (raw: string, format: "string" | "integer"): unknown =>
  format === "integer" && /^-?\d+$/.test(raw) ? Number(raw) : raw

/**
 * Rebuilds an operation's input (in its wire form) from a request: labels from the path, members from the query,
 * headers and JSON body.
 */
const wireInput = (
  bindings: ReadonlyArray<readonly [member: string, binding: Operations.Binding]>,
  params: Readonly<Record<string, string | undefined>>,
  query: URLSearchParams,
  headers: Readonly<Record<string, string | undefined>>,
  body: { readonly [key: string]: unknown }
): { [member: string]: unknown } => {
  const input: { [member: string]: unknown } = {}
  for (const [member, binding] of bindings) {
    switch (binding._tag) {
      case "label":
        input[member] = params[member]
        break
      case "query": {
        const value = query.get(binding.name)
        if (value !== null) input[member] = queryValue(value, binding.format)
        break
      }
      case "header": {
        const value = headers[binding.name.toLowerCase()]
        if (value !== undefined) input[member] = value
        break
      }
      case "body":
        if (body[member] !== undefined) input[member] = body[member]
        break
    }
  }
  return input
}

/**
 * A request's body as text, read off Node's stream. The platform's `request.text` offers the same but runs a
 * fiber and builds a cache on every request, for a body read once.
 */
const readText = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<string, Error> =>
  Effect.async((resume) => {
    const stream = NodeHttpServerRequest.toIncomingMessage(request)
    let text = ""
    stream.setEncoding("utf8")
    stream.on("data", (chunk: string) => {
      text += chunk
    })
    stream.once("end", () => resume(Effect.succeed(text)))
    stream.once("error", (error) => resume(Effect.fail(error)))
    // Interrupted (the client went away): stop reading.
    return Effect.sync(() => stream.destroy())
  })

const parseBody = (text: string): { readonly [key: string]: unknown } | undefined => {
  if (text.trim() === "") return {}
  try {
    const json: unknown = JSON.parse(text)
    return typeof json === "object" && json !== null && !Array.isArray(json)
      ? json as { [key: string]: unknown }
      : undefined
  } catch {
    return undefined
  }
}

/**
 * The HTTP app of the emulator, to serve with any `HttpServer`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeApp = (options: {
  readonly engine: Engine.Engine
  readonly lookup: (accessKeyId: string) => Credential | undefined
  readonly faults?: Faults | undefined
  readonly maxBodyBytes?: number | undefined
  /** Answers Cognito Identity's GetId and GetCredentialsForIdentity on `POST /`. */
  readonly identity?: Identity.Registry | undefined
}) => {
  const { engine, lookup } = options
  const faults = FaultsModule.makeInjector(options.faults)
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024
  /** What every answer needs: the request, a fresh request id and the time. */
  const arrival = Effect.flatMap(
    HttpServerRequest.HttpServerRequest,
    (request) =>
      Effect.zipWith(engine.nextRequestId, Clock.currentTimeMillis, (requestId, now) => ({ request, requestId, now }))
  )

  const handler = (op: Operations.Any) => {
    // Built once per route, not per request.
    const decode = Schema.decodeUnknownEither(op.input)
    const encode = Schema.encodeEither(op.output)
    const bindings = Object.entries(op.bindings)
    return Effect.gen(function*() {
      const { now, request, requestId } = yield* arrival
      const params = yield* HttpRouter.params
      if (faults.latency !== undefined) yield* Effect.sleep(faults.latency)
      // Faults are drawn in arrival order, so a seed replays the same faults for the same requests.
      const injected = faults.before()
      if (injected !== undefined) return errorResponse(injected.status, injected.code, injected.message, requestId, now)

      const declaredLength = Number(request.headers["content-length"] ?? "0")
      if (declaredLength > maxBodyBytes) {
        return errorResponse(413, "RequestEntityTooLargeException", "Request body too large", requestId, now)
      }
      // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 §6.3): reading it
      // would only wait for the end of an empty stream.
      const bodyText = declaredLength > 0 || request.headers["transfer-encoding"] !== undefined
        ? yield* Effect.either(readText(request))
        : Either.right("")
      if (Either.isLeft(bodyText)) {
        return errorResponse(400, "SerializationException", "Could not read the request body", requestId, now)
      }
      // In bytes, as the limit is: a chunked body declares no length, and a string's length counts UTF-16 units.
      if (Buffer.byteLength(bodyText.right) > maxBodyBytes) {
        return errorResponse(413, "RequestEntityTooLargeException", "Request body too large", requestId, now)
      }

      const questionMark = request.url.indexOf("?")
      const rawPath = questionMark < 0 ? request.url : request.url.slice(0, questionMark)
      const rawQuery = questionMark < 0 ? "" : request.url.slice(questionMark + 1)
      const verified = yield* Effect.try({
        try: () =>
          SigV4.verify(
            { method: request.method, rawPath, rawQuery, headers: request.headers, body: bodyText.right },
            lookup,
            now
          ),
        catch: (): SigV4.Rejection => ({
          status: 403,
          code: "InvalidSignatureException",
          message: "The request signature could not be verified"
        })
      }).pipe(Effect.merge)
      if (SigV4.isRejection(verified)) {
        return errorResponse(verified.status, verified.code, verified.message, requestId, now)
      }

      const body = parseBody(bodyText.right)
      if (body === undefined) {
        return errorResponse(400, "SerializationException", "The request body is not a JSON object", requestId, now)
      }
      const input = decode(wireInput(bindings, params, new URLSearchParams(rawQuery), request.headers, body))
      if (Either.isLeft(input)) {
        const { message, path } = validationError(op.name, input.left)
        return errorResponse(400, "InvalidParameterException", `${path}: ${message}`, requestId, now)
      }

      const result = yield* Effect.either(
        engine.invoke(op.name as Operations.OperationName, input.right as never, {
          caller: { identityId: verified.identityId },
          requestId
        })
      )
      if (Either.isLeft(result)) {
        const error = result.left
        return errorResponse(error.status, error._tag, error.message, requestId, now)
      }
      if (faults.dropAnswer(op.name)) {
        // The write is applied; the client never hears so.
        NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
        return yield* Effect.interrupt
      }
      const output = encode(result.right)
      return Either.isLeft(output)
        ? errorResponse(500, "InternalErrorException", "Could not encode the answer", requestId, now)
        : jsonResponse(200, output.right, requestId, now)
    })
  }

  const notFound = Effect.map(
    arrival,
    ({ now, requestId }) =>
      errorResponse(404, "UnknownOperationException", "No operation matches this method and path", requestId, now)
  )

  // Cognito Identity's JSON 1.1 calls, routed by X-Amz-Target, share the server so a whole app flow runs here.
  const identityHandler = Effect.gen(function*() {
    const { now, request, requestId } = yield* arrival
    const target = request.headers["x-amz-target"] ?? ""
    if (options.identity === undefined || !target.startsWith("AWSCognitoIdentityService.")) {
      return errorResponse(
        404,
        "UnknownOperationException",
        "No operation matches this method and path",
        requestId,
        now
      )
    }
    const text = yield* Effect.either(readText(request))
    const body = Either.isRight(text) && text.right.length <= maxBodyBytes ? parseBody(text.right) : undefined
    const answer = yield* Effect.either(options.identity.handle(target, body, now))
    return Either.isLeft(answer)
      ? identityResponse(
        answer.left.status,
        { __type: answer.left.code, message: answer.left.message },
        requestId,
        now,
        answer.left.code
      )
      : identityResponse(200, answer.right, requestId, now)
  })

  const router = allOperations.reduce(
    (router, op) => HttpRouter.route(op.method)(routerPath(op.uri), handler(op))(router),
    HttpRouter.empty.pipe(HttpRouter.post("/", identityHandler))
  )

  // find-my-way's default cap of 100 characters per path parameter would turn a valid 128-character dataset name
  // or 256-character device id into a 404; let every label through to Schema validation instead. The router
  // builds its table on first use under the config then in force: build it once under ours, rather than wrap
  // every request in the `Effect.locally` of `withRouterConfig`.
  const build = HttpRouter.toHttpApp(router).pipe(HttpRouter.withRouterConfig({ maxParamLength: 16 * 1024 }))
  let table: Effect.Effect.Success<typeof build> | undefined
  const routes = Effect.suspend(() => table ?? Effect.flatMap(build, (app) => (table = app)))

  const routed = routes.pipe(
    Effect.catchTag("RouteNotFound", () => notFound),
    // Anything else the platform refuses (a request line its URL parser rejects, for one) is a malformed request:
    // answer it as the service would, not with the platform's bare 400.
    Effect.catchAll(() =>
      Effect.map(
        arrival,
        ({ now, requestId }) => errorResponse(400, "SerializationException", "Malformed request", requestId, now)
      )
    )
  )

  // The CORS middleware answers preflights itself, whatever the path; give them a request id and a date too.
  const preflight = HttpMiddleware.cors(corsOptions)(routed).pipe(
    Effect.zipWith(
      arrival,
      (response, { now, requestId }) =>
        HttpServerResponse.setHeaders(response, { "x-amzn-requestid": requestId, date: httpDate(now) })
    )
  )

  return Effect.flatMap(
    HttpServerRequest.HttpServerRequest,
    (request) => request.method === "OPTIONS" ? preflight : routed
  )
}

/**
 * Starts the server in the current scope and returns where it listens. It stops when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (
  options: ServerOptions = {}
): Effect.Effect<RunningServer, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const engine = options.engine ?? (yield* Engine.make(options))
    const known = new Map<string, Credential>()
    for (const credential of options.credentials ?? defaultCredentials) known.set(credential.accessKeyId, credential)
    const host = options.host ?? "127.0.0.1"
    const server = yield* NodeHttpServer.make(() => {
      // Node answers an HTTP/1.1 request without Host with its own bare 400; let the app answer it instead.
      const nodeServer = createServer({ requireHostHeader: false })
      // Requests Node's parser refuses (unknown method, bad header, broken chunking) never reach the app; answer
      // them as the app would, with a request id, a date and an error type, instead of Node's bare 400.
      nodeServer.on("clientError", (error: Error & { readonly code?: string }, socket) => {
        if (error.code === "ECONNRESET" || !socket.writable) return socket.destroy()
        const [status, reason] = error.code === "HPE_HEADER_OVERFLOW"
          ? [431, "Request Header Fields Too Large"]
          : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "Request Timeout"]
          : [400, "Bad Request"]
        const body = JSON.stringify({ message: `Malformed HTTP request: ${reason}` })
        const head = [
          `HTTP/1.1 ${status} ${reason}`,
          "content-type: application/json",
          `content-length: ${Buffer.byteLength(body)}`,
          `x-amzn-requestid: ${randomUUID()}`,
          `x-amzn-errortype: SerializationException:${errorTypeNamespace}`,
          `date: ${new Date().toUTCString()}`,
          "connection: close"
        ]
        socket.end(`${head.join("\r\n")}\r\n\r\n${body}`)
      })
      return nodeServer
    }, { host, port: options.port ?? 4599 })
    const addCredentials = (credential: Credential) => {
      known.set(credential.accessKeyId, credential)
    }
    const app = makeApp({
      engine,
      identity: yield* Identity.makeRegistry(engine, addCredentials),
      lookup: (accessKeyId) => known.get(accessKeyId),
      faults: options.faults,
      maxBodyBytes: options.maxBodyBytes
    })
    yield* server.serve(app).pipe(
      // A server span per request would cost more than the request itself; the emulator is a test double.
      HttpMiddleware.withTracerDisabledWhenEffect(() => true)
    )
    const address = server.address
    const port = address._tag === "TcpAddress" ? address.port : 0
    return {
      url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
      host,
      port,
      engine,
      addCredentials
    }
  })

/**
 * A layer that runs the server for as long as it is in use.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ServerOptions = {}): Layer.Layer<never, HttpServerError.ServeError> =>
  Layer.scopedDiscard(start(options))
