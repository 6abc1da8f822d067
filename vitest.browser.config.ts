import { defineConfig } from "vitest/config"

// The browser end-to-end test (test/browser): Chromium at /usr/bin/chromium, driven by playwright-core.
// "source" resolves the package's own entry points and `#sha256` to the TypeScript sources.
const conditions = ["source", "node", "import", "default"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/browser/**/*.test.ts"],
    // Chromium's startup on a loaded machine can take a minute.
    testTimeout: 180_000,
    hookTimeout: 120_000
  }
})
