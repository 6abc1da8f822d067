/**
 * Bundle-size entry (ii), the baseline: an Effect program that already uses `effect`, `Schema` and
 * `@effect/platform`'s `HttpClient` on `FetchHttpClient` (one request, its JSON body decoded with a Schema).
 * What entry (i) weighs more than this is what the library adds. Bundled by `bench/bundle.ts`; never run.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

const Settings = Schema.Struct({
  theme: Schema.String,
  fontSize: Schema.Number,
  updatedAt: Schema.optional(Schema.Date)
})

const program = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const response = yield* client.get("https://example.com/settings.json")
  return yield* HttpClientResponse.schemaBodyJson(Settings)(response)
})

export const main = () =>
  program.pipe(
    Effect.provide(FetchHttpClient.layer),
    Effect.runPromise
  ).then((settings) => console.log(settings.theme), (error) => console.error(error))

main()
