import { z } from 'zod'
import { IdParams } from '../common.contract.js'

/** Types accepted by content (magic bytes), never by extension or the client's Content-Type. */
export const FileMime = z.enum(['application/pdf', 'image/jpeg', 'image/png'])
export type FileMimeOutput = z.output<typeof FileMime>

export const FilePurpose = z.enum(['claim-material', 'attachment', 'avatar', 'enterprise-licence'])
export type FilePurposeOutput = z.output<typeof FilePurpose>

/** `POST /mp/v1/files?purpose=…` — the body is multipart/form-data with exactly one file part. */
export const MpUploadQuery = z.object({
  purpose: z
    .enum(['claim-material', 'avatar', 'enterprise-licence'])
    .meta({ label: '文件用途' })
    .default('claim-material'),
})
export type MpUploadQueryInput = z.input<typeof MpUploadQuery>

/** `POST /admin/v1/files` — console uploads are attachments to announcements, patent info and trainings. */
export const AdminUploadQuery = z.object({
  purpose: z.enum(['attachment']).meta({ label: '文件用途' }).default('attachment'),
})
export type AdminUploadQueryInput = z.input<typeof AdminUploadQuery>

export const FileParams = IdParams
export type FileParamsInput = z.input<typeof FileParams>

export const FileOut = z.object({
  id: z.string(),
  /** The uploader's file name, sanitised; display text only, never a storage path. */
  name: z.string(),
  size: z.number().int(),
  mime: FileMime,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.iso.datetime(),
})
export type FileOutput = z.output<typeof FileOut>
