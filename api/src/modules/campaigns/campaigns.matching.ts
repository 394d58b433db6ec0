import {
  ancestorsIndustry,
  ancestorsOfAll,
  ancestorsIpc,
  ancestorsRegion,
  ENTERPRISE_SIZE_LABELS,
  ENTERPRISE_TYPE_LABELS,
} from '../taxonomy/taxonomy.contract.js'
import type { ProfileDoc } from '../interests/interests.model.js'
import type { TargetingOutput } from './campaigns.contract.js'

export interface Reason {
  dimension: 'region' | 'industry' | 'ipc' | 'type' | 'size' | 'all'
  text: string
}

/**
 * The MongoDB filter over enterprise profiles for a targeting: dimensions are ANDed, codes within one
 * are ORed, and hierarchy works both ways (an interest in H04 meets an item tagged H04L 9/32 and the
 * reverse). Each clause is an `$in` over an indexed array (see interests.model.ts).
 */
export function profileFilter(t: TargetingOutput, category: string): Record<string, unknown> {
  const and: Record<string, unknown>[] = [{ optOut: { $ne: category } }]
  if (t.regions.length) {
    const within = { 'anc.regions': { $in: t.regions } }
    and.push(
      t.regionMatch === 'overlap'
        ? { $or: [within, { region: { $in: ancestorsOfAll(t.regions, ancestorsRegion) } }] }
        : within,
    )
  }
  if (t.industries.length)
    and.push({
      $or: [
        { 'anc.industries': { $in: t.industries } },
        { industries: { $in: ancestorsOfAll(t.industries, ancestorsIndustry) } },
      ],
    })
  if (t.ipcs.length)
    and.push({
      $or: [{ 'anc.ipcs': { $in: t.ipcs } }, { ipcs: { $in: ancestorsOfAll(t.ipcs, ancestorsIpc) } }],
    })
  if (t.enterpriseTypes.length) and.push({ type: { $in: t.enterpriseTypes } })
  if (t.sizes.length) and.push({ size: { $in: t.sizes } })
  return { $and: and }
}

/** Fields of a profile the matcher reads; the projection keeps fan-out reads small. */
export const PROFILE_MATCH_PROJECTION = {
  enterpriseId: 1,
  region: 1,
  industries: 1,
  ipcs: 1,
  type: 1,
  size: 1,
} as const

/** Why a profile matched, in words the push operator reads in the dry-run table. */
export function matchReasons(
  p: Pick<ProfileDoc, 'region' | 'industries' | 'ipcs' | 'type' | 'size'>,
  t: TargetingOutput,
): Reason[] {
  const out: Reason[] = []
  const pairs = (mine: string[], targets: string[], anc: (c: string) => string[]) =>
    mine.flatMap((m) =>
      targets.filter((x) => anc(m).includes(x) || anc(x).includes(m)).map((x) => [m, x] as const),
    )
  if (t.regions.length && p.region)
    for (const [m, x] of pairs([p.region], t.regions, ancestorsRegion))
      out.push({
        dimension: 'region',
        text: m === x ? `地区 ${m}` : `地区 ${m} ${ancestorsRegion(m).includes(x) ? '属于' : '包含'} ${x}`,
      })
  if (t.industries.length)
    for (const [m, x] of pairs(p.industries, t.industries, ancestorsIndustry))
      out.push({ dimension: 'industry', text: m === x ? `行业 ${m}` : `关注行业 ${m} 与 ${x} 相关` })
  if (t.ipcs.length)
    for (const [m, x] of pairs(p.ipcs, t.ipcs, ancestorsIpc))
      out.push({
        dimension: 'ipc',
        text: m === x ? `IPC ${m}` : `关注 IPC ${m} ${ancestorsIpc(x).includes(m) ? '涵盖' : '属于'} ${x}`,
      })
  if (t.enterpriseTypes.length && p.type)
    out.push({
      dimension: 'type',
      text: `企业类型：${ENTERPRISE_TYPE_LABELS[p.type as keyof typeof ENTERPRISE_TYPE_LABELS] ?? p.type}`,
    })
  if (t.sizes.length && p.size)
    out.push({
      dimension: 'size',
      text: `企业规模：${ENTERPRISE_SIZE_LABELS[p.size as keyof typeof ENTERPRISE_SIZE_LABELS] ?? p.size}`,
    })
  if (!out.length) out.push({ dimension: 'all', text: '面向全部企业' })
  return out
}

export function industrySections(codes: string[]): string[] {
  return [...new Set(codes.map((c) => ancestorsIndustry(c)[0]!))]
}
