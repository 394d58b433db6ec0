import type { AuditEntryOutput } from './audit.contract.js'
import type { AuditDoc } from './audit.model.js'

export function presentAudit(d: AuditDoc): AuditEntryOutput {
  return {
    id: d._id.toHexString(),
    actor: { kind: d.actor.kind, id: d.actor.id ? d.actor.id.toHexString() : null, name: d.actor.name },
    action: d.action,
    target: { type: d.target.type, id: d.target.id ?? null },
    fields: d.fields,
    ip: d.ip,
    requestId: d.requestId,
    at: d.at.toISOString(),
  }
}
