import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import busboy from 'busboy'
import { fileTypeFromBuffer } from 'file-type'
import { isValidObjectId } from 'mongoose'
import type { AdminPrincipal } from '../../platform/auth.js'
import { AppError, errors } from '../../platform/errors.js'
import type { Logger } from '../../platform/logger.js'
import { PERMISSIONS, type Permission } from '../../platform/permissions.js'
import { newObjectKey, StorageNotFoundError, type Storage } from '../../platform/storage/index.js'
import type { z } from 'zod'
import {
  XLSX_MIME,
  type AdminUploadQuery,
  type FileMimeOutput,
  type FilePurposeOutput,
} from './files.contract.js'
import { fileErrors } from './files.errors.js'
import { StoredFileModel, type FileOwner, type StoredFileDoc } from './files.model.js'

/** file-type reads at most this many bytes to decide. */
const SNIFF_BYTES = 4100
/** Multipart framing around one file: boundaries, part headers, a long file name. Past this the body cannot fit. */
const MULTIPART_OVERHEAD = 16 * 1024

/** Which detected types a purpose accepts, and what to tell the user otherwise. */
interface TypeRule {
  mimes: readonly FileMimeOutput[]
  message: string
}
const ANY_MATERIAL: TypeRule = {
  mimes: ['application/pdf', 'image/jpeg', 'image/png'],
  message: '仅支持 PDF、JPG、PNG 文件',
}
const RULES: Record<FilePurposeOutput, TypeRule> = {
  'claim-material': ANY_MATERIAL,
  attachment: ANY_MATERIAL,
  avatar: { mimes: ['image/jpeg', 'image/png'], message: '头像仅支持 JPG、PNG 图片' },
  'enterprise-licence': {
    mimes: ['application/pdf', 'image/jpeg', 'image/png'],
    message: '营业执照或授权书仅支持 PDF、JPG、PNG 文件',
  },
  'claim-import': {
    mimes: [XLSX_MIME],
    message: '仅支持 Excel 文件（.xlsx），请在 Excel 中另存为 .xlsx 后上传',
  },
  'booking-material': ANY_MATERIAL,
  'service-record': ANY_MATERIAL,
}

/**
 * Who in the console may read a file: those whose permission covers the domain it was uploaded for. Claim
 * materials carry ID cards and bank details, so a content editor or a trainer never reads them.
 */
export const FILE_READERS: Record<FilePurposeOutput, readonly Permission[]> = {
  'claim-material': ['claim.review', 'claim.pay'],
  'enterprise-licence': ['enterprise.manage'],
  attachment: ['content.manage'],
  avatar: ['enterprise.read'],
  'claim-import': ['claim.pay', 'claim.review'],
  // station staff; the stations module also serves them per booking, scoped to the booking's station
  'booking-material': ['station.manage'],
  'service-record': ['station.manage'],
}

export function mayReadFile(purpose: FilePurposeOutput, permissions: ReadonlySet<Permission>) {
  return FILE_READERS[purpose].some((p) => permissions.has(p))
}

/**
 * Files a station's staff may read only through their own station's booking
 * (`GET /admin/v1/bookings/:id/files/:fileId`, which checks the station): on the generic route a user tied
 * to a station gets the same 404 as for a missing file; the bureau (no station) reads them here.
 */
const STATION_SCOPED: ReadonlySet<FilePurposeOutput> = new Set(['booking-material', 'service-record'])

/**
 * Who in the console may upload for each of its purposes: attachments are content editors' and trainers',
 * Excel files to import into claims are claim reviewers' (pass lists) and finance's (bank results). The
 * console upload route admits any console user; this decides, naming the permissions a refusal lacks.
 */
export const FILE_UPLOADERS: Record<AdminUploadPurpose, readonly Permission[]> = {
  attachment: ['content.manage', 'training.manage'],
  'claim-import': ['claim.pay', 'claim.review'],
  'service-record': ['station.manage'],
}
type AdminUploadPurpose = z.output<typeof AdminUploadQuery>['purpose']
const isAdminUploadPurpose = (p: FilePurposeOutput): p is AdminUploadPurpose =>
  Object.hasOwn(FILE_UPLOADERS, p)
const EXTENSIONS: Record<FileMimeOutput, readonly string[]> = {
  'application/pdf': ['pdf'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  [XLSX_MIME]: ['xlsx'],
}

/** The request as the service needs it: headers and the raw, unread body stream. */
export interface UploadRequest {
  headers: IncomingHttpHeaders
  body: Readable
}

export interface FilesServiceDeps {
  storage: Storage
  maxBytes: number
  log: Logger
}

export interface FileDownload {
  file: StoredFileDoc
  stream: Readable
}

interface Received {
  size: number
  sha256: string
  mime: FileMimeOutput
  originalName: string
}

/**
 * Uploads are streamed straight from the socket into storage: the type is decided from the first bytes, the
 * size limit and sha256 are enforced and computed on the way through, and any failure deletes the object, so
 * storage holds only files that also have a record.
 */
export class FilesService {
  private readonly storage: Storage
  private readonly maxBytes: number
  private readonly log: Logger

  constructor(deps: FilesServiceDeps) {
    this.storage = deps.storage
    this.maxBytes = deps.maxBytes
    this.log = deps.log.child({ component: 'files' })
  }

  /** `owner` is who signed in: a console user's permissions decide which purposes they may upload for. */
  async upload(
    req: UploadRequest,
    owner: FileOwner & { permissions?: ReadonlySet<Permission> },
    purpose: FilePurposeOutput,
  ): Promise<StoredFileDoc> {
    try {
      return await this.store(req, owner, purpose)
    } catch (err) {
      // Refused before the body was read to its end: close the connection so the client stops sending it.
      if (err instanceof AppError && !req.body.readableEnded)
        throw new AppError(err.status, err.code, err.message, err.details, err.report, {
          ...err.headers,
          Connection: 'close',
        })
      throw err
    }
  }

  private async store(
    req: UploadRequest,
    owner: FileOwner & { permissions?: ReadonlySet<Permission> },
    purpose: FilePurposeOutput,
  ): Promise<StoredFileDoc> {
    if (!/^multipart\/form-data\s*;/i.test(req.headers['content-type'] ?? ''))
      throw errors.unsupportedMedia('请以 multipart/form-data 格式上传文件')
    // A declared length that cannot fit is refused before a byte is read.
    if (Number(req.headers['content-length']) > this.maxBytes + MULTIPART_OVERHEAD) throw this.tooLarge()
    // Who may upload for this purpose, also before a byte is read (only headers were looked at above).
    if (owner.kind === 'admin') this.assertMayUpload(purpose, owner.permissions ?? new Set())

    const key = newObjectKey()
    try {
      const got = await this.receive(req, key, RULES[purpose])
      const doc = await StoredFileModel.create({
        key,
        ...got,
        owner: { kind: owner.kind, id: owner.id },
        purpose,
      })
      return doc.toObject<StoredFileDoc>()
    } catch (err) {
      await this.storage
        .delete(key)
        .catch((e: unknown) => this.log.error({ err: e, key }, 'could not delete a failed upload'))
      throw err
    }
  }

  private assertMayUpload(purpose: FilePurposeOutput, permissions: ReadonlySet<Permission>) {
    const needed = isAdminUploadPurpose(purpose) ? FILE_UPLOADERS[purpose] : []
    if (!needed.some((p) => permissions.has(p)))
      throw fileErrors.forbidden(
        `上传此类文件需要以下权限之一：${needed.map((p) => PERMISSIONS[p]).join('、') || '无'}`,
        needed,
      )
  }

  /** For the uploader only; anyone else gets the same 404 as for a missing id, so ids cannot be probed. */
  async openForOwner(fileId: string, owner: FileOwner): Promise<FileDownload> {
    const file = await this.assertOwnedBy(fileId, owner)
    return { file, stream: await this.open(file) }
  }

  /** For modules that have already decided the caller may see this file (published content's attachments). */
  async openChecked(fileId: string): Promise<FileDownload> {
    const file = await this.find(fileId)
    if (!file) throw errors.notFound('文件')
    return { file, stream: await this.open(file) }
  }

  /**
   * For console users whose permissions cover the file's purpose (FILE_READERS); others get 403 naming what
   * is needed. The route records the view in the audit log.
   */
  async openForStaff(fileId: string, viewer: AdminPrincipal): Promise<FileDownload> {
    const file = await this.find(fileId)
    if (!file || (viewer.stationId && STATION_SCOPED.has(file.purpose))) throw errors.notFound('文件')
    if (!mayReadFile(file.purpose, viewer.permissions)) {
      const needed = FILE_READERS[file.purpose]
      throw fileErrors.forbidden(
        `查看此类材料需要以下权限之一：${needed.map((p) => PERMISSIONS[p]).join('、')}`,
        needed,
      )
    }
    return { file, stream: await this.open(file) }
  }

  /**
   * For modules that consumed an upload and must not keep it (an imported pass list holds ID numbers in
   * clear): the record first, so nothing can open it, then the stored bytes. Missing is not an error.
   */
  async discard(fileId: string): Promise<void> {
    const file = await StoredFileModel.findOneAndDelete({ _id: fileId }).lean<StoredFileDoc>()
    if (file)
      await this.storage
        .delete(file.key)
        .catch((err: unknown) =>
          this.log.error({ err, key: file.key }, 'could not delete a discarded upload'),
        )
  }

  /**
   * For other modules attaching an upload to their own records (claim materials): the file exists, belongs
   * to this owner and, if given, was uploaded for this purpose. Otherwise 404, as for a missing id.
   */
  async assertOwnedBy(fileId: string, owner: FileOwner, purpose?: FilePurposeOutput): Promise<StoredFileDoc> {
    const file = await this.find(fileId)
    if (
      !file ||
      file.owner.kind !== owner.kind ||
      !file.owner.id.equals(owner.id) ||
      (purpose && file.purpose !== purpose)
    )
      throw errors.notFound('文件')
    return file
  }

  private find(fileId: string) {
    if (!isValidObjectId(fileId)) return Promise.resolve(null)
    return StoredFileModel.findById(fileId).lean<StoredFileDoc>()
  }

  private async open(file: StoredFileDoc) {
    try {
      return await this.storage.get(file.key)
    } catch (err) {
      if (!(err instanceof StorageNotFoundError)) throw err
      this.log.error({ fileId: file._id.toHexString(), key: file.key }, 'file record without a stored object')
      throw errors.notFound('文件')
    }
  }

  /**
   * Parses the multipart body and stores its one file part under `key`. Settles only after the storage
   * write has settled, so the caller's clean-up cannot race a rename that is still in flight.
   */
  private receive(req: UploadRequest, key: string, rule: TypeRule): Promise<Received> {
    return new Promise((resolve, reject) => {
      let parser: busboy.Busboy
      try {
        parser = busboy({
          headers: req.headers,
          defParamCharset: 'utf8',
          limits: { files: 1, fields: 10, fieldSize: 1024, parts: 20, headerPairs: 20 },
        })
      } catch {
        return reject(fileErrors.multipartInvalid())
      }
      let guard: UploadGuard | undefined
      let stored: Promise<Received> | undefined
      let failed = false

      const fail = (err: unknown) => {
        if (failed) return
        failed = true
        req.body.unpipe(parser)
        req.body.resume() // discard the rest of the body
        guard?.destroy(err instanceof Error ? err : new Error(String(err)))
        void (stored ?? Promise.resolve()).catch(() => {}).finally(() => reject(err))
      }

      parser.on('file', (_field, file, info) => {
        const g = (guard = new UploadGuard(this.maxBytes, rule, () => this.tooLarge()))
        file.on('error', (e) => g.destroy(e))
        // Its errors reach us through put()'s rejection; this listener only keeps one raised before the
        // driver has attached (drivers may await before piping) from becoming an uncaught exception.
        g.on('error', () => {})
        stored = this.storage.put(key, file.pipe(g)).then(({ size }) => ({
          size,
          sha256: g.sha256(),
          mime: g.mime!,
          originalName: displayName(info.filename, g.mime!),
        }))
        stored.catch(fail)
      })
      parser.on('filesLimit', () => fail(fileErrors.tooMany()))
      parser.on('partsLimit', () => fail(fileErrors.multipartInvalid('上传内容包含过多字段')))
      parser.on('error', () => fail(fileErrors.multipartInvalid()))
      parser.on('close', () => {
        if (!stored) return fail(fileErrors.required())
        stored.then((r) => !failed && resolve(r), fail)
      })
      const aborted = () => fail(fileErrors.aborted())
      req.body.on('error', aborted)
      req.body.on('close', () => !req.body.readableEnded && aborted())
      req.body.pipe(parser)
    })
  }

  private tooLarge() {
    return errors.payloadTooLarge(`文件超过 ${Number((this.maxBytes / (1024 * 1024)).toFixed(2))} MB 上限`)
  }
}

export function createFilesService(deps: FilesServiceDeps) {
  return new FilesService(deps)
}

/**
 * Passes an upload through once its first bytes prove an allowed type, counting bytes (refusing the first
 * byte past the limit) and hashing as they go. Holds back at most the sniffed head, never the file.
 */
class UploadGuard extends Transform {
  mime: FileMimeOutput | undefined
  private head: Buffer[] = []
  private headBytes = 0
  private size = 0
  private readonly hash = createHash('sha256')

  constructor(
    private readonly maxBytes: number,
    private readonly rule: TypeRule,
    private readonly tooLarge: () => AppError,
  ) {
    super()
  }

  sha256() {
    return this.hash.digest('hex')
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.size += chunk.length
    if (this.size > this.maxBytes) return cb(this.tooLarge())
    this.hash.update(chunk)
    if (this.mime) return cb(null, chunk)
    this.head.push(chunk)
    this.headBytes += chunk.length
    if (this.headBytes < SNIFF_BYTES) return cb()
    this.release(cb)
  }

  override _flush(cb: TransformCallback) {
    if (this.mime) return cb()
    this.release(cb)
  }

  private release(cb: TransformCallback) {
    const head = Buffer.concat(this.head)
    this.head = []
    fileTypeFromBuffer(head.subarray(0, SNIFF_BYTES)).then((type) => {
      const mime = this.rule.mimes.find((m) => m === type?.mime)
      if (!mime) return cb(errors.unsupportedMedia(this.rule.message))
      this.mime = mime
      cb(null, head)
    }, cb)
  }
}

/**
 * The client's name reduced to display text: no directories, control or bidi characters, at most 200
 * characters, and ending in an extension that matches the detected type (so `a.html` holding a PDF is
 * offered as `a.html.pdf`).
 */
export function displayName(raw: string | undefined, mime: FileMimeOutput): string {
  const exts = EXTENSIONS[mime]
  let name = (raw ?? '').normalize('NFC')
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1)
  name = name
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/["*:<>?|]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
  const dot = name.lastIndexOf('.')
  const hasExt = dot > 0 && exts.includes(name.slice(dot + 1).toLowerCase())
  let stem = hasExt ? name.slice(0, dot) : name
  const ext = hasExt ? name.slice(dot + 1) : exts[0]!
  stem =
    [...stem]
      .slice(0, 200 - ext.length - 1)
      .join('')
      .trim() || '文件'
  return `${stem}.${ext}`
}
