import type { AdminUploadQueryInput } from './contracts'
import { FileEndpoints as F } from './contracts'
import { call } from './request'

export type ConsolePurpose = NonNullable<AdminUploadQueryInput['purpose']>

/**
 * A console upload (`POST /files?purpose=…`, multipart, one part named `file`); `onProgress` gets 0–100.
 * The purpose decides who may upload it and who may read it (the files module's uploaders and readers).
 */
export function uploadFile(file: File, purpose: ConsolePurpose, onProgress?: (percent: number) => void) {
  const form = new FormData()
  form.append('file', file, file.name)
  // multipart, so the endpoint declares no body: the form goes as the request's data
  return call(
    F.adminUpload,
    { query: { purpose } },
    {
      data: form,
      timeout: 120_000,
      silent: true,
      onUploadProgress: (e) => e.total && onProgress?.(Math.round((e.loaded / e.total) * 100)),
    },
  )
}
