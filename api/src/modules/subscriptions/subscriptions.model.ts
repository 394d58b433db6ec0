import mongoose, { Schema, type Types } from 'mongoose'

/**
 * The ledger of one-time subscription grants. Each accepted wx.requestSubscribeMessage result is one grant;
 * a send reserves one, then consumes it (sent) or marks it spent (WeChat answered 43101).
 */
const GrantSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    templateId: { type: String, required: true },
    status: { type: String, enum: ['available', 'reserved', 'consumed', 'spent'], default: 'available' },
    deliveryId: { type: Schema.Types.ObjectId, default: null },
    usedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
)
// Serves: reserve the oldest available grant of a user for a template; per-user available counts;
// dry-run reachability ($in userIds, templateId, status available).
GrantSchema.index({ userId: 1, templateId: 1, status: 1 })
// Serves: find the grant a delivery reserved, when a restarted worker resumes that delivery.
GrantSchema.index({ deliveryId: 1 })

export interface GrantDoc {
  _id: Types.ObjectId
  userId: Types.ObjectId
  templateId: string
  status: 'available' | 'reserved' | 'consumed' | 'spent'
  deliveryId: Types.ObjectId | null
}
export const GrantModel = mongoose.model('SubscriptionGrant', GrantSchema, 'subscription_grants')
