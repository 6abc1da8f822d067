/**
 * The generic rest-json codec: turns any operation of the table and its input into an HTTP request, and an HTTP
 * answer into the operation's output or a tagged error. No operation has code of its own here.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as E from "../CognitoSyncError.js"
import type * as Operations from "../Operations.js"
import { withoutNulls } from "../Schemas.js"
import * as CompiledSchema from "./compiledSchema.js"

/** A request ready to sign: the path and query are already percent-encoded. @internal */
export interface EncodedRequest {
  readonly method: Operations.Any["method"]
  /** The percent-encoded path, for example `/identitypools/us-east-1%3Aabc/events`. */
  readonly path: string
  /** The query string without `?`, names and values encoded as SigV4 signs them, or "" when there is none. */
  readonly search: string
  readonly headers: Record<string, string>
  readonly body: string | undefined
}

const subDelimiters = /[!'()*]/

/** Percent-encodes as AWS SDKs do: RFC 3986 unreserved characters stay, everything else is escaped. @internal */
export const encodeUriComponent = (value: string): string => {
  const encoded = encodeURIComponent(value)
  // `encodeURIComponent` leaves `!'()*`; most values have none, and a test is cheaper than a replace.
  return subDelimiters.test(encoded)
    ? encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : encoded
}

type Segment = { readonly literal: string } | { readonly label: string }

interface Codec {
  readonly encodeInput: (input: unknown) => Either.Either<unknown, ParseResult.ParseError>
  readonly decodeOutput: (json: unknown) => Either.Either<unknown, ParseResult.ParseError>
  readonly segments: ReadonlyArray<Segment>
  readonly queryMembers: ReadonlyArray<readonly [member: string, name: string]>
  readonly headerMembers: ReadonlyArray<readonly [member: string, name: string]>
  readonly bodyMembers: ReadonlyArray<string>
  readonly errorsByName: ReadonlyMap<string, E.ModeledErrorClass>
}

const codecs = new WeakMap<Operations.Any, Codec>()

const parseUri = (uri: string): ReadonlyArray<Segment> =>
  uri.split(/(\{[A-Za-z]+\})/).filter((part) => part !== "").map((part) =>
    part.startsWith("{") ? { label: part.slice(1, -1) } : { literal: part }
  )

/** The compiled codec of an operation, built on first use and kept. @internal */
export const codecOf = (op: Operations.Any): Codec => {
  let codec = codecs.get(op)
  if (codec === undefined) {
    const queryMembers: Array<readonly [string, string]> = []
    const headerMembers: Array<readonly [string, string]> = []
    const bodyMembers: Array<string> = []
    for (const [member, binding] of Object.entries(op.bindings)) {
      switch (binding._tag) {
        case "query":
          queryMembers.push([member, binding.name])
          break
        case "header":
          headerMembers.push([member, binding.name])
          break
        case "body":
          bodyMembers.push(member)
          break
        case "label":
          break
      }
    }
    codec = {
      encodeInput: CompiledSchema.encodeUnknownEither(op.input),
      decodeOutput: CompiledSchema.decodeUnknownEither(op.output),
      segments: parseUri(op.uri),
      queryMembers,
      headerMembers,
      bodyMembers,
      errorsByName: new Map(op.errors.map((error) => [error._tag, error]))
    }
    codecs.set(op, codec)
  }
  return codec
}

/** Turns a Schema parse error into the validation error of an operation: which field, and why. @internal */
export const validationError = (operation: string, error: ParseResult.ParseError): E.CognitoSyncValidationError => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  return new E.CognitoSyncValidationError({
    operation,
    path: issue === undefined ? "" : issue.path.join("."),
    message: issue === undefined ? error.message : issue.message
  })
}

// A lone UTF-16 surrogate has no UTF-8 form, so `encodeURIComponent` throws on it (the official client fails
// with that URIError); here it is a validation error rather than a defect.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const unsendable = (text: string): string | undefined =>
  loneSurrogate.test(text) ? "contains a lone UTF-16 surrogate, which cannot be percent-encoded" : undefined

/**
 * Validates the input against the model and encodes it. Labels are percent-encoded (`:` as `%3A`), query values
 * are text, the body is JSON with the members that are set, and `Content-Type` is sent only with a body.
 *
 * @internal
 */
export const encodeRequest = (
  op: Operations.Any,
  input: unknown
): Either.Either<EncodedRequest, E.CognitoSyncValidationError> => {
  const codec = codecOf(op)
  const encoded = codec.encodeInput(input)
  if (Either.isLeft(encoded)) return Either.left(validationError(op.name, encoded.left))
  const values = encoded.right as { readonly [member: string]: unknown }

  let path = ""
  for (const segment of codec.segments) {
    if ("literal" in segment) {
      path += segment.literal
      continue
    }
    const text = String(values[segment.label])
    const problem = unsendable(text) ?? (text === "." || text === ".."
      // Valid dataset names and device ids, but URL parsers (WHATWG `URL`, used by the platform's clients and
      // fetch) resolve them as dot segments, even percent-encoded, so the call would reach another resource:
      // UnsubscribeFromDataset with DeviceId ".." would become DeleteDataset. The official client sends them
      // raw only over Node's http module; we refuse them before any I/O.
      ? `"${text}" cannot be sent as a URI path segment`
      : undefined)
    if (problem !== undefined) {
      return Either.left(
        new E.CognitoSyncValidationError({ operation: op.name, path: segment.label, message: problem })
      )
    }
    path += encodeUriComponent(text)
  }

  let search = ""
  for (const [member, name] of codec.queryMembers) {
    const value = values[member]
    if (value === undefined) continue
    const text = String(value)
    const problem = unsendable(text)
    if (problem !== undefined) {
      return Either.left(new E.CognitoSyncValidationError({ operation: op.name, path: member, message: problem }))
    }
    search += `${search === "" ? "" : "&"}${encodeUriComponent(name)}=${encodeUriComponent(text)}`
  }

  const headers: Record<string, string> = {}
  for (const [member, name] of codec.headerMembers) {
    const value = values[member]
    if (value !== undefined) headers[name.toLowerCase()] = String(value)
  }

  let body: string | undefined
  if (codec.bodyMembers.length > 0) {
    const json: { [member: string]: unknown } = {}
    for (const member of codec.bodyMembers) {
      if (values[member] !== undefined) json[member] = values[member]
    }
    body = JSON.stringify(json)
    headers["content-type"] = "application/json"
  }

  return Either.right({ method: op.method, path, search, headers, body })
}

/** What the transport brings back. @internal */
export interface RawResponse {
  readonly status: number
  /** Header names in lower case. */
  readonly headers: { readonly [name: string]: string | undefined }
  readonly body: string
}

/** Parses an answer's body: `{}` when empty, undefined when not JSON. @internal */
export const parseJson = (text: string): unknown => {
  if (text.trim() === "") return {}
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const isObject = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Reduces `Name:uri`, `ns#Name` and `Name,extra` to `Name`, as the AWS SDKs do. @internal */
export const sanitizeErrorCode = (raw: string): string => {
  let code = raw
  const comma = code.indexOf(",")
  if (comma >= 0) code = code.slice(0, comma)
  const colon = code.indexOf(":")
  if (colon >= 0) code = code.slice(0, colon)
  const hash = code.indexOf("#")
  if (hash >= 0) code = code.slice(hash + 1)
  return code.trim()
}

/**
 * Finds the error code of an error answer: the `x-amzn-ErrorType` header, else a body key `code` in any case,
 * else the body's `__type`. "Unknown" when there is none.
 *
 * @internal
 */
export const errorCodeOf = (headers: RawResponse["headers"], body: unknown): string => {
  const header = headers["x-amzn-errortype"]
  if (header !== undefined && header !== "") return sanitizeErrorCode(header)
  if (isObject(body)) {
    for (const key of Object.keys(body)) {
      const value = body[key]
      if (key.toLowerCase() === "code" && typeof value === "string") return sanitizeErrorCode(value)
    }
    if (typeof body.__type === "string") return sanitizeErrorCode(body.__type)
  }
  return "Unknown"
}

/** The message of an error answer's body: `message`, else `Message`. @internal */
export const messageOf = (body: unknown): string | undefined => {
  if (isObject(body)) {
    if (typeof body.message === "string") return body.message
    if (typeof body.Message === "string") return body.Message
  }
  return undefined
}

const errorMessageOf = (body: unknown, code: string, status: number): string =>
  messageOf(body) ?? `${code} (HTTP ${status})`

/** Builds the tagged error of an error answer: the operation's modeled class, or the unmodeled-code error. @internal */
export const decodeError = (op: Operations.Any, response: RawResponse): E.ServiceError => {
  const body = parseJson(response.body)
  const code = errorCodeOf(response.headers, body)
  const fields = {
    message: errorMessageOf(body, code, response.status),
    status: response.status,
    requestId: response.headers["x-amzn-requestid"]
  }
  const modeled = codecOf(op).errorsByName.get(code)
  return modeled === undefined ? new E.CognitoSyncServiceError({ code, ...fields }) : new modeled(fields)
}

/**
 * Reads an answer: a 2xx body decoded with the operation's output Schema, an error answer as its tagged error.
 *
 * @internal
 */
export const decodeResponse = (
  op: Operations.Any,
  response: RawResponse
): Either.Either<unknown, E.ServiceError | E.CognitoSyncDecodeError> => {
  if (response.status < 200 || response.status >= 300) return Either.left(decodeError(op, response))
  const decodeFailure = (message: string) =>
    Either.left(
      new E.CognitoSyncDecodeError({
        operation: op.name,
        message,
        status: response.status,
        requestId: response.headers["x-amzn-requestid"]
      })
    )
  const json = parseJson(response.body)
  if (!isObject(json)) return decodeFailure(`${op.name}: the answer is not a JSON object`)
  const output = codecOf(op).decodeOutput(withoutNulls(json))
  if (Either.isRight(output)) return Either.right(output.right)
  const { message, path } = validationError(op.name, output.left)
  return decodeFailure(`${op.name}: unexpected answer at ${path === "" ? "the top" : path}: ${message}`)
}
