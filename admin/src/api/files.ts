import { FileEndpoints as F } from './contracts'
import { call } from './request'

/** An attachment for content (`POST /files`, multipart, one part named `file`); `onProgress` gets 0–100. */
export function uploadAttachment(file: File, onProgress?: (percent: number) => void) {
  const form = new FormData()
  form.append('file', file, file.name)
  // multipart, so the endpoint declares no body: the form goes as the request's data
  return call(
    F.adminUpload,
    { query: { purpose: 'attachment' } },
    {
      data: form,
      timeout: 120_000,
      silent: true,
      onUploadProgress: (e) => e.total && onProgress?.(Math.round((e.loaded / e.total) * 100)),
    },
  )
}
