/**
 * The service's published quotas and how a dataset's size is counted, shared by the emulator and the sync engine.
 *
 * @internal
 */

/** Datasets per identity, records per dataset, bytes per dataset. @internal */
export const publishedLimits = {
  datasetsPerIdentity: 20,
  recordsPerDataset: 1024,
  bytesPerDataset: 1024 * 1024
} as const

/** The UTF-8 length of a string, without encoding it. @internal */
export const utf8Length = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        i++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

/**
 * The bytes a record counts toward the 1 MB dataset limit: UTF-8 key plus value; a deleted record counts nothing.
 *
 * @internal
 */
export const recordBytes = (record: { readonly key: string; readonly value?: string | undefined }): number =>
  record.value === undefined ? 0 : utf8Length(record.key) + utf8Length(record.value)
