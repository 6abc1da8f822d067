/**
 * Helpers of the server tests: well-formed ids, a raw HTTP client that sends a path exactly as given, and
 * SigV4 signing with `@smithy/signature-v4` directly (so a test picks the signing date, the path form and the
 * secret).
 */
import { Sha256 } from "#sha256"
import { SignatureV4 } from "@smithy/signature-v4"
import { Effect, Exit, Scope } from "effect"
import * as Http from "node:http"
import * as Server from "../../src/local/Server.js"

export const poolId = "us-east-1:00000000-0000-0000-0000-000000000001"
export const identityA = "us-east-1:00000000-0000-0000-0000-0000000000aa"
export const identityB = "us-east-1:00000000-0000-0000-0000-0000000000bb"
export const developer = { accessKeyId: "test", secretAccessKey: "test" } as const

export const datasetPath = (dataset: string, identity: string = identityA, pool: string = poolId) =>
  `/identitypools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(identity)}/datasets/${
    encodeURIComponent(dataset)
  }`

/** An answer as it came off the wire. Header names are in lower case. */
export interface RawResponse {
  readonly status: number
  readonly headers: { readonly [name: string]: string | undefined }
  readonly text: string
}

export interface RawRequest {
  readonly method: string
  /** Sent exactly as given, query included. */
  readonly path: string
  readonly headers?: { readonly [name: string]: string } | undefined
  readonly body?: string | Uint8Array | undefined
  /** Milliseconds; default 10 s. */
  readonly timeout?: number | undefined
  /** Send the body chunked, with no content-length. */
  readonly chunked?: boolean | undefined
}

/** Sends one request over a fresh connection (no keep-alive), with the path exactly as given. */
export const rawRequestPromise = (port: number, request: RawRequest): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...request.headers }
    if (request.chunked === true) headers["transfer-encoding"] = "chunked"
    else if (
      request.body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === "content-length")
    ) headers["content-length"] = String(Buffer.byteLength(request.body))
    const req = Http.request({
      host: "127.0.0.1",
      port,
      method: request.method,
      path: request.path,
      headers,
      agent: false,
      timeout: request.timeout ?? 10_000
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => {
        const flat: Record<string, string> = {}
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value
        }
        resolve({ status: res.statusCode ?? 0, headers: flat, text: Buffer.concat(chunks).toString("utf8") })
      })
      res.on("error", reject)
    })
    req.on("timeout", () => req.destroy(new Error("request timed out")))
    req.on("error", reject)
    if (request.body !== undefined && request.chunked === true) {
      // Several chunks, so the server cannot learn the size up front.
      const body = typeof request.body === "string" ? Buffer.from(request.body) : request.body
      for (let offset = 0; offset < body.length; offset += 4096) req.write(body.subarray(offset, offset + 4096))
    } else if (request.body !== undefined) req.write(request.body)
    req.end()
  })

export const rawRequest = (port: number, request: RawRequest): Effect.Effect<RawResponse> =>
  Effect.promise(() => rawRequestPromise(port, request))

export interface SignOptions {
  readonly port: number
  readonly method: string
  /** The path given to the signer. */
  readonly path: string
  readonly query?: { readonly [key: string]: string } | undefined
  readonly headers?: { readonly [name: string]: string } | undefined
  readonly body?: string | undefined
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined
  readonly signingDate?: Date | undefined
  /** Default true: the standard double-encoded canonical path. */
  readonly uriEscapePath?: boolean | undefined
  readonly region?: string | undefined
  readonly service?: string | undefined
}

/** Signs a request; returns every header to send (host included). */
export const signHeaders = async (options: SignOptions): Promise<Record<string, string>> => {
  const signer = new SignatureV4({
    service: options.service ?? "cognito-sync",
    region: options.region ?? "us-east-1",
    sha256: Sha256,
    credentials: options.credentials ?? developer,
    uriEscapePath: options.uriEscapePath ?? true,
    applyChecksum: false
  })
  const host = `127.0.0.1:${options.port}`
  const signed = await signer.sign({
    method: options.method,
    protocol: "http:",
    hostname: "127.0.0.1",
    port: options.port,
    path: options.path,
    query: { ...options.query },
    headers: {
      host,
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers
    },
    ...(options.body === undefined ? {} : { body: options.body })
  }, options.signingDate === undefined ? {} : { signingDate: options.signingDate })
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(signed.headers)) headers[name] = String(value)
  return headers
}

export const queryString = (query: { readonly [key: string]: string } | undefined): string => {
  const pairs = Object.entries(query ?? {}).map(([key, value]) =>
    `${encodeURIComponent(key)}=${encodeURIComponent(value)}`
  )
  return pairs.length === 0 ? "" : `?${pairs.join("&")}`
}

/**
 * Signs a request and sends it. `sendPath` (default: the signed path) and `sendQuery` (default: the signed query)
 * let a test send something else than what it signed; `sendBody` likewise.
 */
export const signedRequest = (
  options: SignOptions & {
    readonly sendPath?: string | undefined
    readonly sendQuery?: string | undefined
    readonly sendBody?: string | undefined
    readonly extraHeaders?: { readonly [name: string]: string } | undefined
  }
): Effect.Effect<RawResponse> =>
  Effect.promise(async () => {
    const headers = await signHeaders(options)
    return rawRequestPromise(options.port, {
      method: options.method,
      path: `${options.sendPath ?? options.path}${options.sendQuery ?? queryString(options.query)}`,
      headers: { ...headers, ...options.extraHeaders },
      body: options.sendBody ?? options.body
    })
  })

/** The `x-amzn-ErrorType` name, without the namespace. */
export const errorName = (response: RawResponse): string | undefined =>
  response.headers["x-amzn-errortype"]?.split(":")[0]

/** The parsed JSON body, or undefined. */
export const jsonBody = (response: RawResponse): unknown => {
  try {
    return JSON.parse(response.text)
  } catch {
    return undefined
  }
}

/** Whether an answer carries the headers every answer must: a non-empty x-amzn-RequestId and a valid Date. */
export const hasCommonHeaders = (response: RawResponse): boolean =>
  typeof response.headers["x-amzn-requestid"] === "string" && response.headers["x-amzn-requestid"] !== "" &&
  typeof response.headers["date"] === "string" && !Number.isNaN(Date.parse(response.headers["date"]))

/**
 * Starts a server outside of an Effect test, for promise-based tests (the official SDK); `close` stops it. The
 * port is always 0 and the host 127.0.0.1.
 */
export const startServer = async (
  options: Omit<Server.ServerOptions, "port" | "host"> = {}
): Promise<{ readonly server: Server.RunningServer; readonly close: () => Promise<void> }> => {
  const scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(Scope.extend(Server.start({ ...options, port: 0 }), scope))
  return { server, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** Runs `f` with a fresh server and stops the server afterwards, whatever happens. */
export const withServer = async <A>(
  options: Omit<Server.ServerOptions, "port" | "host">,
  f: (server: Server.RunningServer) => Promise<A>
): Promise<A> => {
  const { close, server } = await startServer(options)
  try {
    return await f(server)
  } finally {
    await close()
  }
}
