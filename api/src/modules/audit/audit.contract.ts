import { z } from 'zod'
import { ObjectIdString, PageQuery, pageOf } from '../common.contract.js'

export const AuditQuery = PageQuery.extend({
  actorId: ObjectIdString.optional(),
  action: z.string().max(64).optional(),
  targetType: z.string().max(32).optional(),
  targetId: z.string().max(64).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
})
export type AuditQueryInput = z.input<typeof AuditQuery>

export const AuditEntry = z.object({
  id: z.string(),
  actor: z.object({ kind: z.enum(['admin', 'mp', 'system']), id: z.string().nullable(), name: z.string() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string().nullable() }),
  fields: z.array(z.string()),
  ip: z.string(),
  requestId: z.string(),
  at: z.iso.datetime(),
})
export type AuditEntryOutput = z.output<typeof AuditEntry>
export const AuditPage = pageOf(AuditEntry)
export type AuditPageOutput = z.output<typeof AuditPage>
