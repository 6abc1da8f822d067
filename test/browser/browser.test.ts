/**
 * End to end in headless Chromium: a page bundled from the library gets Cognito Identity credentials from the
 * local server, edits a dataset, synchronizes it over the durable store on `localStorage`, reloads and sees its
 * data, and a second device converges with it; then the same program in Node, as a third device, converges too.
 * Two tabs of one browser never sync one dataset at once (Web Locks).
 *
 * Needs Debian's `chromium` at /usr/bin/chromium (`apt-get install -y chromium`). Run with `npm run test:browser`.
 *
 * Chromium is started by hand with exactly these flags (this machine has no outside network, and Chromium otherwise
 * stalls on it) and a fresh profile, and Playwright attaches to it over the DevTools protocol (Playwright's own
 * `launch` would add default flags and manage the profile itself). Each browser context is a device of its own, with
 * its own `localStorage`.
 */
import { LocalServer } from "effect-cognito-sync/local"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { build } from "esbuild"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type AppReport, makeMemoryStorage, runApp } from "./app.js"
import type { PageAppOptions } from "./page.js"

const chromiumPath = "/usr/bin/chromium"
const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]
const startupTimeout = 90_000
const pool = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-00000000b0b0"
const lockPool = "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-00000000f00d"
const alice = { "accounts.example.com": "alice" }

/** Rejects after `ms` with a message naming what took too long. */
const within = <A>(ms: number, what: string, promise: Promise<A>): Promise<A> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

// ----- Chromium --------------------------------------------------------------------------------------------------

interface RunningChromium {
  readonly browser: Browser
  readonly close: () => Promise<void>
}

const startChromium = async (): Promise<RunningChromium> => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `The browser test needs Chromium at ${chromiumPath}, which is missing. ` +
        "Install Debian's package first (as root): apt-get install -y chromium"
    )
  }
  const profile = await mkdtemp(join(tmpdir(), "ecs-chromium-"))
  const child: ChildProcess = spawn(
    chromiumPath,
    [...chromiumFlags, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"],
    // Its own process group, so that closing it reaches the renderers too.
    { stdio: ["ignore", "ignore", "pipe"], detached: true }
  )
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const stopProcess = async () => {
    const pid = child.pid
    if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-pid, "SIGTERM")
      } catch {
        // Already gone.
      }
      const stopped = await Promise.race([
        exited.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 10_000))
      ])
      if (!stopped) {
        try {
          process.kill(-pid, "SIGKILL")
        } catch {
          // Already gone.
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
      }
    }
    await rm(profile, { recursive: true, force: true, maxRetries: 3 })
  }
  try {
    let stderr = ""
    const endpoint = await within(
      startupTimeout,
      "Chromium's startup",
      new Promise<string>((resolve, reject) => {
        child.stderr?.setEncoding("utf8")
        child.stderr?.on("data", (chunk: string) => {
          stderr = (stderr + chunk).slice(-20_000)
          const found = /DevTools listening on (ws:\/\/\S+)/.exec(stderr)
          if (found !== null) resolve(found[1]!)
        })
        child.once("error", reject)
        child.once(
          "exit",
          (code, signal) => reject(new Error(`Chromium exited at startup (code ${code}, signal ${signal}):\n${stderr}`))
        )
      })
    )
    // Keep draining stderr, so that Chromium never blocks on a full pipe.
    child.stderr?.resume()
    const browser = await chromium.connectOverCDP(endpoint, { timeout: startupTimeout })
    return {
      browser,
      close: async () => {
        await within(15_000, "closing the DevTools connection", browser.close()).catch(() => {})
        await stopProcess()
      }
    }
  } catch (error) {
    await stopProcess()
    throw error
  }
}

// ----- the page: bundled with esbuild, served from its own port ---------------------------------------------------

interface PageSite {
  readonly url: string
  readonly nodeImports: ReadonlyArray<string>
  readonly close: () => Promise<void>
}

const servePage = async (): Promise<PageSite> => {
  const dir = await mkdtemp(join(tmpdir(), "ecs-page-"))
  try {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("./page.ts", import.meta.url))],
      bundle: true,
      platform: "browser",
      format: "iife",
      target: "es2022",
      // The package's own entry points and `#sha256` resolve to the TypeScript sources.
      conditions: ["source", "browser", "module"],
      outfile: join(dir, "bundle.js"),
      metafile: true,
      sourcemap: false,
      logLevel: "silent"
    })
    const nodeImports: Array<string> = []
    for (const [file, input] of Object.entries(result.metafile.inputs)) {
      for (const imported of input.imports) {
        if (imported.path.startsWith("node:")) nodeImports.push(`${file} imports ${imported.path}`)
      }
    }
    for (const [file, output] of Object.entries(result.metafile.outputs)) {
      for (const imported of output.imports) {
        if (imported.path.startsWith("node:")) nodeImports.push(`${file} imports ${imported.path}`)
      }
    }
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>effect-cognito-sync e2e</title>` +
      `<link rel="icon" href="data:,"></head><body><script src="/bundle.js"></script></body></html>`
    await writeFile(join(dir, "index.html"), html)
    const bundle = await readFile(join(dir, "bundle.js"))
    const server: Server = createServer((request, response) => {
      const path = (request.url ?? "/").split("?")[0]
      if (path === "/" || path === "/index.html") {
        response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
        response.end(html)
      } else if (path === "/bundle.js") {
        response.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" })
        response.end(bundle)
      } else {
        response.writeHead(404, { "content-type": "text/plain" })
        response.end("not found")
      }
    })
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(0, "127.0.0.1", () => resolve())
    })
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}/`,
      nodeImports,
      close: async () => {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await rm(dir, { recursive: true, force: true })
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

// ----- the suite -------------------------------------------------------------------------------------------------

let scope: Scope.CloseableScope | undefined
let server: LocalServer.RunningServer
/** A second server that answers every Cognito Sync call 250 ms late, so that syncs last long enough to overlap. */
let slowServer: LocalServer.RunningServer
let site: PageSite | undefined
let running: RunningChromium | undefined

beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  const open = scope
  server = await Effect.runPromise(Scope.extend(LocalServer.start({ host: "127.0.0.1", port: 0 }), open))
  slowServer = await Effect.runPromise(
    Scope.extend(LocalServer.start({ host: "127.0.0.1", port: 0, faults: { latency: "250 millis" } }), open)
  )
  site = await servePage()
  running = await startChromium()
}, 150_000)

afterAll(async () => {
  await running?.close()
  await site?.close()
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
}, 60_000)

const browser = (): Browser => {
  if (running === undefined) throw new Error("Chromium did not start")
  return running.browser
}

const pageUrl = (): string => {
  if (site === undefined) throw new Error("the page was not served")
  return site.url
}

/** Opens the app's page and waits until the bundle has loaded. */
const openApp = async (page: Page): Promise<void> => {
  await page.goto(pageUrl(), { timeout: 30_000 })
  await page.waitForFunction(() => typeof window.runApp === "function", undefined, { timeout: 30_000 })
}

/** Runs the app in a page, over its `localStorage`. */
const inPage = (page: Page, options: PageAppOptions): Promise<AppReport> =>
  within(60_000, `the app in page ${options.deviceLabel}`, page.evaluate((o) => window.runApp(o), options))

/** The live values of a dataset on the server. */
const serverValues = async (target: LocalServer.RunningServer, poolId: string, identityId: string, name: string) => {
  const snapshot = await Effect.runPromise(target.engine.snapshot)
  const records = snapshot[poolId]?.[identityId]?.[name]?.records ?? {}
  const values: { [key: string]: string } = {}
  for (const [key, record] of Object.entries(records)) if (record.value !== undefined) values[key] = record.value
  return values
}

const sortedKeys = (keys: ReadonlyArray<string>) => [...keys].sort()

const span = (report: AppReport) => {
  const started = report.events.filter((event) => event.tag === "SyncStarted")
  const finished = report.events.filter((event) => event.tag === "SyncFinished")
  expect(started, `${report.deviceLabel} saw one SyncStarted`).toHaveLength(1)
  expect(finished, `${report.deviceLabel} saw one SyncFinished`).toHaveLength(1)
  return { start: started[0]!.at, end: finished[0]!.at }
}

describe("in headless Chromium and in Node", () => {
  it("the bundle imports no node: module", () => {
    expect(site?.nodeImports).toEqual([])
  })

  it("devices converge: a page that reloads, a second browser device and Node", async () => {
    const endpoint = server.url
    const base = { endpoint, identityPoolId: pool }

    // Device A, a guest: an unauthenticated identity, edits, a sync.
    const contextA = await browser().newContext()
    const contextB = await browser().newContext()
    try {
      const pageA = await contextA.newPage()
      await openApp(pageA)
      const a1 = await inPage(pageA, {
        ...base,
        deviceLabel: "A",
        put: { theme: "dark", lang: "en", draft: "scratch" },
        remove: ["draft"]
      })
      expect(a1.runtime).toBe("browser")
      expect(a1.identityReused).toBe(false)
      expect(a1.opened).toEqual({})
      expect(a1.values).toEqual({ theme: "dark", lang: "en" })
      expect(a1.sync?.pushed).toEqual(expect.arrayContaining(["theme", "lang"]))
      const identityId = a1.identityId
      expect(await serverValues(server, pool, identityId, "settings")).toEqual({ theme: "dark", lang: "en" })

      // Reload: the identity and the data come back from localStorage, with no request to the server at all.
      const requests: Array<string> = []
      pageA.on("request", (request) => {
        if (request.url().startsWith(endpoint)) requests.push(`${request.method()} ${request.url()}`)
      })
      await pageA.reload({ timeout: 30_000 })
      await pageA.waitForFunction(() => typeof window.runApp === "function", undefined, { timeout: 30_000 })
      const a2 = await inPage(pageA, { ...base, deviceLabel: "A", sync: false })
      expect(a2.identityId).toBe(identityId)
      expect(a2.identityReused).toBe(true)
      expect(a2.opened).toEqual({ theme: "dark", lang: "en" })
      expect(requests).toEqual([])

      // A signs in: the guest's first login authenticates the same identity. An edit made offline, not yet synced.
      const a3 = await inPage(pageA, {
        ...base,
        deviceLabel: "A",
        logins: alice,
        put: { theme: "solarized" },
        sync: false
      })
      expect(a3.identityId).toBe(identityId)
      expect(a3.values).toEqual({ theme: "solarized", lang: "en" })

      // Device B, its own browser context and localStorage: the same user logs in and gets the same identity. It
      // edits another key and, later than A, the key A changed.
      const pageB = await contextB.newPage()
      await openApp(pageB)
      const b1 = await inPage(pageB, {
        ...base,
        deviceLabel: "B",
        logins: alice,
        put: { theme: "light", font: "serif" }
      })
      expect(b1.identityId).toBe(identityId)
      expect(b1.identityReused).toBe(false)
      expect(b1.opened).toEqual({})
      expect(b1.sync?.conflicts).toEqual([{ key: "theme", resolution: "UseLocal" }])
      expect(b1.values).toEqual({ theme: "light", lang: "en", font: "serif" })

      // A syncs: B's later edit of theme wins over A's (last writer wins); A also removes lang.
      const a4 = await inPage(pageA, { ...base, deviceLabel: "A", logins: alice, remove: ["lang"] })
      expect(a4.sync?.conflicts).toEqual([{ key: "theme", resolution: "UseRemote" }])
      expect(a4.values).toEqual({ theme: "light", font: "serif" })
      const b2 = await inPage(pageB, { ...base, deviceLabel: "B", logins: alice })
      expect(b2.values).toEqual(a4.values)
      expect(await serverValues(server, pool, identityId, "settings")).toEqual(a4.values)

      // The same program in Node, a third device: it finds the same identity, sees the same data, adds a key.
      const c1 = await within(
        60_000,
        "the app in Node",
        runApp({ ...base, storage: makeMemoryStorage(), deviceLabel: "C", logins: alice, put: { node: "yes" } })
      )
      expect(c1.runtime).toBe("node")
      expect(c1.identityId).toBe(identityId)
      expect(c1.values).toEqual({ theme: "light", font: "serif", node: "yes" })
      expect(sortedKeys(c1.sync?.pulled ?? [])).toEqual(["font", "theme"])

      // Everyone converges on the server's state.
      const a5 = await inPage(pageA, { ...base, deviceLabel: "A", logins: alice })
      const b3 = await inPage(pageB, { ...base, deviceLabel: "B", logins: alice })
      const onServer = await serverValues(server, pool, identityId, "settings")
      expect(onServer).toEqual({ theme: "light", font: "serif", node: "yes" })
      expect(a5.values).toEqual(onServer)
      expect(b3.values).toEqual(onServer)
      expect(c1.values).toEqual(onServer)
      expect(a5.sync?.syncCount).toBe(b3.sync?.syncCount)
      expect(a5.sync?.syncCount).toBe(c1.sync?.syncCount)
    } finally {
      await contextA.close().catch(() => {})
      await contextB.close().catch(() => {})
    }
  })

  it("two tabs never sync one dataset at once (Web Locks); without the lock they would", async () => {
    const base = { endpoint: slowServer.url, identityPoolId: lockPool }
    const twoTabs = async (label: string, disableLocks: boolean) => {
      const context = await browser().newContext()
      try {
        const tab1 = await context.newPage()
        const tab2 = await context.newPage()
        await Promise.all([openApp(tab1), openApp(tab2)])
        if (disableLocks) {
          for (const tab of [tab1, tab2]) {
            await tab.evaluate(() => Object.defineProperty(window.navigator, "locks", { value: undefined }))
          }
        }
        expect(await tab1.evaluate(() => typeof window.navigator.locks)).toBe(disableLocks ? "undefined" : "object")
        // One guest identity for the origin, kept in the shared localStorage.
        const first = await inPage(tab1, { ...base, deviceLabel: `${label}-1`, put: { seed: "0" } })
        const [one, two] = await Promise.all([
          inPage(tab1, { ...base, deviceLabel: `${label}-1`, put: { tab1: "1" } }),
          inPage(tab2, { ...base, deviceLabel: `${label}-2`, put: { tab2: "2" } })
        ])
        expect(one.identityId).toBe(first.identityId)
        expect(two.identityId).toBe(first.identityId)
        // With the lock, both edits reach the server, whichever tab ran first. Without it (the control) the tabs
        // race on the shared store and one edit may be lost: that loss is what the lock is for.
        if (!disableLocks) {
          expect(await serverValues(slowServer, lockPool, first.identityId, "settings")).toEqual({
            seed: "0",
            tab1: "1",
            tab2: "2"
          })
        }
        return { one: span(one), two: span(two) }
      } finally {
        await context.close().catch(() => {})
      }
    }

    const locked = await twoTabs("locked", false)
    const [earlier, later] = locked.one.start <= locked.two.start
      ? [locked.one, locked.two]
      : [locked.two, locked.one]
    expect(earlier.end).toBeLessThanOrEqual(later.start)

    // The control: with navigator.locks hidden, the same two runs overlap, so the check above can see an overlap.
    const unlocked = await twoTabs("unlocked", true)
    const overlap = Math.min(unlocked.one.end, unlocked.two.end) - Math.max(unlocked.one.start, unlocked.two.start)
    expect(overlap).toBeGreaterThan(0)
  })
})
