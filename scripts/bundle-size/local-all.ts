/**
 * Bundle-size program: everything "effect-cognito-sync/local" exports. Bundled by scripts/bundle-size.ts; never run.
 */
export * from "effect-cognito-sync/local"
