import { z } from 'zod'
import { IdParams } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
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

/** Every interests endpoint, declared once: the routes, the mini-program types and the test client read this. */
export const InterestEndpoints = endpoints({
  mine: {
    method: 'get',
    path: '/mp/v1/enterprise/profile',
    response: InterestsOut,
    summary: '本企业的推送画像（地区、行业、关注的 IPC 分类）',
  },
  update: {
    method: 'put',
    path: '/mp/v1/enterprise/profile',
    body: InterestsUpdate,
    response: InterestsOut,
    summary: '修改本企业的推送画像',
  },
  get: {
    method: 'get',
    path: '/admin/v1/enterprises/:id/profile',
    params: IdParams,
    response: InterestsOut,
    summary: '查看企业的推送画像',
  },
})
