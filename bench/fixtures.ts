/**
 * The data every benchmark uses: the inputs of the two measured calls and the canned answers of the server
 * (a realistic ListRecords page of 10 records and an UpdateRecords answer of 2).
 */

import { randomUUID } from "node:crypto"
import * as Http from "node:http"
export const region = "us-east-1"
export const credentials = { accessKeyId: "AKIDBENCHMARK", secretAccessKey: "benchmark-secret-key" }
export const IdentityPoolId = "us-east-1:0c3e6a1d-7a4b-4d2e-9c1f-5b8a2e6f4d10"
export const IdentityId = "us-east-1:2f6e7c4a-0b39-4a7e-9d51-7f3c2a1b8e90"
export const DatasetName = "settings"

/** ListRecords after sync count 39. */
export const listInput = { IdentityPoolId, IdentityId, DatasetName, LastSyncCount: 39 }

/** UpdateRecords of one replace and one remove. */
export const updateInput = {
  IdentityPoolId,
  IdentityId,
  DatasetName,
  DeviceId: "device-a",
  SyncSessionToken: "AQoDYXdzEJr1K2JhY2tlbmQtc2Vzc2lvbi10b2tlbi0wMTIzNDU2Nzg5YWJjZGVm",
  RecordPatches: [
    {
      Op: "replace" as const,
      Key: "setting-0",
      Value: "{\"theme\":\"dark\",\"fontSize\":12}",
      SyncCount: 49,
      DeviceLastModifiedDate: new Date(1_715_000_100_000)
    },
    { Op: "remove" as const, Key: "draft", SyncCount: 3, DeviceLastModifiedDate: new Date(1_715_000_100_500) }
  ]
}

/** The JSON body of `updateInput` on the wire (what the official client sends too). */
export const updateBody = JSON.stringify({
  DeviceId: updateInput.DeviceId,
  RecordPatches: updateInput.RecordPatches.map((patch) => ({
    ...patch,
    DeviceLastModifiedDate: patch.DeviceLastModifiedDate.getTime() / 1000
  })),
  SyncSessionToken: updateInput.SyncSessionToken
})

const now = 1_715_000_000.123

const record = (i: number) => ({
  Key: `setting-${i}`,
  Value: JSON.stringify({ theme: i % 2 === 0 ? "dark" : "light", fontSize: 12 + i, updatedBy: "device-a" }),
  SyncCount: 40 + i,
  LastModifiedDate: now + i,
  LastModifiedBy: IdentityId,
  DeviceLastModifiedDate: now + i - 0.5
})

/** A ListRecords page: 10 records, the dataset's count and a session token. */
export const listRecordsBody = JSON.stringify({
  Count: 10,
  DatasetDeletedAfterRequestedSyncCount: false,
  DatasetExists: true,
  DatasetSyncCount: 49,
  LastModifiedBy: IdentityId,
  MergedDatasetNames: [],
  Records: Array.from({ length: 10 }, (_, i) => record(i)),
  SyncSessionToken: updateInput.SyncSessionToken
})

/** An UpdateRecords answer: the 2 records as written (the second a tombstone). */
export const updateRecordsBody = JSON.stringify({
  Records: [
    { ...record(0), SyncCount: 50 },
    { Key: "draft", SyncCount: 51, LastModifiedDate: now + 20, LastModifiedBy: "device-a" }
  ]
})

/**
 * A bare `node:http` server answering every request with a canned Cognito Sync answer: a GET gets the ListRecords
 * page, anything else the UpdateRecords answer, both with `x-amzn-RequestId`, `Date` and `Content-Type` as the
 * service's. It checks no signature and keeps no state; it only reads each body to the end. Not yet listening.
 */
export const makeCannedServer = (): Http.Server => {
  const listRecords = Buffer.from(listRecordsBody)
  const updateRecords = Buffer.from(updateRecordsBody)
  return Http.createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    const answer = request.method === "GET" ? listRecords : updateRecords
    request.on("data", () => {})
    request.on("end", () => {
      response.writeHead(200, {
        "content-type": "application/json",
        "content-length": answer.length,
        "x-amzn-requestid": randomUUID(),
        date: new Date().toUTCString()
      })
      response.end(answer)
    })
  })
}
