import { defineConfig } from "vitest/config"

// "source" resolves the package's `#sha256` import to the TypeScript sources (see package.json "imports").
const conditions = ["source", "node", "import", "default"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/browser/**"],
    testTimeout: 30_000,
    // Two cores: more workers only make them starve each other (and the runner's own RPC).
    maxWorkers: 2,
    minWorkers: 1,
    hookTimeout: 30_000
  }
})
