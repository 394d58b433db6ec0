import mongoose, { Schema, type Types } from 'mongoose'

/**
 * An enterprise's targeting profile. `anc` holds the ancestor-or-self closure of each code, so
 * "campaign tag T is broader than or equal to an interest" is a plain multikey `$in` on `anc.*`;
 * "interest is broader than a tag" is `$in` on the raw codes with the tags' ancestors.
 */
const ProfileSchema = new Schema(
  {
    enterpriseId: { type: Schema.Types.ObjectId, required: true },
    region: { type: String, default: null },
    industries: { type: [String], default: [] },
    ipcs: { type: [String], default: [] },
    type: { type: String, default: null },
    size: { type: String, default: null },
    optOut: { type: [String], default: [] },
    anc: {
      regions: { type: [String], default: [] },
      industries: { type: [String], default: [] },
      ipcs: { type: [String], default: [] },
    },
    updatedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
)
// Serves: profile read/update by enterprise (one profile per enterprise).
ProfileSchema.index({ enterpriseId: 1 }, { unique: true })
// Serves: campaign matching by region (target region is an ancestor-or-self of the enterprise's region).
ProfileSchema.index({ 'anc.regions': 1 })
// Serves: campaign matching by IPC tag broader-or-equal to an interest.
ProfileSchema.index({ 'anc.ipcs': 1 })
// Serves: campaign matching by an interest broader than a tag.
ProfileSchema.index({ ipcs: 1 })
// Serves: campaign matching by industry, both directions.
ProfileSchema.index({ 'anc.industries': 1 })
ProfileSchema.index({ industries: 1 })

export interface ProfileDoc {
  _id: Types.ObjectId
  enterpriseId: Types.ObjectId
  region: string | null
  industries: string[]
  ipcs: string[]
  type: string | null
  size: string | null
  optOut: string[]
  anc: { regions: string[]; industries: string[]; ipcs: string[] }
  updatedAt?: Date
}

export const ProfileModel = mongoose.model('EnterpriseProfile', ProfileSchema, 'enterprise_profiles')
