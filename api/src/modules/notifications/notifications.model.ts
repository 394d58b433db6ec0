import mongoose, { Schema, type Types } from 'mongoose'
import type { NotificationKind, TemplateConfigOutput } from './notifications.contract.js'

/**
 * One notification to one member, once per `(userId, key)`: the sender's key (`claim:<id>:approved`) makes a
 * repeated send a no-op that answers the first result. Its `_id` also keys the grant it reserves and the
 * inbox item it wrote.
 */
const NotificationSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    key: { type: String, required: true },
    kind: { type: String, required: true },
    /** pending → sending → sent | spent (43101) | no_grant | muted | no_template | failed */
    status: { type: String, default: 'pending' },
    templateId: { type: String, default: null },
    attempts: { type: Number, default: 0 },
    errcode: { type: Number, default: null },
    msgid: { type: String, default: null },
    inboxItemId: { type: Schema.Types.ObjectId, default: null },
    /** the send run working on it until `leaseUntil`: two runs of one key never both send */
    lease: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
)
// Serves: idempotency per (member, key), and a sendMany's read-back of its records (userId $in, key $in).
NotificationSchema.index({ userId: 1, key: 1 }, { unique: true })

export type NotificationStatus =
  'pending' | 'sending' | 'sent' | 'spent' | 'no_grant' | 'muted' | 'no_template' | 'failed'
export interface NotificationDoc {
  _id: Types.ObjectId
  userId: Types.ObjectId
  key: string
  kind: NotificationKind
  status: NotificationStatus
  templateId: string | null
  attempts: number
  errcode: number | null
  msgid: string | null
  inboxItemId: Types.ObjectId | null
  lease: string | null
  leaseUntil: Date | null
  createdAt: Date
}
export const NotificationModel = mongoose.model('Notification', NotificationSchema, 'notifications')

/** A kind's template as saved in the console (`_id` = kind); no document = the kind's default. */
const TemplateSchema = new Schema(
  {
    _id: { type: String, required: true },
    templateId: { type: String, required: true },
    fields: { type: [{ _id: false, key: String, var: String, text: String }], default: [] },
  },
  { timestamps: true, versionKey: false },
)
export interface TemplateDoc extends TemplateConfigOutput {
  _id: NotificationKind
  updatedAt: Date
}
export const NotificationTemplateModel = mongoose.model(
  'NotificationTemplate',
  TemplateSchema,
  'notification_templates',
)

/** A member's choices (`_id` = userId): the kinds they want no WeChat message for. Absent = all on. */
const PreferenceSchema = new Schema(
  { _id: { type: Schema.Types.ObjectId, required: true }, off: { type: [String], default: [] } },
  { timestamps: true, versionKey: false },
)
// Serves: which of a batch's members turned a kind off (`off` equal to the kind, _id $in the batch).
PreferenceSchema.index({ off: 1 })
export interface PreferenceDoc {
  _id: Types.ObjectId
  off: NotificationKind[]
}
export const NotificationPreferenceModel = mongoose.model(
  'NotificationPreference',
  PreferenceSchema,
  'notification_preferences',
)

/**
 * A scheduled reminder of one subject (`_id` = `<kind>:<subjectId>`): when it is due, its delayed job, and
 * whether it still stands. The job sends only while this says `scheduled` at the same `at`, so a cancelled or
 * moved subject sends nothing even if its old job was never removed.
 */
const ReminderSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    subjectId: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    vars: { type: Schema.Types.Mixed, default: {} },
    inbox: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: ['scheduled', 'cancelled', 'sent', 'failed'], default: 'scheduled' },
    jobId: { type: String, default: null },
  },
  { timestamps: true, versionKey: false },
)
export interface ReminderDoc {
  _id: string
  kind: NotificationKind
  subjectId: string
  userId: Types.ObjectId
  at: Date
  vars: Record<string, string | number>
  inbox: { title: string; summary: string; content: { kind: 'announcement' | 'patent'; id: string } }
  status: 'scheduled' | 'cancelled' | 'sent' | 'failed'
  jobId: string | null
}
export const ReminderModel = mongoose.model('NotificationReminder', ReminderSchema, 'notification_reminders')
