import type { z } from 'zod'
import type { AdminPrincipal } from '../../platform/auth.js'
import { errors } from '../../platform/errors.js'
import type { Permission } from '../../platform/permissions.js'
import type { ApiRouter, HandlerResult, RouteContext } from '../../platform/routing.js'
import type { AuditService } from '../audit/audit.service.js'
import type { IdParams } from '../common.contract.js'
import { sendFile } from '../files/files.routes.js'
import type { FilesService } from '../files/files.service.js'
import type { Routers } from '../index.js'
import { sanitizeBody } from './content.sanitize.js'
import { ContentEndpoints as E, type ScheduleBody } from './content.contract.js'
import type { ContentService } from './content.service.js'

/** Who may preview a rich body through the server's sanitiser. */
const PREVIEWERS: readonly Permission[] = ['content.manage', 'training.manage']

export function registerContentRoutes(
  { mp, admin }: Routers,
  content: ContentService,
  audit: AuditService,
  files: Pick<FilesService, 'openChecked'>,
) {
  const member = { audience: 'mp' } as const
  // Attachments of published content, for whoever may see the item (the files route serves uploaders only).
  for (const [e, kind] of [
    [E.feedAnnouncementAttachment, 'announcement'],
    [E.feedPatentAttachment, 'patent'],
  ] as const)
    mp.endpoint(e, member, async (ctx) => {
      const { id, fileId } = ctx.state.input.params
      return sendFile(
        ctx,
        await files.openChecked(await content.visibleAttachment(ctx.state.user, kind, id, fileId)),
      )
    })
  // A pure render (sanitise, no write): whoever edits a rich body may preview it — content and training
  // managers. A route declares one permission, so the handler decides, as the files upload does per purpose.
  admin.endpoint(E.preview, { audience: 'admin', permission: null }, (ctx) => {
    if (!PREVIEWERS.some((p) => ctx.state.user.permissions.has(p)))
      throw errors.forbidden('没有权限执行此操作', { missing: PREVIEWERS })
    return { html: sanitizeBody(ctx.state.input.body.body) }
  })
  // unread-count before :id, which would otherwise claim the path and refuse it as an invalid id
  mp.endpoint(E.feedAnnouncementUnread, member, (ctx) => content.unreadAnnouncements(ctx.state.user))
  mp.endpoint(E.feedAnnouncements, member, (ctx) =>
    content.announcementsFor(ctx.state.user, ctx.state.input.query),
  )
  mp.endpoint(E.feedAnnouncement, member, (ctx) =>
    content.announcementFor(ctx.state.user, ctx.state.input.params.id),
  )
  mp.endpoint(E.feedPatents, member, (ctx) => content.patentsFor(ctx.state.user, ctx.state.input.query))
  mp.endpoint(E.feedPatent, member, (ctx) => content.patentFor(ctx.state.user, ctx.state.input.params.id))

  registerConsoleLifecycle(
    admin,
    consoleLifecycleOf('announcement'),
    'announcement',
    content.announcements,
    audit,
  )
  registerConsoleLifecycle(admin, consoleLifecycleOf('patent'), 'patent_info', content.patents, audit)
}

/** One kind's eleven console endpoints out of ContentEndpoints (`announcementList` → `list`…). */
function consoleLifecycleOf<K extends 'announcement' | 'patent'>(kind: K) {
  return {
    list: E[`${kind}List`],
    get: E[`${kind}Get`],
    create: E[`${kind}Create`],
    update: E[`${kind}Update`],
    schedule: E[`${kind}Schedule`],
    publish: E[`${kind}Publish`],
    withdraw: E[`${kind}Withdraw`],
    pin: E[`${kind}Pin`],
    unpin: E[`${kind}Unpin`],
    review: E[`${kind}Review`],
    remove: E[`${kind}Remove`],
  }
}
type ConsoleTable =
  ReturnType<typeof consoleLifecycleOf<'announcement'>> | ReturnType<typeof consoleLifecycleOf<'patent'>>

type Endpoint = ConsoleTable[keyof ConsoleTable]
/** What the endpoint answers; every lifecycle answer is a record with its id (for the audit entry). */
type Out<E extends Endpoint> = HandlerResult<E> & { id: string }
/** What a console route's `validate` parses, before the generic body casts it with In<…>. */
type LooseSchemas = { params: typeof IdParams; query: z.ZodType; body: z.ZodType }
/** The parsed body or query of an endpoint. */
type In<S> = S extends z.ZodType ? z.output<S> : never
type Actor = Pick<AdminPrincipal, 'id' | 'username'>
/**
 * A kind's lifecycle as its endpoints declare it. Passing the service's lifecycle here is where tsc checks
 * the presenters: each method must answer what its endpoint's response schema says.
 */
interface DeclaredLifecycle<T extends ConsoleTable> {
  list(q: In<T['list']['query']>): Promise<HandlerResult<T['list']>>
  get(id: string): Promise<Out<T['get']>>
  create(input: In<T['create']['body']>, actor: Actor): Promise<Out<T['create']>>
  update(
    id: string,
    input: In<T['update']['body']>,
    actor: Actor,
  ): Promise<{ item: Out<T['update']>; changed: string[] }>
  schedule(id: string, publishAt: string, actor: Actor): Promise<Out<T['schedule']>>
  publish(id: string, actor: Actor): Promise<Out<T['publish']>>
  withdraw(id: string, actor: Actor): Promise<Out<T['withdraw']>>
  pin(id: string, pinned: boolean, actor: Actor): Promise<Out<T['pin']> & Out<T['unpin']>>
  confirmReview(id: string, actor: Actor): Promise<Out<T['review']>>
  remove(id: string): Promise<unknown>
}

/** The same eleven console routes for each kind; every write is audited under `<target>.<action>`. */
function registerConsoleLifecycle<T extends ConsoleTable>(
  r: ApiRouter,
  t: T,
  target: 'announcement' | 'patent_info',
  lifecycle: DeclaredLifecycle<T>,
  audit: AuditService,
) {
  const access = { audience: 'admin', permission: 'content.manage' } as const
  // Inside this generic body tsc cannot pick an overload for an endpoint of T, nor resolve its parsed input:
  // routes register through `on`, with a loose handler. The check stays where T is concrete: each call site
  // passes the service's lifecycle as DeclaredLifecycle<T>, which must take what the schemas parse and
  // answer what the endpoints declare.
  const on = r.endpoint.bind(r) as (
    e: Endpoint,
    access: { audience: 'admin'; permission: 'content.manage' },
    handler: (ctx: RouteContext<LooseSchemas, AdminPrincipal>) => Promise<unknown>,
  ) => void
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

  on(t.list, access, async (ctx) => lifecycle.list(ctx.state.input.query as In<T['list']['query']>))
  on(t.get, access, async (ctx) => lifecycle.get(ctx.state.input.params.id))
  on(t.create, access, async (ctx) => {
    const body = ctx.state.input.body as In<T['create']['body']>
    const item = await lifecycle.create(body, ctx.state.user)
    await record(ctx, 'create', item.id, Object.keys(body as object))
    return item
  })
  on(t.update, access, async (ctx) => {
    const { item, changed } = await lifecycle.update(
      ctx.state.input.params.id,
      ctx.state.input.body as In<T['update']['body']>,
      ctx.state.user,
    )
    await record(ctx, 'update', item.id, changed)
    return item
  })
  on(t.schedule, access, async (ctx) => {
    const item = await lifecycle.schedule(
      ctx.state.input.params.id,
      (ctx.state.input.body as z.output<typeof ScheduleBody>).publishAt,
      ctx.state.user,
    )
    await record(ctx, 'schedule', item.id, ['status', 'publishAt'])
    return item
  })
  for (const action of ['publish', 'withdraw'] as const)
    on(t[action], access, async (ctx) => {
      const item = await lifecycle[action](ctx.state.input.params.id, ctx.state.user)
      await record(ctx, action, item.id, ['status'])
      return item
    })
  for (const action of ['pin', 'unpin'] as const)
    on(t[action], access, async (ctx) => {
      const item = await lifecycle.pin(ctx.state.input.params.id, action === 'pin', ctx.state.user)
      await record(ctx, action, item.id, ['pinned'])
      return item
    })
  // 已复核: the text WeChat asked a human to look at has been looked at and stays as it is.
  on(t.review, access, async (ctx) => {
    const item = await lifecycle.confirmReview(ctx.state.input.params.id, ctx.state.user)
    await record(ctx, 'review', item.id, ['secCheck'])
    return item
  })
  on(t.remove, access, async (ctx) => {
    await lifecycle.remove(ctx.state.input.params.id)
    await record(ctx, 'delete', ctx.state.input.params.id)
  })
}
