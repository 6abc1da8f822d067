/**
 * Bundle-size program: everything "effect-cognito-sync/sync" exports. Bundled by scripts/bundle-size.ts; never run.
 */
export * from "effect-cognito-sync/sync"
