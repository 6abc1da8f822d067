/**
 * The `cognito-sync-local` command: `parseArgs` for every flag and every kind of bad input, and the real process:
 * it prints one ready line, serves a signed request, and exits 0 on SIGTERM; `--bogus` exits 2 with a message and
 * `--help` exits 0 with the usage.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { parseArgs, usage } from "../../src/local/cli.js"
import { datasetPath, jsonBody, signedRequest } from "./serverSupport.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const identityId = "us-east-1:0a1b2c3d-0000-4000-8000-00000000abcd"

const leftOf = (args: ReadonlyArray<string>): string => {
  const parsed = parseArgs(args)
  if (Either.isRight(parsed)) throw new Error(`expected ${JSON.stringify(args)} to be refused`)
  return parsed.left
}

describe("cli: parseArgs", () => {
  it("defaults: 4599 on the default host, the test / test pair, no faults", () => {
    expect(parseArgs([])).toEqual(Either.right({
      _tag: "Run",
      defaultCredentials: true,
      options: { port: 4599, faults: {} }
    }))
  })

  it("reads every flag, in both --flag value and --flag=value forms", () => {
    const parsed = parseArgs([
      "--host",
      "0.0.0.0",
      "--port=0",
      "--credentials",
      "AKIDDEV:dev-secret",
      "--credentials=AKIDCOLON:se:cr:et",
      "--identity-credentials",
      `AKIDID:id-secret:${identityId}`,
      "--token-ttl",
      "60",
      "--throttle-rate",
      "0.1",
      "--error-rate=0.2",
      "--latency",
      "50",
      "--drop-after-write-rate",
      "0.3",
      "--seed",
      "7"
    ])
    expect(parsed).toEqual(Either.right({
      _tag: "Run",
      defaultCredentials: false,
      options: {
        host: "0.0.0.0",
        port: 0,
        credentials: [
          { accessKeyId: "AKIDDEV", secretAccessKey: "dev-secret" },
          // A secret may hold colons: only the first one splits.
          { accessKeyId: "AKIDCOLON", secretAccessKey: "se:cr:et" },
          // The identity id holds a colon itself: only the first two split.
          { accessKeyId: "AKIDID", secretAccessKey: "id-secret", identityId }
        ],
        tokenTtl: 60_000,
        faults: { throttleRate: 0.1, errorRate: 0.2, latency: 50, dropAfterWriteRate: 0.3, seed: 7 }
      }
    }))
  })

  it("identity credentials alone are not the default pair", () => {
    const parsed = parseArgs(["--identity-credentials", `A:B:${identityId}`])
    expect(Either.isRight(parsed) && parsed.right._tag === "Run" && parsed.right.defaultCredentials).toBe(false)
  })

  it("--help and -h win over everything else", () => {
    expect(parseArgs(["--help"])).toEqual(Either.right({ _tag: "Help" }))
    expect(parseArgs(["--port", "1", "-h"])).toEqual(Either.right({ _tag: "Help" }))
    expect(usage).toContain("--identity-credentials AKID:SECRET:IDENTITY_ID")
    for (
      const flag of [
        "--host",
        "--port",
        "--credentials",
        "--token-ttl",
        "--throttle-rate",
        "--error-rate",
        "--latency",
        "--drop-after-write-rate",
        "--seed",
        "--help"
      ]
    ) expect(usage).toContain(flag)
  })

  it("refuses bad flags and values with a clear message", () => {
    expect(leftOf(["--bogus"])).toBe("unknown option --bogus")
    expect(leftOf(["extra"])).toBe("unknown option extra")
    expect(leftOf(["--port"])).toBe("--port needs a value")
    expect(leftOf(["--port", "abc"])).toBe("--port expects a port (0-65535), got \"abc\"")
    expect(leftOf(["--port", "70000"])).toContain("--port expects a port")
    expect(leftOf(["--port", "1.5"])).toContain("--port expects a port")
    expect(leftOf(["--port="])).toContain("--port expects a port")
    expect(leftOf(["--throttle-rate", "2"])).toBe("--throttle-rate expects a rate between 0 and 1, got \"2\"")
    expect(leftOf(["--error-rate", "-0.1"])).toContain("--error-rate expects a rate between 0 and 1")
    expect(leftOf(["--drop-after-write-rate", "x"])).toContain("--drop-after-write-rate expects a rate")
    expect(leftOf(["--latency", "-1"])).toContain("--latency expects a number of milliseconds")
    expect(leftOf(["--seed", "1.5"])).toContain("--seed expects an integer")
    expect(leftOf(["--token-ttl", "0"])).toContain("--token-ttl expects a positive number of seconds")
    expect(leftOf(["--credentials", "nocolon"])).toBe("--credentials expects AKID:SECRET")
    expect(leftOf(["--credentials", ":secret"])).toBe("--credentials expects AKID:SECRET")
    expect(leftOf(["--credentials", "akid:"])).toBe("--credentials expects AKID:SECRET")
    for (const bad of ["AK:SECRET", "AK:SECRET:", "AK::" + identityId, ":S:" + identityId, "AK:S:not-an-identity"]) {
      expect(leftOf(["--identity-credentials", bad])).toContain(
        "--identity-credentials expects AKID:SECRET:IDENTITY_ID"
      )
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------
// The process
// ---------------------------------------------------------------------------------------------------------------

interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

// Startup (tsx compiling the sources) can take most of a minute on a loaded machine.
const startTimeout = 90_000

/** Spawns the command from the sources. */
const spawnCli = (args: ReadonlyArray<string>): ChildProcess =>
  spawn(process.execPath, ["--import", "tsx", "--conditions=source", "src/local/cli.ts", ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"]
  })

/** Collects a process's output until it exits; kills it (by its pid) if it outlives the timeout. */
const exitOf = (child: ChildProcess, timeoutMillis: number): Promise<Exited> =>
  new Promise((resolve, reject) => {
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the process did not exit within ${timeoutMillis} ms; stdout ${stdout}; stderr ${stderr}`))
    }, timeoutMillis)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      // Let the pipes drain.
      setImmediate(() => resolve({ code, signal, stdout, stderr }))
    })
  })

/** Resolves with the URL of the ready line. */
const readyUrl = (child: ChildProcess, timeoutMillis: number): Promise<string> =>
  new Promise((resolve, reject) => {
    let stdout = ""
    let stderr = ""
    const timer = setTimeout(
      () => reject(new Error(`no ready line within ${timeoutMillis} ms; stdout ${stdout}; stderr ${stderr}`)),
      timeoutMillis
    )
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      const match = /^cognito-sync-local listening on (http:\/\/127\.0\.0\.1:(\d+))$/m.exec(stdout)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before the ready line; stdout ${stdout}; stderr ${stderr}`))
    })
  })

describe.concurrent("cli: the process", () => {
  it("prints one ready line, serves a signed request, and exits 0 on SIGTERM", async () => {
    const child = spawnCli(["--host", "127.0.0.1", "--port", "0", "--credentials", "AKIDCLI:cli-secret"])
    const exited = exitOf(child, startTimeout + 20_000)
    try {
      const url = await readyUrl(child, startTimeout)
      const port = Number(new URL(url).port)
      expect(port).toBeGreaterThan(0)
      const response = await Effect.runPromise(signedRequest({
        port,
        method: "GET",
        path: datasetPath("cli") + "/records",
        credentials: { accessKeyId: "AKIDCLI", secretAccessKey: "cli-secret" }
      }))
      expect(response.status).toBe(200)
      expect(jsonBody(response)).toMatchObject({ DatasetExists: false, SyncSessionToken: expect.any(String) })
      // The default pair is off when credentials are given.
      const refused = await Effect.runPromise(
        signedRequest({ port, method: "GET", path: datasetPath("cli") + "/records" })
      )
      expect(refused.status).toBe(403)

      child.kill("SIGTERM")
      const { code, signal, stdout } = await exited
      expect({ code, signal }).toEqual({ code: 0, signal: null })
      expect(stdout.split("\n").filter((line) => line.includes("listening on"))).toEqual([
        `cognito-sync-local listening on ${url}`
      ])
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      await exited.catch(() => undefined)
    }
  }, startTimeout + 30_000)

  it("--bogus exits 2 with a clear message", async () => {
    const { code, stderr, stdout } = await exitOf(spawnCli(["--bogus"]), startTimeout)
    expect(code).toBe(2)
    expect(stderr).toContain("cognito-sync-local: unknown option --bogus")
    expect(stderr).toContain("--help")
    expect(stdout).not.toContain("listening")
  }, startTimeout + 10_000)

  it("--help exits 0 and prints the usage", async () => {
    const { code, stdout } = await exitOf(spawnCli(["--help"]), startTimeout)
    expect(code).toBe(0)
    expect(stdout).toContain("Usage: cognito-sync-local [options]")
    expect(stdout).toContain("--identity-credentials AKID:SECRET:IDENTITY_ID")
  }, startTimeout + 10_000)
})
