import type { Context } from 'koa'
import type { AdminPrincipal, MpPrincipal } from '../../platform/auth.js'
import type { AuditService } from '../audit/audit.service.js'
import type { Routers } from '../index.js'
import { FileEndpoints as E, type FilePurposeOutput } from './files.contract.js'
import { presentFile } from './files.presenter.js'
import type { FileDownload, FilesService } from './files.service.js'

export function registerFilesRoutes(
  { mp, admin }: Routers,
  files: FilesService,
  audit: Pick<AuditService, 'record'>,
) {
  /**
   * One upload handler for both audiences: the owner is whoever signed in, the query's purpose says what for
   * (each audience's contract lists the purposes it may use). The JSON body parser leaves multipart requests
   * unread, so the service streams ctx.req itself.
   */
  const upload = async (ctx: UploadContext) =>
    presentFile(
      await files.upload(
        { headers: ctx.req.headers, body: ctx.req },
        ctx.state.user,
        ctx.state.input.query.purpose,
      ),
    )

  mp.endpoint(E.mpUpload, { audience: 'mp', rateLimit: 'upload' }, upload)
  mp.endpoint(E.mpDownload, { audience: 'mp' }, async (ctx) =>
    sendFile(ctx, await files.openForOwner(ctx.state.input.params.id, ctx.state.user)),
  )

  // Any console user may ask; the purpose decides (FILE_UPLOADERS), before the body is read.
  admin.endpoint(E.adminUpload, { audience: 'admin', permission: null, rateLimit: 'upload' }, upload)
  // Materials carry personal data (ID cards, certificates): every console view is audited before a byte is sent.
  // Any console user may ask; the file's purpose decides (FILE_READERS).
  admin.endpoint(E.adminDownload, { audience: 'admin', permission: null }, async (ctx) => {
    const download = await files.openForStaff(ctx.state.input.params.id, ctx.state.user)
    try {
      await audit.record(ctx, {
        action: 'file.view',
        target: { type: 'file', id: download.file._id.toHexString() },
      })
    } catch (err) {
      download.stream.destroy()
      throw err
    }
    return sendFile(ctx, download)
  })
}

/** What the upload handler reads of a request, from either audience. */
type UploadContext = Context & {
  state: { user: MpPrincipal | AdminPrincipal; input: { query: { purpose: FilePurposeOutput } } }
}

/** Always a download, never rendered inline on our origin, never cached by a shared cache. */
export function sendFile(ctx: Context, { file, stream }: FileDownload) {
  ctx.type = file.mime
  ctx.length = file.size
  ctx.set({
    'Content-Disposition': contentDisposition(file.originalName),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, no-store',
  })
  return stream
}

/** RFC 6266: an ASCII fallback for old clients, and the exact UTF-8 name in `filename*`. */
export function contentDisposition(name: string) {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_')
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
