import { z } from 'zod'
import { IdParams, PageQuery, UnreadCount, pageOf } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'

/**
 * What an inbox item opens in the mini-program: an announcement or patent item (pushes), or the record a
 * notification is about (a claim, a 免申即享 invitation to claim, a station booking …). A domain that notifies adds its kind here.
 */
export const InboxContentKind = z.enum(['announcement', 'patent', 'claim', 'claim_invitation', 'booking', 'training'])
export type InboxContentKindOutput = z.output<typeof InboxContentKind>

export const InboxItemOut = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  content: z.object({ kind: InboxContentKind, id: z.string() }),
  read: z.boolean(),
  createdAt: z.iso.datetime(),
})
export type InboxItemOutput = z.output<typeof InboxItemOut>
export const InboxQuery = PageQuery.extend({
  unread: z
    .enum(['true', 'false'])
    .meta({ label: '只看未读' })
    .transform((v) => v === 'true')
    .optional(),
})
export type InboxQueryInput = z.input<typeof InboxQuery>
export const InboxPage = pageOf(InboxItemOut).extend({ unread: z.number().int() })
export type InboxPageOutput = z.output<typeof InboxPage>

export const ReadAllOut = z.object({ updated: z.number().int() })
export type ReadAllOutput = z.output<typeof ReadAllOut>

/** Every inbox endpoint, declared once: the routes, the mini-program types and the test client read this. */
export const InboxEndpoints = endpoints({
  list: {
    method: 'get',
    path: '/mp/v1/inbox',
    query: InboxQuery,
    response: InboxPage,
    summary: '我的消息，新的在前，附未读数',
  },
  unreadCount: {
    method: 'get',
    path: '/mp/v1/inbox/unread-count',
    response: UnreadCount,
    summary: '未读消息数（角标）',
  },
  readAll: {
    method: 'post',
    path: '/mp/v1/inbox/read-all',
    response: ReadAllOut,
    summary: '全部标为已读',
  },
  open: {
    method: 'get',
    path: '/mp/v1/inbox/:id',
    params: IdParams,
    response: InboxItemOut,
    summary: '打开一条消息（记为已读）',
  },
  click: {
    method: 'post',
    path: '/mp/v1/inbox/:id/click',
    params: IdParams,
    response: InboxItemOut,
    summary: '点击消息链接（记为已读并已点击）',
  },
})
