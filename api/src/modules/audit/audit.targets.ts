import type { Types } from 'mongoose'
import { CampaignModel } from '../campaigns/campaigns.model.js'
import { ClaimModel, ClaimPolicyModel } from '../claims/claims.model.js'
import { ClaimBatchModel, ClaimNoticeModel } from '../claims/claims.payments.model.js'
import { BookingModel, StationModel } from '../stations/stations.model.js'
import { RegistrationModel, TrainingModel } from '../trainings/trainings.model.js'
import { ContentModel } from '../content/content.model.js'
import { EnterpriseModel, MembershipModel } from '../enterprises/enterprises.model.js'
import { StoredFileModel } from '../files/files.model.js'
import { MpUserModel } from '../mp-accounts/mp-accounts.model.js'
import { AdminUserModel, RoleModel } from '../staff/staff.model.js'

type Names = Map<string, string>
type Resolver = (ids: string[]) => Promise<Names>

const byId = <T extends { _id: Types.ObjectId }>(docs: T[], name: (d: T) => string): Names =>
  new Map(docs.map((d) => [d._id.toHexString(), name(d)]))

const adminUsers: Resolver = async (ids) =>
  byId(
    await AdminUserModel.find({ _id: { $in: ids } }, { username: 1, displayName: 1 }).lean<
      { _id: Types.ObjectId; username: string; displayName: string }[]
    >(),
    (u) => `${u.displayName}（${u.username}）`,
  )

const mpUsers: Resolver = async (ids) =>
  byId(
    await MpUserModel.find({ _id: { $in: ids } }, { nickname: 1 }).lean<
      { _id: Types.ObjectId; nickname: string }[]
    >(),
    (u) => u.nickname || '未填写昵称',
  )

const enterprises: Resolver = async (ids) =>
  byId(
    await EnterpriseModel.find({ _id: { $in: ids } }, { name: 1 }).lean<
      { _id: Types.ObjectId; name: string }[]
    >(),
    (e) => e.name,
  )

const contents: Resolver = async (ids) =>
  byId(
    await ContentModel.find({ _id: { $in: ids } }, { title: 1 }).lean<
      { _id: Types.ObjectId; title: string }[]
    >(),
    (c) => c.title,
  )

/** A membership reads as "enterprise · member": two more batched lookups, never one per row. */
const memberships: Resolver = async (ids) => {
  const rows = await MembershipModel.find({ _id: { $in: ids } }, { enterpriseId: 1, userId: 1 }).lean<
    { _id: Types.ObjectId; enterpriseId: Types.ObjectId; userId: Types.ObjectId }[]
  >()
  const [firms, people] = await Promise.all([
    enterprises([...new Set(rows.map((r) => r.enterpriseId.toHexString()))]),
    mpUsers([...new Set(rows.map((r) => r.userId.toHexString()))]),
  ])
  return byId(
    rows,
    (r) =>
      `${firms.get(r.enterpriseId.toHexString()) ?? '已删除的企业'} · ${people.get(r.userId.toHexString()) ?? '成员'}`,
  )
}

/** Name lookups per target type, each one query for a whole page of ids. */
const RESOLVERS: Record<string, Resolver> = {
  admin_user: adminUsers,
  mp_user: mpUsers,
  role: async (ids) =>
    byId(
      await RoleModel.find({ _id: { $in: ids } }, { name: 1 }).lean<
        { _id: Types.ObjectId; name: string }[]
      >(),
      (r) => r.name,
    ),
  enterprise: enterprises,
  membership: memberships,
  announcement: contents,
  patent_info: contents,
  content: contents,
  campaign: async (ids) =>
    byId(
      await CampaignModel.find({ _id: { $in: ids } }, { name: 1 }).lean<
        { _id: Types.ObjectId; name: string }[]
      >(),
      (c) => c.name,
    ),
  // 申请编号 and applicant: the name a reviewer searches by (the ID number never appears in the log)
  claim: async (ids) =>
    byId(
      await ClaimModel.find({ _id: { $in: ids } }, { no: 1, 'applicant.name': 1 }).lean<
        { _id: Types.ObjectId; no: string; applicant: { name: string } }[]
      >(),
      (c) => `${c.no} ${c.applicant.name}`,
    ),
  claim_policy: async (ids) =>
    byId(
      await ClaimPolicyModel.find({ _id: { $in: ids } }, { title: 1 }).lean<
        { _id: Types.ObjectId; title: string }[]
      >(),
      (p) => p.title,
    ),
  claim_notice: async (ids) =>
    byId(
      await ClaimNoticeModel.find({ _id: { $in: ids } }, { no: 1, title: 1 }).lean<
        { _id: Types.ObjectId; no: string | null; title: string | null }[]
      >(),
      (n) => n.title ?? n.no ?? '资助公示',
    ),
  claim_batch: async (ids) =>
    byId(
      await ClaimBatchModel.find({ _id: { $in: ids } }, { no: 1 }).lean<
        { _id: Types.ObjectId; no: string }[]
      >(),
      (b) => `发放批次 ${b.no}`,
    ),
  station: async (ids) =>
    byId(
      await StationModel.find({ _id: { $in: ids } }, { name: 1 }).lean<
        { _id: Types.ObjectId; name: string }[]
      >(),
      (st) => st.name,
    ),
  booking: async (ids) =>
    byId(
      await BookingModel.find({ _id: { $in: ids } }, { no: 1 }).lean<{ _id: Types.ObjectId; no: string }[]>(),
      (b) => `预约 ${b.no}`,
    ),
  training: async (ids) =>
    byId(
      await TrainingModel.find({ _id: { $in: ids } }, { title: 1 }).lean<
        { _id: Types.ObjectId; title: string }[]
      >(),
      (t) => t.title,
    ),
  training_registration: async (ids) =>
    byId(
      await RegistrationModel.find({ _id: { $in: ids } }, { 'person.nameMasked': 1 }).lean<
        { _id: Types.ObjectId; person: { nameMasked: string } }[]
      >(),
      (r) => `报名 ${r.person.nameMasked}`,
    ),
  file: async (ids) =>
    byId(
      await StoredFileModel.find({ _id: { $in: ids } }, { originalName: 1 }).lean<
        { _id: Types.ObjectId; originalName: string }[]
      >(),
      (f) => f.originalName,
    ),
}

/** Targets whose id is itself the name (a settings group, a statistics export, a login name). */
function nameOfKey(type: string, id: string): string | null {
  if (type === 'login_name') return id
  if (type === 'settings') return id === 'push' ? '推送设置' : id
  if (type === 'stats') {
    const m = /^push-(\d{4})$/.exec(id)
    return m ? `${m[1]} 年推送统计` : id
  }
  return null
}

/**
 * Current names of the targets on one page of the log, keyed `type:id`. One query per target type
 * (plus two for memberships), whatever the page size.
 */
export async function resolveTargetNames(targets: { type: string; id: string | null }[]) {
  const names: Names = new Map()
  const idsByType = new Map<string, Set<string>>()
  for (const t of targets) {
    if (!t.id) continue
    const own = nameOfKey(t.type, t.id)
    if (own !== null) names.set(`${t.type}:${t.id}`, own)
    else if (RESOLVERS[t.type] && /^[0-9a-f]{24}$/.test(t.id))
      (idsByType.get(t.type) ?? idsByType.set(t.type, new Set()).get(t.type)!).add(t.id)
  }
  await Promise.all(
    [...idsByType].map(async ([type, ids]) => {
      for (const [id, name] of await RESOLVERS[type]!([...ids])) names.set(`${type}:${id}`, name)
    }),
  )
  return names
}
