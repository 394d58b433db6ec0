import type { z } from 'zod'
import type { ApiRouter } from '../../platform/routing.js'
import type { AuditService } from '../audit/audit.service.js'
import { sanitizeBody } from './content.sanitize.js'
import { IdParams, ObjectIdString, PageQuery } from '../common.contract.js'
import { sendFile } from '../files/files.routes.js'
import type { FilesService } from '../files/files.service.js'
import type { Routers } from '../index.js'
import {
  AdminContentQuery,
  AdminPatentQuery,
  AnnouncementCreate,
  AnnouncementUpdate,
  MpPatentQuery,
  PatentCreate,
  PatentUpdate,
  PreviewBody,
  ScheduleBody,
} from './content.contract.js'
import type { ContentLifecycle, ContentService, SharedInput } from './content.service.js'

const AttachmentParams = IdParams.extend({ fileId: ObjectIdString })

export function registerContentRoutes(
  { mp, admin }: Routers,
  content: ContentService,
  audit: AuditService,
  files: Pick<FilesService, 'openChecked'>,
) {
  // Attachments of published content, for whoever may see the item (the files route serves uploaders only).
  for (const [segment, kind] of [
    ['announcements', 'announcement'],
    ['patents', 'patent'],
  ] as const)
    mp.mp(
      'get',
      `/${segment}/:id/attachments/:fileId`,
      { schemas: { params: AttachmentParams } },
      async (ctx) => {
        const { id, fileId } = ctx.state.input.params
        return sendFile(
          ctx,
          await files.openChecked(await content.visibleAttachment(ctx.state.user, kind, id, fileId)),
        )
      },
    )
  admin.admin('post', '/content/preview', 'content.manage', { schemas: { body: PreviewBody } }, (ctx) => ({
    html: sanitizeBody(ctx.state.input.body.body),
  }))
  // unread-count before :id, which would otherwise claim the path and refuse it as an invalid id
  mp.mp('get', '/announcements/unread-count', {}, (ctx) => content.unreadAnnouncements(ctx.state.user))
  mp.mp('get', '/announcements', { schemas: { query: PageQuery } }, (ctx) =>
    content.announcementsFor(ctx.state.user, ctx.state.input.query),
  )
  mp.mp('get', '/announcements/:id', { schemas: { params: IdParams } }, (ctx) =>
    content.announcementFor(ctx.state.user, ctx.state.input.params.id),
  )
  mp.mp('get', '/patents', { schemas: { query: MpPatentQuery } }, (ctx) =>
    content.patentsFor(ctx.state.user, ctx.state.input.query),
  )
  mp.mp('get', '/patents/:id', { schemas: { params: IdParams } }, (ctx) =>
    content.patentFor(ctx.state.user, ctx.state.input.params.id),
  )

  registerConsoleLifecycle(admin, '/announcements', 'announcement', content.announcements, audit, {
    create: AnnouncementCreate,
    update: AnnouncementUpdate,
    query: AdminContentQuery,
  })
  registerConsoleLifecycle(admin, '/patents', 'patent_info', content.patents, audit, {
    create: PatentCreate,
    update: PatentUpdate,
    query: AdminPatentQuery,
  })
}

/** The same ten console routes for each kind; every write is audited under `<target>.<action>`. */
function registerConsoleLifecycle<
  CS extends z.ZodType<SharedInput>,
  US extends z.ZodType<SharedInput>,
  QS extends z.ZodType<z.output<typeof AdminContentQuery> & { kind?: string }>,
  A extends { id: string },
>(
  r: ApiRouter,
  path: string,
  target: 'announcement' | 'patent_info',
  lifecycle: ContentLifecycle<z.output<CS>, z.output<US>, A>,
  audit: AuditService,
  schemas: { create: CS; update: US; query: QS },
) {
  const perm = 'content.manage'
  const byId = { params: IdParams }
  const record = (
    ctx: Parameters<AuditService['record']>[0],
    // each `<target>.<action>` needs its label in AUDIT_ACTION_LABELS
    action: 'create' | 'update' | 'schedule' | 'publish' | 'withdraw' | 'pin' | 'unpin' | 'delete' | 'review',
    id: string,
    fields?: string[],
  ) =>
    audit.record(ctx, {
      action: `${target}.${action}`,
      target: { type: target, id },
      ...(fields ? { fields } : {}),
    })

  r.admin('get', path, perm, { schemas: { query: schemas.query } }, (ctx) =>
    lifecycle.list(ctx.state.input.query),
  )
  r.admin('get', `${path}/:id`, perm, { schemas: byId }, (ctx) => lifecycle.get(ctx.state.input.params.id))
  r.admin('post', path, perm, { schemas: { body: schemas.create } }, async (ctx) => {
    const item = await lifecycle.create(ctx.state.input.body, ctx.state.user)
    await record(ctx, 'create', item.id, Object.keys(ctx.state.input.body as object))
    ctx.status = 201
    return item
  })
  r.admin('patch', `${path}/:id`, perm, { schemas: { ...byId, body: schemas.update } }, async (ctx) => {
    const { item, changed } = await lifecycle.update(
      ctx.state.input.params.id,
      ctx.state.input.body,
      ctx.state.user,
    )
    await record(ctx, 'update', item.id, changed)
    return item
  })
  r.admin('post', `${path}/:id/schedule`, perm, { schemas: { ...byId, body: ScheduleBody } }, async (ctx) => {
    const item = await lifecycle.schedule(
      ctx.state.input.params.id,
      ctx.state.input.body.publishAt,
      ctx.state.user,
    )
    await record(ctx, 'schedule', item.id, ['status', 'publishAt'])
    return item
  })
  for (const action of ['publish', 'withdraw'] as const)
    r.admin('post', `${path}/:id/${action}`, perm, { schemas: byId }, async (ctx) => {
      const item = await lifecycle[action](ctx.state.input.params.id, ctx.state.user)
      await record(ctx, action, item.id, ['status'])
      return item
    })
  for (const action of ['pin', 'unpin'] as const)
    r.admin('post', `${path}/:id/${action}`, perm, { schemas: byId }, async (ctx) => {
      const item = await lifecycle.pin(ctx.state.input.params.id, action === 'pin', ctx.state.user)
      await record(ctx, action, item.id, ['pinned'])
      return item
    })
  // 已复核: the text WeChat asked a human to look at has been looked at and stays as it is.
  r.admin('post', `${path}/:id/review`, perm, { schemas: byId }, async (ctx) => {
    const item = await lifecycle.confirmReview(ctx.state.input.params.id, ctx.state.user)
    await record(ctx, 'review', item.id, ['secCheck'])
    return item
  })
  r.admin('delete', `${path}/:id`, perm, { schemas: byId }, async (ctx) => {
    await lifecycle.remove(ctx.state.input.params.id)
    await record(ctx, 'delete', ctx.state.input.params.id)
  })
}
