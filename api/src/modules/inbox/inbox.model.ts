import mongoose, { Schema, type Types } from 'mongoose'
import type { InboxContentKindOutput } from './inbox.contract.js'

/**
 * The inbox channel of one (campaign, member): its unique key is that channel's delivery record. Other
 * notifications (claims, bookings …) write theirs with `_id` and `campaignId` both the notification's id, so
 * the same unique key makes them idempotent and no campaign's counts ever include them.
 */
const InboxItemSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    /** the campaign, or the notification that wrote the item (see above) */
    campaignId: { type: Schema.Types.ObjectId, required: true },
    enterpriseId: { type: Schema.Types.ObjectId, default: null },
    content: { kind: { type: String, required: true }, id: { type: Schema.Types.ObjectId, required: true } },
    title: { type: String, required: true },
    summary: { type: String, default: '' },
    readAt: { type: Date, default: null },
    clickedAt: { type: Date, default: null },
    createdAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
)
// Serves: one inbox item per member per campaign (idempotent fan-out), and a batch's lookup of its items
// (userId $in the batch, campaignId equal); userId leads for the same reason as deliveries' key.
InboxItemSchema.index({ userId: 1, campaignId: 1 }, { unique: true })
// Serves: the mini-program's 消息 list newest first; its 未读 filter newest first (userId + readAt null) and the
// unread count (the prefix).
InboxItemSchema.index({ userId: 1, createdAt: -1 })
InboxItemSchema.index({ userId: 1, readAt: 1, createdAt: -1 })
// Serves: per-campaign read / click counts.
InboxItemSchema.index({ campaignId: 1, readAt: 1 })
InboxItemSchema.index({ campaignId: 1, clickedAt: 1 })

export interface InboxItemDoc {
  _id: Types.ObjectId
  userId: Types.ObjectId
  campaignId: Types.ObjectId
  content: { kind: InboxContentKindOutput; id: Types.ObjectId }
  title: string
  summary: string
  readAt: Date | null
  clickedAt: Date | null
  createdAt: Date
}
export const InboxItemModel = mongoose.model('InboxItem', InboxItemSchema, 'inbox_items')
