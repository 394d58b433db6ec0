import mongoose, { Schema, type Types } from 'mongoose'
import { watchPrincipalWrites } from '../../platform/principal-cache.js'

const MpUserSchema = new Schema(
  {
    openid: { type: String, required: true },
    unionid: { type: String, default: null },
    /** Sealed; needed only to decrypt WeChat payloads server-side, never sent to a client. */
    sessionKeyEnc: { type: String, default: null },
    nickname: { type: String, default: '' },
    phoneEnc: { type: String, default: null },
    /** Blind index of the phone number (HMAC), for lookups without decrypting. */
    phoneHash: { type: String, default: null },
    tokenVersion: { type: Number, default: 0 },
    lastLoginAt: { type: Date, default: null },
  },
  { timestamps: true },
)
// Serves: login by openid (jscode2session → user); one account per openid.
MpUserSchema.index({ openid: 1 }, { unique: true })
// Serves: find a user by phone (support staff, claim matching) without decrypting every row.
MpUserSchema.index({ phoneHash: 1 }, { sparse: true })

export interface MpUserDoc {
  _id: Types.ObjectId
  openid: string
  unionid: string | null
  sessionKeyEnc: string | null
  nickname: string
  phoneEnc: string | null
  phoneHash: string | null
  tokenVersion: number
  lastLoginAt: Date | null
  createdAt: Date
}

// Cached mini-program principals (platform/principal-cache.ts) learn of a logout or a deleted account.
watchPrincipalWrites(MpUserSchema, { ns: 'mp', perId: true, fields: ['openid', 'tokenVersion'] })
export const MpUserModel = mongoose.model('MpUser', MpUserSchema, 'mp_users')
