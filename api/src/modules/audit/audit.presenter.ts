import {
  AUDIT_ACTION_LABELS,
  AUDIT_ACTOR_LABELS,
  AUDIT_FIELD_LABELS,
  AUDIT_TARGET_LABELS,
  type AuditEntryOutput,
} from './audit.contract.js'
import type { AuditDoc } from './audit.model.js'
import { iso } from '../../platform/time.js'

const label = (table: Record<string, string>, key: string) => (Object.hasOwn(table, key) ? table[key]! : key)

/** One log entry in the console's words; `targetName` is the record's current name, looked up per page. */
export function presentAudit(d: AuditDoc, targetName: string | null = null): AuditEntryOutput {
  return {
    id: d._id.toHexString(),
    actor: {
      kind: d.actor.kind,
      kindLabel: AUDIT_ACTOR_LABELS[d.actor.kind],
      id: d.actor.id ? d.actor.id.toHexString() : null,
      name: d.actor.name,
    },
    action: d.action,
    actionLabel: label(AUDIT_ACTION_LABELS, d.action),
    target: {
      type: d.target.type,
      typeLabel: label(AUDIT_TARGET_LABELS, d.target.type),
      id: d.target.id ?? null,
      name: targetName,
    },
    fields: d.fields,
    fieldLabels: d.fields.map((f) => label(AUDIT_FIELD_LABELS, f)),
    ip: d.ip,
    requestId: d.requestId,
    at: iso(d.at),
  }
}
