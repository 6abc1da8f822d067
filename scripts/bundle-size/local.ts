/**
 * Bundle-size program for "effect-cognito-sync/local" (Node): starts the emulator's HTTP server on a free port and
 * prints its address. Bundled by scripts/bundle-size.ts; never run.
 */
import { LocalServer } from "effect-cognito-sync/local"
import * as Effect from "effect/Effect"

Effect.scoped(Effect.flatMap(LocalServer.start({ port: 0 }), (server) => Effect.log(server.url))).pipe(
  Effect.runPromise
)
