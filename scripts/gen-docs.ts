/**
 * Generates the parts of the docs that must not drift from the code:
 *
 * - the operation reference table in docs/client.md (`<!-- operations:start -->` ... `<!-- operations:end -->`),
 *   from the operation table in src/Operations.ts;
 * - the error table in docs/client.md (`<!-- errors:start -->` ... `<!-- errors:end -->`), from the modeled
 *   errors, their statuses, the operation table and the default retry policy;
 * - every quoted code sample (`<!-- include examples/file.ts#region -->` ... `<!-- include:end -->`) in the
 *   README and the guides, copied from the examples, which `tsc` checks.
 *
 * Run `npm run docs` to rewrite the files, `npm run docs:check` to fail (exit 1) when they are out of date.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as CognitoSync from "../src/CognitoSync.js"
import * as CognitoSyncError from "../src/CognitoSyncError.js"
import * as Operations from "../src/Operations.js"
import * as Retry from "../src/Retry.js"

/** The repository root. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

/** The files whose generated parts this script keeps current, relative to the root. */
export const files: ReadonlyArray<string> = ["README.md", "docs/client.md"]

// ---------------------------------------------------------------------------------------------------------------
// Markdown tables, laid out the way dprint lays them out (padded columns), so `dprint check` and `--check` agree
// ---------------------------------------------------------------------------------------------------------------

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  for (const row of [header, ...rows]) {
    if (row.length !== header.length) throw new Error(`a row has ${row.length} cells, the header ${header.length}`)
    for (const cell of row) {
      if (cell.includes("|") || cell.includes("\n")) throw new Error(`a cell may not hold "|" or a newline: ${cell}`)
    }
  }
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n")
}

const code = (text: string): string => `\`${text}\``

const camelCase = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1)

const callersText: { readonly [C in Operations.Callers]: string } = {
  developer: "developer (IAM)",
  identity: "Cognito Identity",
  both: "either"
}

// A service built from an invoker that is never run: only its method names are read, to check that every
// operation has the method the table names.
const service = CognitoSync.fromInvoker(() => Effect.dieMessage("not run"))

const methodsOf = (op: Operations.Any): string => {
  const method = camelCase(op.name)
  if (!(method in service)) throw new Error(`the service has no method ${method} for ${op.name}`)
  const pages = `${method}Pages`
  return pages in service ? `${code(method)}, ${code(pages)}` : code(method)
}

/** The operation reference table. */
export const operationsTable = (): string =>
  table(
    ["Operation", "Method", "HTTP", "Callers", "Modeled errors"],
    Operations.all.map((op) => [
      op.name,
      methodsOf(op),
      code(`${op.method} ${op.uri}`),
      callersText[op.callers],
      op.errors.map((error) => error._tag).join(", ")
    ])
  )

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

const meaning: { readonly [Name in CognitoSyncError.ModeledErrorName]: string } = {
  NotAuthorizedException: "the credentials may not do this",
  InvalidParameterException: "the service rejected a parameter (also: a consumed or expired SyncSessionToken)",
  ResourceNotFoundException: "the identity pool, identity, dataset or device does not exist",
  InternalErrorException: "the service failed",
  TooManyRequestsException: "the request was throttled",
  ResourceConflictException: "a record patch carried a stale SyncCount, or a concurrent change conflicts",
  LimitExceededException: "a quota: 20 datasets per identity, 1 MB or 1024 records per dataset",
  InvalidConfigurationException: "the pool's push sync configuration is missing or wrong",
  AlreadyStreamedException: "a bulk publish less than 24 h after the last successful one",
  ConcurrentModificationException: "parallel requests changed the same configuration",
  DuplicateRequestException: "a bulk publish is already in progress",
  InvalidLambdaFunctionOutputException: "the Sync Trigger Lambda function returned bad output or failed",
  LambdaThrottledException: "Lambda throttled the Sync Trigger"
}

const millis = (duration: Duration.DurationInput): string => `${Duration.toMillis(duration)} ms`

const retried = (error: CognitoSyncError.CognitoSyncError): string => {
  if (!Retry.defaultPolicy.isRetryable(error)) return "no"
  return Retry.isThrottling(error)
    ? `yes, as throttling (base ${millis(Retry.defaultPolicy.throttlingBaseDelay)})`
    : `yes, as transient (base ${millis(Retry.defaultPolicy.baseDelay)})`
}

const raisedBy = (name: string): string => {
  const raising = Operations.all.filter((op) => op.errors.some((error) => error._tag === name)).map((op) => op.name)
  if (raising.length === Operations.all.length) return `all ${Operations.all.length}`
  if (raising.length === 0) return "none"
  if (raising.length > Operations.all.length / 2) {
    const others = Operations.all.filter((op) => !raising.includes(op.name)).map((op) => op.name)
    return `all but ${others.join(", ")}`
  }
  return raising.join(", ")
}

const expect = (condition: boolean, what: string): void => {
  if (!condition) throw new Error(`the hand-written error rows are out of date: ${what}`)
}

const commonRows = (): ReadonlyArray<ReadonlyArray<string>> => {
  const service = (code: string, status: number) =>
    Retry.defaultPolicy.isRetryable(new CognitoSyncError.CognitoSyncServiceError({ code, message: "", status }))
  // The retry column of CognitoSyncServiceError is written by hand; these cases keep it honest.
  expect(service("Anything", 429) && service("Anything", 503) && service("ThrottlingException", 400), "retried")
  expect(service("RequestTimeoutException", 400) && !service("Anything", 501), "retried")
  expect(!service("UnrecognizedClientException", 403) && !service("ResourceNotFoundException", 404), "retried")
  const every = `all ${Operations.all.length}`
  return [
    [
      "CognitoSyncServiceError",
      "`code`, `message`, `status`, `requestId`",
      "as sent",
      every,
      "yes when the status is 429, 500, 502, 503 or 504, or `code` is a throttling or request-timeout code",
      "an error code the operation does not model (`UnrecognizedClientException`, `InvalidSignatureException`, ...)"
    ],
    [
      "CognitoSyncTransportError",
      "`operation`, `message`",
      "none",
      every,
      retried(new CognitoSyncError.CognitoSyncTransportError({ operation: "", message: "" })),
      "the request did not reach the service or its answer was cut off"
    ],
    [
      "CognitoSyncTimeoutError",
      "`operation`, `timeoutMillis`",
      "none",
      every,
      retried(new CognitoSyncError.CognitoSyncTimeoutError({ operation: "", timeoutMillis: 0 })),
      "an attempt took longer than the timeout (default 30 s)"
    ],
    [
      "CognitoSyncDecodeError",
      "`operation`, `message`, `status`, `requestId`",
      "2xx",
      every,
      retried(new CognitoSyncError.CognitoSyncDecodeError({ operation: "", message: "", status: 200 })),
      "the answer was not JSON, or not the operation's output shape"
    ],
    [
      "CognitoSyncValidationError",
      "`operation`, `path`, `message`",
      "none",
      every,
      retried(new CognitoSyncError.CognitoSyncValidationError({ operation: "", path: "", message: "" })),
      "the input broke the model's constraints, or the region or endpoint is invalid; nothing was sent"
    ],
    [
      "CognitoSyncCredentialsError",
      "`message`, `code`",
      "none",
      every,
      retried(new CognitoSyncError.CognitoSyncCredentialsError({ message: "" })),
      "the credential provider failed, or the request could not be signed"
    ]
  ]
}

/** The error table: the modeled errors, then the common ones. */
export const errorsTable = (): string =>
  table(
    ["Error (`_tag`)", "Fields", "HTTP", "Raised by", "Retried by default", "Meaning"],
    [
      ...CognitoSyncError.modeledErrors.map((error) => {
        const status = CognitoSyncError.modeledStatus[error._tag]
        return [
          error._tag,
          "`message`, `status`, `requestId`",
          String(status),
          raisedBy(error._tag),
          retried(new error({ message: "", status })),
          meaning[error._tag]
        ]
      }),
      ...commonRows()
    ]
  )

// ---------------------------------------------------------------------------------------------------------------
// Quoted examples
// ---------------------------------------------------------------------------------------------------------------

/** The text of an example, or of one `// #region name` ... `// #endregion` of it, dedented. */
export const excerpt = (reference: string): string => {
  const [file, region] = reference.split("#") as [string, string | undefined]
  const text = fs.readFileSync(path.join(root, file), "utf8")
  let lines = text.split("\n")
  if (region === undefined) {
    lines = lines.filter((line) => !/^\s*\/\/ #(end)?region\b/.test(line))
  } else {
    const start = lines.findIndex((line) => line.trim() === `// #region ${region}`)
    if (start < 0) throw new Error(`${file} has no region "${region}"`)
    const end = lines.findIndex((line, i) => i > start && line.trim() === "// #endregion")
    if (end < 0) throw new Error(`${file}: region "${region}" has no #endregion`)
    lines = lines.slice(start + 1, end)
    if (lines.some((line) => /^\s*\/\/ #region\b/.test(line))) throw new Error(`${file}: nested region in ${region}`)
  }
  while (lines.length > 0 && lines[0]!.trim() === "") lines.shift()
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop()
  const indent = Math.min(...lines.filter((line) => line.trim() !== "").map((line) => line.match(/^ */)![0].length))
  return lines.map((line) => line.slice(indent)).join("\n")
}

const includePattern = /(<!-- include ([^\s]+) -->\n)[\s\S]*?(<!-- include:end -->)/g

// ---------------------------------------------------------------------------------------------------------------
// Putting it together
// ---------------------------------------------------------------------------------------------------------------

const replaceSection = (markdown: string, name: string, content: string, file: string): string => {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = markdown.indexOf(start)
  const to = markdown.indexOf(end)
  if (from < 0 || to < from) throw new Error(`${file} has no "${start}" ... "${end}" section`)
  return `${markdown.slice(0, from)}${start}\n\n${content}\n\n${markdown.slice(to)}`
}

/** A file's contents with its generated parts brought up to date. */
export const render = (file: string, markdown: string): string => {
  let out = markdown.replace(
    includePattern,
    (_, open: string, reference: string, close: string) =>
      `${open}\n\`\`\`ts\n${excerpt(reference)}\n\`\`\`\n\n${close}`
  )
  if (file === "docs/client.md") {
    out = replaceSection(out, "operations", operationsTable(), file)
    out = replaceSection(out, "errors", errorsTable(), file)
  }
  return out
}

/** The files (relative to the root) whose generated parts are out of date. */
export const outdated = (): ReadonlyArray<string> =>
  files.filter((file) => {
    const current = fs.readFileSync(path.join(root, file), "utf8")
    return render(file, current) !== current
  })

/** Rewrites the generated parts; returns the files it changed. */
export const write = (): ReadonlyArray<string> =>
  files.filter((file) => {
    const current = fs.readFileSync(path.join(root, file), "utf8")
    const next = render(file, current)
    if (next !== current) fs.writeFileSync(path.join(root, file), next)
    return next !== current
  })

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href

if (isMain) {
  if (process.argv.includes("--check")) {
    const stale = outdated()
    if (stale.length > 0) {
      console.error(`out of date: ${stale.join(", ")} (run \`npm run docs\`)`)
      process.exit(1)
    }
    console.log(`docs are current: ${files.join(", ")}`)
  } else {
    const changed = write()
    console.log(changed.length === 0 ? "docs were already current" : `updated ${changed.join(", ")}`)
  }
}
