/**
 * The sync engine holds a Web Lock per (pool, identity, dataset) around each synchronize where `navigator.locks`
 * exists. Node has no Web Locks, so these tests install a fake one; test/browser runs the real one in Chromium.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer } from "effect"
import { vi } from "vitest"
import * as CognitoSyncLocal from "../../src/local/CognitoSyncLocal.js"
import * as LocalStore from "../../src/sync/LocalStore.js"
import * as SyncManager from "../../src/sync/SyncManager.js"

const pool = "us-east-1:00000000-0000-0000-0000-000000000001"
const identity = "us-east-1:00000000-0000-0000-0000-0000000000aa"
const lockName = `effect-cognito-sync/sync:${JSON.stringify([pool, identity, "settings"])}`

/**
 * An exclusive-mode LockManager: FIFO per name, requests withdrawn by their signal (unless `grantAborted`, which
 * plays a grant already on its way when the request was withdrawn).
 */
const makeFakeLocks = (options: { readonly grantAborted?: boolean } = {}) => {
  interface Waiter {
    readonly grant: () => void
    readonly signal: AbortSignal
  }
  const held = new Set<string>()
  const queues = new Map<string, Array<Waiter>>()
  const requested: Array<string> = []
  const next = (name: string) => {
    const queue = queues.get(name) ?? []
    const waiter = queue.shift()
    if (waiter !== undefined) waiter.grant()
  }
  const locks = {
    request: (
      name: string,
      request: { readonly signal: AbortSignal },
      callback: () => Promise<void> | undefined
    ): Promise<unknown> =>
      new Promise((resolve, reject) => {
        requested.push(name)
        const waiter: Waiter = {
          signal: request.signal,
          grant: () => {
            held.add(name)
            Promise.resolve(callback()).then(
              (value) => {
                held.delete(name)
                next(name)
                resolve(value)
              },
              (error: unknown) => {
                held.delete(name)
                next(name)
                reject(error)
              }
            )
          }
        }
        request.signal.addEventListener("abort", () => {
          if (options.grantAborted === true) return
          const queue = queues.get(name) ?? []
          const index = queue.indexOf(waiter)
          if (index >= 0) {
            queue.splice(index, 1)
            reject(new Error("AbortError"))
          }
        })
        if (held.has(name)) {
          const queue = queues.get(name) ?? []
          queue.push(waiter)
          queues.set(name, queue)
        } else waiter.grant()
      })
  }
  return {
    locks,
    requested,
    isHeld: (name: string) => held.has(name),
    waiting: (name: string) => queues.get(name)?.length ?? 0
  }
}

/** Web Locks release asynchronously (when the callback's promise settles): let that happen. */
const released = Effect.sleep("10 millis")

/** Holds `name` like another tab would, until the returned release is called. */
const holdElsewhere = (fake: ReturnType<typeof makeFakeLocks>, name: string) => {
  let release: () => void = () => {}
  void fake.locks.request(name, { signal: new AbortController().signal }, () =>
    new Promise<void>((resolve) => {
      release = resolve
    }))
  return () => release()
}

const manager = (identityId: string = identity, faults?: CognitoSyncLocal.LayerOptions["faults"]) =>
  Effect.provide(
    SyncManager.SyncManager,
    SyncManager.layer({ identityPoolId: pool, identityId }).pipe(
      Layer.provide(Layer.merge(CognitoSyncLocal.layerWith({ faults }), LocalStore.layerMemory))
    )
  )

describe("SyncManager with Web Locks", () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it.live("a synchronize holds the dataset's lock and releases it", () =>
    Effect.gen(function*() {
      const fake = makeFakeLocks()
      vi.stubGlobal("navigator", { locks: fake.locks })
      const dataset = yield* (yield* manager()).openDataset("settings")
      yield* dataset.put("theme", "dark")
      const result = yield* dataset.synchronize()
      expect(result.pushed).toEqual(["theme"])
      expect(fake.requested).toEqual([lockName])
      yield* released
      expect(fake.isHeld(lockName)).toBe(false)
    }))

  it.live("another tab's hold makes a synchronize wait", () =>
    Effect.gen(function*() {
      const fake = makeFakeLocks()
      vi.stubGlobal("navigator", { locks: fake.locks })
      const dataset = yield* (yield* manager()).openDataset("settings")
      yield* dataset.put("theme", "dark")
      const release = holdElsewhere(fake, lockName)
      const fiber = yield* Effect.fork(dataset.synchronize())
      yield* Effect.sleep("50 millis")
      expect(fiber.unsafePoll()).toBeNull()
      expect(fake.waiting(lockName)).toBe(1)
      expect(yield* dataset.lastSyncCount()).toBe(0)
      release()
      const result = yield* Fiber.join(fiber)
      expect(result.pushed).toEqual(["theme"])
      yield* released
      expect(fake.isHeld(lockName)).toBe(false)
    }))

  it.live("interrupted while waiting, it withdraws its request", () =>
    Effect.gen(function*() {
      const fake = makeFakeLocks()
      vi.stubGlobal("navigator", { locks: fake.locks })
      const dataset = yield* (yield* manager()).openDataset("settings")
      const release = holdElsewhere(fake, lockName)
      const fiber = yield* Effect.fork(dataset.synchronize())
      yield* Effect.sleep("20 millis")
      expect(fake.waiting(lockName)).toBe(1)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(fake.waiting(lockName)).toBe(0)
      release()
      yield* released
      expect(fake.isHeld(lockName)).toBe(false)
      // The lock is free for the next run.
      yield* dataset.put("theme", "dark")
      expect((yield* dataset.synchronize()).pushed).toEqual(["theme"])
    }))

  it.live("a grant that arrives after the interruption is handed straight back", () =>
    Effect.gen(function*() {
      const fake = makeFakeLocks({ grantAborted: true })
      vi.stubGlobal("navigator", { locks: fake.locks })
      const dataset = yield* (yield* manager()).openDataset("settings")
      const release = holdElsewhere(fake, lockName)
      const fiber = yield* Effect.fork(dataset.synchronize())
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(fiber)
      expect(fake.waiting(lockName)).toBe(1)
      release()
      yield* released
      expect(fake.waiting(lockName)).toBe(0)
      expect(fake.isHeld(lockName)).toBe(false)
    }))

  it.live("interrupted while running, it releases the lock", () =>
    Effect.gen(function*() {
      const fake = makeFakeLocks()
      vi.stubGlobal("navigator", { locks: fake.locks })
      // Every call takes 200 ms, so the run is caught in the middle.
      const dataset = yield* (yield* manager(identity, { latency: "200 millis" })).openDataset("settings")
      yield* dataset.put("theme", "dark")
      const fiber = yield* Effect.fork(dataset.synchronize())
      yield* Effect.sleep("50 millis")
      expect(fake.isHeld(lockName)).toBe(true)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      yield* released
      expect(fake.isHeld(lockName)).toBe(false)
    }))

  it.live("a failed run releases the lock", () =>
    Effect.gen(function*() {
      const fake = makeFakeLocks()
      vi.stubGlobal("navigator", { locks: fake.locks })
      // An identity id the service refuses: the pull fails.
      const name = `effect-cognito-sync/sync:${JSON.stringify([pool, "not-an-identity", "settings"])}`
      const dataset = yield* (yield* manager("not-an-identity")).openDataset("settings")
      yield* dataset.put("theme", "dark")
      const error = yield* Effect.flip(dataset.synchronize())
      expect(error._tag).toBe("CognitoSyncValidationError")
      expect(fake.requested).toEqual([name])
      yield* released
      expect(fake.isHeld(name)).toBe(false)
    }))

  it.live("without navigator.locks it runs as before", () =>
    Effect.gen(function*() {
      vi.stubGlobal("navigator", {})
      const dataset = yield* (yield* manager()).openDataset("settings")
      yield* dataset.put("theme", "dark")
      expect((yield* dataset.synchronize()).pushed).toEqual(["theme"])
    }))
})
