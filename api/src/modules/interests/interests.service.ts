import { Types } from 'mongoose'
import type { z } from 'zod'
import type { MpPrincipal } from '../../platform/auth.js'
import { errors } from '../../platform/errors.js'
import type { EnterpriseService } from '../enterprises/enterprises.service.js'
import {
  ancestorsIndustry,
  ancestorsIpc,
  ancestorsOfAll,
  ancestorsRegion,
} from '../taxonomy/taxonomy.contract.js'
import type { InterestsOutput, InterestsUpdate } from './interests.contract.js'
import { ProfileModel, type ProfileDoc } from './interests.model.js'
import { iso } from '../../platform/time.js'

export class InterestService {
  constructor(private readonly enterprises: Pick<EnterpriseService, 'activeMembershipOf'>) {}

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
          anc: profileAncestors({ region: input.region, industries, ipcs }),
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
    const m = await this.enterprises.activeMembershipOf(userId)
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

/** The `anc` arrays the matching indexes read (see interests.model.ts), derived from the profile's codes. */
export function profileAncestors(p: { region: string; industries: string[]; ipcs: string[] }) {
  return {
    regions: ancestorsRegion(p.region),
    industries: ancestorsOfAll(p.industries, ancestorsIndustry),
    ipcs: ancestorsOfAll(p.ipcs, ancestorsIpc),
  }
}

function requireEnterprise(user: MpPrincipal): string {
  if (!user.enterpriseId) throw errors.enterpriseRequired('请先绑定企业并通过审核，再设置企业关注领域')
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
    updatedAt: iso(p?.updatedAt),
  }
}
