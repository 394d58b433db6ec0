import mongoose, { Schema, type Types } from 'mongoose'

const EnterpriseSchema = new Schema(
  {
    creditCode: { type: String, required: true },
    name: { type: String, required: true },
    /** Active members; kept by the membership writes so lists need no count query per row. */
    memberCount: { type: Number, default: 0 },
  },
  { timestamps: true },
)
// Serves: binding by 统一社会信用代码; the unique key makes "first member becomes admin" race-free.
EnterpriseSchema.index({ creditCode: 1 }, { unique: true })
// Serves: console list sorted by newest, and name-prefix search.
EnterpriseSchema.index({ createdAt: -1 })
EnterpriseSchema.index({ name: 1 })

const MembershipSchema = new Schema(
  {
    enterpriseId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    role: { type: String, enum: ['admin', 'member'], required: true },
    status: { type: String, enum: ['pending', 'active', 'rejected', 'removed'], required: true },
    /** true while pending or active: a person belongs to (or waits for) one enterprise at a time. */
    live: { type: Boolean, default: true },
    decidedBy: { kind: { type: String, enum: ['admin', 'mp'] }, id: { type: Schema.Types.ObjectId } },
    decidedAt: { type: Date, default: null },
    reason: { type: String, default: '' },
  },
  { timestamps: true },
)
// Serves: the principal's current membership on every mini-program request; enforces one live membership per person.
MembershipSchema.index({ userId: 1 }, { unique: true, partialFilterExpression: { live: true } })
// Serves: an enterprise's member list (by status), and push fan-out to active members.
MembershipSchema.index({ enterpriseId: 1, status: 1, createdAt: 1 })
// Serves: the console's join-request queue (status = pending, oldest first).
MembershipSchema.index({ status: 1, createdAt: 1 })

export interface EnterpriseDoc {
  _id: Types.ObjectId
  creditCode: string
  name: string
  memberCount: number
  createdAt: Date
}
export interface MembershipDoc {
  _id: Types.ObjectId
  enterpriseId: Types.ObjectId
  userId: Types.ObjectId
  role: 'admin' | 'member'
  status: 'pending' | 'active' | 'rejected' | 'removed'
  live: boolean
  decidedAt: Date | null
  reason: string
  createdAt: Date
}

export const EnterpriseModel = mongoose.model('Enterprise', EnterpriseSchema, 'enterprises')
export const MembershipModel = mongoose.model('Membership', MembershipSchema, 'memberships')
