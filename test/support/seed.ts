import { randomBytes } from 'node:crypto'
import { Types } from 'mongoose'
import { EnterpriseModel, MembershipModel } from '@zct/api/internal/modules/enterprises/enterprises.model'
import { ProfileModel } from '@zct/api/internal/modules/interests/interests.model'
import { MpUserModel } from '@zct/api/internal/modules/mp-accounts/mp-accounts.model'
import { GrantModel } from '@zct/api/internal/modules/subscriptions/subscriptions.model'
import { profileAncestors } from '@zct/api/internal/modules/interests/interests.service'
import { buildCreditCode } from './credit-code.js'

export interface SeedOptions {
  enterprises: number
  /** members per enterprise: a number, or a function of the enterprise's index */
  members: number | ((i: number) => number)
  profile?: (i: number) => { region: string; ipcs: string[]; industries: string[] }
  /** template every member holds one subscription grant for (in our ledger) */
  grantTemplate?: string
  /** called with every member's openid, e.g. to register the user and grant at the fake WeChat */
  onMember?: (openid: string) => void
}

/**
 * Writes enterprises, profiles, members and grants straight into the database in large batches: for
 * fault tests and benchmarks that need tens of thousands of recipients, where signing each one in over
 * HTTP would measure the wrong thing. Returns every member's openid.
 */
export async function seedRecipients(o: SeedOptions) {
  const openids: string[] = []
  const tag = randomBytes(3).toString('hex')
  const now = new Date()
  const CHUNK = 5000
  for (let start = 0; start < o.enterprises; start += CHUNK) {
    const ents = []
    const profiles = []
    const users = []
    const memberships = []
    const grants = []
    for (let i = start; i < Math.min(o.enterprises, start + CHUNK); i++) {
      const eid = new Types.ObjectId()
      const n = typeof o.members === 'number' ? o.members : o.members(i)
      ents.push({
        _id: eid,
        creditCode: buildCreditCode(),
        name: `种子企业${tag}-${i}`,
        memberCount: n,
        // Verified as a console reviewer would have done, so members may act in the enterprise's name.
        verificationStatus: 'verified',
        verification: {
          licenceFileId: null,
          submittedBy: null,
          submittedAt: now,
          decidedBy: null,
          decidedAt: now,
          rejectReason: null,
        },
        createdAt: now,
      })
      const p = o.profile?.(i) ?? { region: '440203', ipcs: ['H04L'], industries: ['39'] }
      profiles.push({
        enterpriseId: eid,
        ...p,
        optOut: [],
        anc: profileAncestors(p),
      })
      for (let m = 0; m < n; m++) {
        const uid = new Types.ObjectId()
        const openid = `seed-${tag}-${i}-${m}`
        openids.push(openid)
        o.onMember?.(openid)
        users.push({ _id: uid, openid, nickname: '', tokenVersion: 0 })
        memberships.push({
          enterpriseId: eid,
          userId: uid,
          role: m === 0 ? 'admin' : 'member',
          status: 'active',
          live: true,
        })
        if (o.grantTemplate)
          grants.push({ userId: uid, templateId: o.grantTemplate, status: 'available', deliveryId: null })
      }
    }
    await Promise.all([
      EnterpriseModel.insertMany(ents, { lean: true }),
      ProfileModel.insertMany(profiles, { lean: true }),
      MpUserModel.insertMany(users, { lean: true }),
    ])
    await MembershipModel.insertMany(memberships, { lean: true })
    if (grants.length) await GrantModel.insertMany(grants, { lean: true })
  }
  return openids
}
