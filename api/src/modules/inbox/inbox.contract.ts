import { z } from 'zod'
import { PageQuery, pageOf } from '../common.contract.js'

export const InboxItemOut = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  content: z.object({ kind: z.enum(['announcement', 'patent']), id: z.string() }),
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
