import { Types } from 'mongoose'
import type { z } from 'zod'
import type { MpPrincipal } from '../../platform/auth.js'
import { errors } from '../../platform/errors.js'
import { MembershipModel } from '../enterprises/enterprises.model.js'
import { ancestorsIndustry, ancestorsIpc, ancestorsRegion } from '../taxonomy/taxonomy.contract.js'
import type { InterestsOutput, InterestsUpdate } from './interests.contract.js'
import { ProfileModel, type ProfileDoc } from './interests.model.js'

const closure = (codes: string[], ancestors: (c: string) => string[]) => [
  ...new Set(codes.flatMap(ancestors)),
]

export class InterestService {
  async get(enterpriseId: string): Promise<InterestsOutput> {
    const p = await ProfileModel.findOne({ enterpriseId }).lean<ProfileDoc>()
    return present(enterpriseId, p)
  }

  /** Any active member keeps the enterprise's interests. */
  async update(user: MpPrincipal, input: z.output<typeof InterestsUpdate>) {
    const enterpriseId = requireEnterprise(user)
    const industries = [...new Set(input.industries)]
    const ipcs = [...new Set(input.ipcs)]
    const p = await ProfileModel.findOneAndUpdate(
      { enterpriseId },
      {
        $set: {
          region: input.region,
          industries,
          ipcs,
          type: input.type ?? null,
          size: input.size ?? null,
          optOut: [...new Set(input.optOut)],
          anc: {
            regions: ancestorsRegion(input.region),
            industries: closure(industries, ancestorsIndustry),
            ipcs: closure(ipcs, ancestorsIpc),
          },
          updatedBy: new Types.ObjectId(user.id),
        },
      },
      { upsert: true, new: true },
    ).lean<ProfileDoc>()
    return present(enterpriseId, p)
  }

  mine(user: MpPrincipal) {
    return this.get(requireEnterprise(user))
  }

  /** What content audiences need to know of a person: enterprise or not, and its region and industries. */
  async audienceOf(userId: string) {
    const m = await MembershipModel.findOne({ userId, status: 'active' }, { enterpriseId: 1 }).lean<{
      enterpriseId: Types.ObjectId
    }>()
    if (!m) return { hasEnterprise: false, industries: [] as string[] }
    const p = await ProfileModel.findOne(
      { enterpriseId: m.enterpriseId },
      { region: 1, industries: 1 },
    ).lean<ProfileDoc>()
    return {
      hasEnterprise: true,
      ...(p?.region ? { region: p.region } : {}),
      industries: p?.industries ?? [],
    }
  }
}

function requireEnterprise(user: MpPrincipal): string {
  if (!user.enterpriseId)
    throw errors.forbidden('请先绑定企业并通过审核，再设置企业关注领域', undefined, 'ENTERPRISE_REQUIRED')
  return user.enterpriseId
}

function present(enterpriseId: string, p: ProfileDoc | null): InterestsOutput {
  return {
    enterpriseId,
    region: p?.region ?? null,
    industries: p?.industries ?? [],
    ipcs: p?.ipcs ?? [],
    type: (p?.type as InterestsOutput['type']) ?? null,
    size: (p?.size as InterestsOutput['size']) ?? null,
    optOut: (p?.optOut as InterestsOutput['optOut']) ?? [],
    updatedAt: p?.updatedAt ? p.updatedAt.toISOString() : null,
  }
}
