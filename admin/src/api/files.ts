import type { FileOutput } from './contracts'
import { request } from './request'

/** An attachment for content (`POST /files`, multipart, one part named `file`); `onProgress` gets 0–100. */
export function uploadAttachment(file: File, onProgress?: (percent: number) => void) {
  const form = new FormData()
  form.append('file', file, file.name)
  return request.post<FileOutput>('/files', form, {
    params: { purpose: 'attachment' },
    timeout: 120_000,
    silent: true,
    onUploadProgress: (e) => e.total && onProgress?.(Math.round((e.loaded / e.total) * 100)),
  })
}
