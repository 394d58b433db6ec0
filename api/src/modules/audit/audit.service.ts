import type { Context } from 'koa'
import type { z } from 'zod'
import type { AdminPrincipal, MpPrincipal } from '../../platform/auth.js'
import type { AuditAction, AuditQuery } from './audit.contract.js'
import { findPage } from '../../platform/lists.js'
import { AuditModel, type AuditDoc } from './audit.model.js'
import { presentAudit } from './audit.presenter.js'
import { resolveTargetNames } from './audit.targets.js'

export interface AuditEvent {
  /** Only labelled actions: a new one needs its Chinese label in AUDIT_ACTION_LABELS first. */
  action: AuditAction
  target: { type: string; id?: string | null }
  fields?: string[]
}

/** Records console writes and every view or export of personal data. */
export class AuditService {
  /** Records an event on behalf of the request's principal; awaits the write so nothing is lost. */
  async record(ctx: Context, event: AuditEvent) {
    const user = ctx.state.user as AdminPrincipal | MpPrincipal | undefined
    await AuditModel.create({
      actor: user
        ? {
            kind: user.kind,
            id: user.id,
            name: user.kind === 'admin' ? user.username : user.openid.slice(0, 8),
          }
        : { kind: 'system', id: null, name: 'system' },
      action: event.action,
      target: { type: event.target.type, id: event.target.id ?? null },
      fields: event.fields ?? [],
      ip: ctx.ip,
      requestId: String(ctx.state.requestId ?? ''),
    })
  }

  async list(q: z.output<typeof AuditQuery>) {
    const filter: Record<string, unknown> = {}
    if (q.actorId) filter['actor.id'] = q.actorId
    if (q.action) filter.action = q.action
    if (q.targetType) filter['target.type'] = q.targetType
    if (q.targetId) filter['target.id'] = q.targetId
    if (q.from || q.to) filter.at = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lte: q.to } : {}) }
    const { docs, ...page } = await findPage<AuditDoc>(AuditModel, filter, q, { at: -1 })
    const names = await resolveTargetNames(docs.map((d) => d.target))
    return {
      ...page,
      items: docs.map((d) => presentAudit(d, names.get(`${d.target.type}:${d.target.id}`) ?? null)),
    }
  }
}
