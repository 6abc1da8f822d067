#!/usr/bin/env node
/**
 * The `cognito-sync-local` command: runs the emulator as an HTTP server until SIGINT or SIGTERM.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Server from "./Server.js"

/**
 * The usage text.
 *
 * @since 0.1.0
 * @category cli
 */
export const usage = `Usage: cognito-sync-local [options]

Runs a local Amazon Cognito Sync emulator that speaks the real wire protocol (rest-json, SigV4).

Options:
  --host H                         address to listen on (default 127.0.0.1)
  --port N                         port to listen on; 0 picks a free one (default 4599)
  --credentials AKID:SECRET        developer credentials: any identity, every operation (repeatable)
  --identity-credentials AKID:SECRET:IDENTITY_ID
                                   credentials bound to one identity, limited to the operations
                                   Cognito Identity credentials may call (repeatable)
  --token-ttl SECONDS              lifetime of a sync session token (default 300)
  --throttle-rate R                answer this share of requests with 429 TooManyRequestsException
  --error-rate R                   answer this share of requests with 500 InternalErrorException
  --latency MS                     wait this long before each answer
  --drop-after-write-rate R        apply this share of writes, then drop the connection
  --seed N                         seed of the fault generator (default 1)
  --help                           print this text

With no credentials option the server accepts the developer pair test / test.
It prints one line "cognito-sync-local listening on http://H:N" when ready.`

/**
 * Parsed command-line options, or what is wrong with them.
 *
 * @since 0.1.0
 * @category cli
 */
export type ParsedArgs =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Run"; readonly options: Server.ServerOptions; readonly defaultCredentials: boolean }

const numberFlag = (flag: string, raw: string, check: (n: number) => boolean, what: string): number => {
  const value = Number(raw)
  if (raw.trim() === "" || !Number.isFinite(value) || !check(value)) {
    throw new Error(`${flag} expects ${what}, got "${raw}"`)
  }
  return value
}

const rate = (flag: string, raw: string) => numberFlag(flag, raw, (n) => n >= 0 && n <= 1, "a rate between 0 and 1")

/**
 * Reads the command line. Fails with a message for an unknown flag or a bad value.
 *
 * @since 0.1.0
 * @category cli
 */
export const parseArgs = (args: ReadonlyArray<string>): Either.Either<ParsedArgs, string> => {
  const credentials: Array<Server.Credential> = []
  const faults: { -readonly [K in keyof Server.Faults]: Server.Faults[K] } = {}
  let host: string | undefined
  let port: number | undefined
  let tokenTtl: number | undefined
  try {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      if (arg === "--help" || arg === "-h") return Either.right({ _tag: "Help" })
      const eq = arg.indexOf("=")
      const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg
      const value = (): string => {
        if (eq > 0 && arg.startsWith("--")) return arg.slice(eq + 1)
        const next = args[++i]
        if (next === undefined) throw new Error(`${flag} needs a value`)
        return next
      }
      switch (flag) {
        case "--host":
          host = value()
          break
        case "--port":
          port = numberFlag(flag, value(), (n) => Number.isInteger(n) && n >= 0 && n <= 65535, "a port (0-65535)")
          break
        case "--credentials": {
          const raw = value()
          const colon = raw.indexOf(":")
          if (colon <= 0 || colon === raw.length - 1) throw new Error(`--credentials expects AKID:SECRET`)
          credentials.push({ accessKeyId: raw.slice(0, colon), secretAccessKey: raw.slice(colon + 1) })
          break
        }
        case "--identity-credentials": {
          // The identity id itself holds a colon (region:guid), so split at the first two colons only.
          const raw = value()
          const first = raw.indexOf(":")
          const second = first < 0 ? -1 : raw.indexOf(":", first + 1)
          const identityId = second < 0 ? "" : raw.slice(second + 1)
          if (first <= 0 || second <= first + 1 || !/^[\w-]+:[0-9a-f-]+$/.test(identityId)) {
            throw new Error(`--identity-credentials expects AKID:SECRET:IDENTITY_ID (IDENTITY_ID like region:guid)`)
          }
          credentials.push({
            accessKeyId: raw.slice(0, first),
            secretAccessKey: raw.slice(first + 1, second),
            identityId
          })
          break
        }
        case "--token-ttl":
          tokenTtl = numberFlag(flag, value(), (n) => n > 0, "a positive number of seconds")
          break
        case "--throttle-rate":
          faults.throttleRate = rate(flag, value())
          break
        case "--error-rate":
          faults.errorRate = rate(flag, value())
          break
        case "--drop-after-write-rate":
          faults.dropAfterWriteRate = rate(flag, value())
          break
        case "--latency":
          faults.latency = numberFlag(flag, value(), (n) => n >= 0, "a number of milliseconds")
          break
        case "--seed":
          faults.seed = numberFlag(flag, value(), Number.isInteger, "an integer")
          break
        default:
          throw new Error(`unknown option ${arg}`)
      }
    }
  } catch (error) {
    return Either.left(error instanceof Error ? error.message : String(error))
  }
  return Either.right({
    _tag: "Run",
    defaultCredentials: credentials.length === 0,
    options: {
      ...(host === undefined ? {} : { host }),
      port: port ?? 4599,
      ...(credentials.length === 0 ? {} : { credentials }),
      ...(tokenTtl === undefined ? {} : { tokenTtl: tokenTtl * 1000 }),
      faults
    }
  })
}

/**
 * Runs the command with the given arguments: prints the ready line, then serves until interrupted.
 *
 * @since 0.1.0
 * @category cli
 */
export const run = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const parsed = parseArgs(args)
    if (Either.isLeft(parsed)) {
      yield* Console.error(`cognito-sync-local: ${parsed.left}\nRun with --help for usage.`)
      return 2
    }
    if (parsed.right._tag === "Help") {
      yield* Console.log(usage)
      return 0
    }
    const { defaultCredentials, options } = parsed.right
    return yield* Effect.scoped(Effect.gen(function*() {
      const server = yield* Server.start(options)
      if (defaultCredentials) yield* Console.error("accepting developer credentials test / test")
      yield* Console.log(`cognito-sync-local listening on ${server.url}`)
      return yield* Effect.never
    }))
  }).pipe(
    Effect.catchTag("ServeError", (error) =>
      Effect.as(Console.error(`cognito-sync-local: could not listen: ${String(error.cause)}`), 1))
  )

const isMain = typeof process !== "undefined" && process.argv[1] !== undefined &&
  /cognito-sync-local$|[/\\]cli\.(ts|js)$/.test(process.argv[1])

if (isMain) {
  NodeRuntime.runMain(
    Effect.flatMap(run(process.argv.slice(2)), (code) =>
      Effect.sync(() => {
        process.exitCode = code
      })),
    { disableErrorReporting: false }
  )
}
