/**
 * Bundle-size entry (i + ii): the baseline program and the library program in one bundle. What it weighs more
 * than the baseline alone is what the library adds to a program that already uses `effect`, `Schema` and
 * `HttpClient`. Bundled by `bench/bundle.ts`; never run.
 */
// The package declares `"sideEffects": []`, so bare `import "./x.js"` statements would be dropped: use something.
import { main as baseline } from "./baseline.js"
import { main as ours } from "./ours.js"

baseline()
ours()
