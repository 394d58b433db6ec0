import mongoose, { Schema, type Types } from 'mongoose'
import { watchPrincipalWrites } from '../../platform/principal-cache.js'
import { VerificationStatus, type VerificationStatusOutput } from './enterprises.contract.js'

const EnterpriseSchema = new Schema(
  {
    creditCode: { type: String, required: true },
    name: { type: String, required: true },
    /** Active members; kept by the membership writes so lists need no count query per row. */
    memberCount: { type: Number, default: 0 },
    /**
     * Whether the administrator proved they act for the enterprise (see VERIFICATION_MOVES). Enterprises
     * written before verification existed have no value and count as `unsubmitted`.
     */
    verificationStatus: { type: String, enum: VerificationStatus.options, default: 'unsubmitted' },
    /** The current (or last) submission and its decision; earlier decisions are in the audit log. */
    verification: {
      licenceFileId: { type: Schema.Types.ObjectId, default: null },
      submittedBy: { type: Schema.Types.ObjectId, default: null },
      submittedAt: { type: Date, default: null },
      decidedBy: { type: Schema.Types.ObjectId, default: null },
      decidedAt: { type: Date, default: null },
      rejectReason: { type: String, default: null },
    },
  },
  { timestamps: true },
)
// Serves: binding by 统一社会信用代码; the unique key makes "first member becomes admin" race-free.
EnterpriseSchema.index({ creditCode: 1 }, { unique: true })
// Serves: the console's enterprise list, newest first, and its name-prefix search.
EnterpriseSchema.index({ createdAt: -1 })
EnterpriseSchema.index({ name: 1 })
// Serves: the console's verification queue by status, oldest submission first (ties by `_id`, held here so the
// page is read in order), and the workbench's count of `{ verificationStatus: 'pending' }`.
EnterpriseSchema.index({ verificationStatus: 1, 'verification.submittedAt': 1, _id: 1 })

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
    /** The enterprise name the person typed when binding; the registered name may differ for a request. */
    appliedName: { type: String, default: '' },
  },
  { timestamps: true },
)
// Serves: the principal's current membership on every mini-program request; enforces one live membership per person.
MembershipSchema.index({ userId: 1 }, { unique: true, partialFilterExpression: { live: true } })
// Serves: an enterprise's member list (by status, oldest first) in the console and the mini-program, and push
// fan-out to active members.
MembershipSchema.index({ enterpriseId: 1, status: 1, createdAt: 1 })
// Serves: the console's join-request queue (by status, oldest first).
MembershipSchema.index({ status: 1, createdAt: 1 })

export interface EnterpriseDoc {
  _id: Types.ObjectId
  creditCode: string
  name: string
  memberCount: number
  /** absent on enterprises written before verification existed: read it with `verificationOf()` */
  verificationStatus?: VerificationStatusOutput
  verification?: VerificationDoc
  createdAt: Date
}
export interface VerificationDoc {
  licenceFileId: Types.ObjectId | null
  submittedBy: Types.ObjectId | null
  submittedAt: Date | null
  decidedBy: Types.ObjectId | null
  decidedAt: Date | null
  rejectReason: string | null
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
  appliedName?: string
  createdAt: Date
}

// The mini-program principal carries the acting membership and whether its enterprise is verified: cached
// principals (platform/principal-cache.ts) learn of any membership change and any verification decision.
watchPrincipalWrites(MembershipSchema, { ns: 'memberships' })
watchPrincipalWrites(EnterpriseSchema, { ns: 'memberships', fields: ['verificationStatus'] })
export const EnterpriseModel = mongoose.model('Enterprise', EnterpriseSchema, 'enterprises')
export const MembershipModel = mongoose.model('Membership', MembershipSchema, 'memberships')
