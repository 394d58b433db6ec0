import { z } from 'zod'
import {
  EnterpriseSize,
  EnterpriseType,
  IndustryCode,
  IpcCode,
  RegionCode,
} from '../taxonomy/taxonomy.contract.js'

/** Categories an enterprise can opt out of: announcements and each kind of patent information. */
export const PushCategory = z
  .enum(['announcement', 'navigation', 'warning', 'licensable', 'policy'])
  .meta({ label: '推送类别' })
export type PushCategoryValue = z.output<typeof PushCategory>
export const PUSH_CATEGORY_LABELS: Record<PushCategoryValue, string> = {
  announcement: '通知公告',
  navigation: '专利导航报告',
  warning: '专利预警分析',
  licensable: '可许可/转让高价值专利',
  policy: '政策解读',
}

export const InterestsUpdate = z.strictObject({
  region: RegionCode.meta({ label: '所在地区' }),
  industries: z.array(IndustryCode).max(10, '最多选择 10 个行业').meta({ label: '行业' }).default([]),
  ipcs: z.array(IpcCode).max(30, '最多关注 30 个 IPC 分类').meta({ label: '关注的 IPC 分类' }).default([]),
  type: EnterpriseType.optional(),
  size: EnterpriseSize.optional(),
  optOut: z.array(PushCategory).meta({ label: '不接收的推送类别' }).default([]),
})
export type InterestsUpdateInput = z.input<typeof InterestsUpdate>

export const InterestsOut = z.object({
  enterpriseId: z.string(),
  region: z.string().nullable(),
  industries: z.array(z.string()),
  ipcs: z.array(z.string()),
  type: EnterpriseType.nullable(),
  size: EnterpriseSize.nullable(),
  optOut: z.array(PushCategory),
  updatedAt: z.iso.datetime().nullable(),
})
export type InterestsOutput = z.output<typeof InterestsOut>
