import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CognitoSync } from "../src/index.js"

describe("smoke", () => {
  it.effect("listRecords goes through encode, sign, send and decode", () =>
    Effect.gen(function*() {
      const seen: Array<{ url: string; headers: Record<string, string> }> = []
      const client = HttpClient.make((request) =>
        Effect.sync(() => {
          seen.push({ url: request.url, headers: { ...request.headers } })
          return HttpClientResponse.fromWeb(
            request,
            new Response(
              JSON.stringify({
                Records: [{ Key: "k", Value: "v", SyncCount: 2, LastModifiedDate: 1412974057.151 }],
                DatasetSyncCount: 2,
                SyncSessionToken: "t",
                NextToken: null
              }),
              { status: 200, headers: { "x-amzn-requestid": "rid" } }
            )
          )
        })
      )
      const page = yield* Effect.flatMap(CognitoSync.CognitoSync, (sync) =>
        sync.listRecords({
          IdentityPoolId: "us-east-1:0f1e2d3c-aaaa-bbbb-cccc-000000000000",
          IdentityId: "us-east-1:11111111-2222-3333-4444-555555555555",
          DatasetName: "settings",
          LastSyncCount: 0
        })).pipe(
          Effect.provide(
            CognitoSync.layer({ region: "us-east-1", credentials: { accessKeyId: "AKID", secretAccessKey: "secret" } })
          ),
          Effect.provideService(HttpClient.HttpClient, client)
        )
      expect(page.Records?.[0]?.LastModifiedDate?.getTime()).toBe(1412974057151)
      expect(seen[0]?.url).toContain("/identitypools/us-east-1%3A0f1e2d3c")
      expect(seen[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\//)
    }))
})
