import type { Context } from 'koa'
import type { AuditService } from '../audit/audit.service.js'
import type { Routers } from '../index.js'
import { AdminUploadQuery, FileParams, MpUploadQuery } from './files.contract.js'
import { presentFile } from './files.presenter.js'
import type { FileDownload, FilesService } from './files.service.js'

export function registerFilesRoutes(
  { mp, admin }: Routers,
  files: FilesService,
  audit: Pick<AuditService, 'record'>,
) {
  // The JSON body parser leaves multipart requests unread, so the service streams ctx.req itself.
  mp.mp('post', '/files', { schemas: { query: MpUploadQuery }, rateLimit: 'upload' }, async (ctx) => {
    const file = await files.upload(
      { headers: ctx.req.headers, body: ctx.req },
      ctx.state.user,
      ctx.state.input.query.purpose,
    )
    ctx.status = 201
    return presentFile(file)
  })
  mp.mp('get', '/files/:id', { schemas: { params: FileParams } }, async (ctx) =>
    sendFile(ctx, await files.openForOwner(ctx.state.input.params.id, ctx.state.user)),
  )

  admin.admin(
    'post',
    '/files',
    'content.manage',
    { schemas: { query: AdminUploadQuery }, rateLimit: 'upload' },
    async (ctx) => {
      const file = await files.upload(
        { headers: ctx.req.headers, body: ctx.req },
        ctx.state.user,
        ctx.state.input.query.purpose,
      )
      ctx.status = 201
      return presentFile(file)
    },
  )
  // Materials carry personal data (ID cards, certificates): every console view is audited before a byte is sent.
  // Any console user may ask; the file's purpose decides (FILE_READERS).
  admin.admin('get', '/files/:id', null, { schemas: { params: FileParams } }, async (ctx) => {
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
