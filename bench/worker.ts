/**
 * The measuring process. `bench/run.ts` compiles this file with esbuild to `.bench-out/worker.mjs` (the library's
 * TypeScript sources bundled, `#sha256` resolved with the `node` condition, packages left to `node_modules`) and
 * runs it with plain `node`, once per phase, so that the measured code runs as compiled JavaScript would, without
 * tsx's loader, and each phase starts from a fresh heap.
 *
 * `node .bench-out/worker.mjs <phase> <options as JSON>`, phase `cpu`, `ladder`, `sign` or `breakdown`; the result goes
 * back over IPC as `{ result }` (and progress as `{ log }`).
 */
import { runBreakdown } from "./breakdown.js"
import { type CpuOptions, runCpuBench } from "./cpu.js"
import { runLadderBench } from "./ladder.js"
import { runSignBench } from "./sign.js"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true"

const send = (message: unknown) =>
  new Promise<void>((resolve, reject) => {
    if (process.send === undefined) {
      console.log(JSON.stringify(message))
      return resolve()
    }
    process.send(message, undefined, {}, (error) => (error === null ? resolve() : reject(error)))
  })

const log = (line: string) => void send({ log: line })

const main = async () => {
  const [phase, json = "{}"] = process.argv.slice(2)
  const options: unknown = JSON.parse(json)
  switch (phase) {
    case "cpu":
      return runCpuBench({ ...(options as Omit<CpuOptions, "log">), log })
    case "ladder":
      return runLadderBench({ ...(options as Omit<CpuOptions, "log">), log })
    case "sign":
      return runSignBench(options as Parameters<typeof runSignBench>[0])
    case "breakdown":
      return runBreakdown(options as Parameters<typeof runBreakdown>[0])
    default:
      throw new Error(`unknown phase ${phase}`)
  }
}

main().then(
  async (result) => {
    await send({ result })
    process.disconnect?.()
  },
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
