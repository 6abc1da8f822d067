/**
 * Bundle-size entry (iii): the program of entry (i) written with the official `@aws-sdk/client-cognito-sync`.
 * Bundled by `bench/bundle.ts`; never run.
 */
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from "@aws-sdk/client-cognito-sync"

const IdentityPoolId = "us-east-1:0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10"
const IdentityId = "us-east-1:2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90"

const client = new CognitoSyncClient({
  region: "us-east-1",
  credentials: { accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token" }
})

const main = async () => {
  const page = await client.send(
    new ListRecordsCommand({ IdentityPoolId, IdentityId, DatasetName: "settings", LastSyncCount: 0 })
  )
  const written = await client.send(
    new UpdateRecordsCommand({
      IdentityPoolId,
      IdentityId,
      DatasetName: "settings",
      SyncSessionToken: page.SyncSessionToken ?? "",
      RecordPatches: [
        { Op: "replace", Key: "theme", Value: "dark", SyncCount: 0, DeviceLastModifiedDate: new Date() },
        { Op: "remove", Key: "draft", SyncCount: 3 }
      ]
    })
  )
  return written.Records ?? []
}

main().then((records) => console.log(records.length), (error) => console.error(error))
