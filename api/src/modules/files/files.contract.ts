import { z } from 'zod'
import { IdParams } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'

/** Types accepted by content (magic bytes), never by extension or the client's Content-Type. */
export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
export const FileMime = z.enum(['application/pdf', 'image/jpeg', 'image/png', XLSX_MIME])
export type FileMimeOutput = z.output<typeof FileMime>

/** `claim-import`: an Excel file the console imports into claims (bank results, the exam's pass list). */
export const FilePurpose = z.enum([
  'claim-material',
  'attachment',
  'avatar',
  'enterprise-licence',
  'claim-import',
  // a booker's material for a station consultation (the mark's image …); a station's service-record and
  // advice-letter attachments
  'booking-material',
  'service-record',
])
export type FilePurposeOutput = z.output<typeof FilePurpose>

/** `POST /mp/v1/files?purpose=…` — the body is multipart/form-data with exactly one file part. */
export const MpUploadQuery = z.object({
  purpose: z
    .enum(['claim-material', 'avatar', 'enterprise-licence', 'booking-material'])
    .meta({ label: '文件用途' })
    .default('claim-material'),
})
export type MpUploadQueryInput = z.input<typeof MpUploadQuery>

/**
 * `POST /admin/v1/files` — console uploads: attachments to announcements, patent info and trainings, or an
 * Excel file to import into claims (bank results, pass lists).
 */
export const AdminUploadQuery = z.object({
  purpose: z.enum(['attachment', 'claim-import', 'service-record']).meta({ label: '文件用途' }).default('attachment'),
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

/**
 * Every file endpoint, both audiences, declared once. Uploads are multipart/form-data with exactly one `file`
 * part (PDF, JPG or PNG; wx.uploadFile in the mini-program), so only their query is declared; downloads
 * answer the file itself as an attachment (wx.downloadFile).
 */
export const FileEndpoints = endpoints({
  mpUpload: {
    method: 'post',
    path: '/mp/v1/files',
    query: MpUploadQuery,
    response: FileOut,
    status: 201,
    summary: '上传材料、头像或营业执照',
  },
  mpDownload: {
    method: 'get',
    path: '/mp/v1/files/:id',
    params: FileParams,
    response: 'file',
    summary: '下载自己上传的文件',
  },
  adminUpload: {
    method: 'post',
    path: '/admin/v1/files',
    query: AdminUploadQuery,
    response: FileOut,
    status: 201,
    summary: '上传公告、专利信息或培训的附件，或待导入的 Excel 文件',
  },
  adminDownload: {
    method: 'get',
    path: '/admin/v1/files/:id',
    params: FileParams,
    response: 'file',
    summary: '查看文件（每次查看记入审计日志）',
  },
})

/** The files domain's refusals (raised through files.errors.ts). */
export const FileErrorCode = z.enum([
  'FILE_FORBIDDEN',
  'FILE_REQUIRED',
  'TOO_MANY_FILES',
  'MULTIPART_INVALID',
  'UPLOAD_ABORTED',
])
