import mongoose, { Schema, type Types } from 'mongoose'

const AuditSchema = new Schema(
  {
    actor: {
      kind: { type: String, enum: ['admin', 'mp', 'system'], required: true },
      id: { type: Schema.Types.ObjectId, default: null },
      name: { type: String, default: '' },
    },
    action: { type: String, required: true },
    target: { type: { type: String, required: true }, id: { type: String, default: null } },
    /** Names of changed or viewed fields, never their values: the log itself must not hold personal data. */
    fields: { type: [String], default: [] },
    ip: { type: String, default: '' },
    requestId: { type: String, default: '' },
    at: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
)
// Serves: the console's audit list, newest first, unfiltered or by date range.
AuditSchema.index({ at: -1 })
// Serves: "what did this person do" (filter by actor), newest first.
AuditSchema.index({ 'actor.id': 1, at: -1 })
// Serves: filter by action (e.g. every pii.view), newest first.
AuditSchema.index({ action: 1, at: -1 })
// Serves: history of one record (target type + id).
AuditSchema.index({ 'target.type': 1, 'target.id': 1, at: -1 })

export interface AuditDoc {
  _id: Types.ObjectId
  actor: { kind: 'admin' | 'mp' | 'system'; id: Types.ObjectId | null; name: string }
  action: string
  target: { type: string; id: string | null }
  fields: string[]
  ip: string
  requestId: string
  at: Date
}
export const AuditModel = mongoose.model('AuditLog', AuditSchema, 'audit_log')
