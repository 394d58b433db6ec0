import type { Types } from 'mongoose'
import type { z } from 'zod'
import type { AdminPrincipal, MpPrincipal } from '../../platform/auth.js'
import type { PersonalDataCipher } from '../../platform/crypto.js'
import { errors, isDuplicateKey } from '../../platform/errors.js'
import { escapeRegex, findPage } from '../../platform/lists.js'
import { MpUserModel, type MpUserDoc } from '../mp-accounts/mp-accounts.model.js'
import type {
  EnterpriseBind,
  EnterpriseListQuery,
  JoinRequestQuery,
  MemberDecision,
} from './enterprises.contract.js'
import {
  EnterpriseModel,
  MembershipModel,
  type EnterpriseDoc,
  type MembershipDoc,
} from './enterprises.model.js'
import { presentEnterprise, presentJoinRequest, presentMember } from './enterprises.presenter.js'

type Decider = { kind: 'admin' | 'mp'; id: string }

export class EnterpriseService {
  constructor(private readonly cipher: PersonalDataCipher) {}

  /**
   * The enterprise a person acts for, if their membership is active: read on every mini-program request,
   * so one indexed query (`live: true` lets the partial unique index on userId serve it).
   */
  async activeMembershipOf(userId: string | Types.ObjectId) {
    const m = await MembershipModel.findOne(
      { userId, live: true, status: 'active' },
      { enterpriseId: 1, role: 1 },
    ).lean<Pick<MembershipDoc, 'enterpriseId' | 'role'>>()
    return m ?? undefined
  }

  /** The live (pending or active) membership of a person, with its enterprise's name, for their profile. */
  async liveMembershipOf(userId: string | Types.ObjectId) {
    const m = await MembershipModel.findOne({ userId, live: true }).lean<MembershipDoc>()
    if (!m) return undefined
    const e = await EnterpriseModel.findById(m.enterpriseId, { name: 1 }).lean<
      Pick<EnterpriseDoc, '_id' | 'name'>
    >()
    return e ? { membership: m, enterprise: e } : undefined
  }

  /**
   * Binding by credit code and name. The first person becomes the enterprise's administrator; later
   * people wait for approval. The unique credit code decides races between two "first" people.
   */
  async bind(user: MpPrincipal, input: z.output<typeof EnterpriseBind>) {
    const current = await this.liveMembershipOf(user.id)
    if (current)
      throw errors.conflict(
        'ALREADY_BOUND',
        current.membership.status === 'pending'
          ? `您已申请加入「${current.enterprise.name}」，请等待审核`
          : `您已绑定企业「${current.enterprise.name}」，一个微信账号只能绑定一家企业`,
      )
    let enterprise: EnterpriseDoc | null = null
    try {
      enterprise = (
        await EnterpriseModel.create({ creditCode: input.creditCode, name: input.name, memberCount: 0 })
      ).toObject()
    } catch (e) {
      if (!isDuplicateKey(e)) throw e
    }
    const created = !!enterprise
    enterprise ??= await EnterpriseModel.findOne({ creditCode: input.creditCode }).lean<EnterpriseDoc>()
    if (!enterprise) throw errors.conflict('RETRY', '企业信息正在更新，请稍后重试')
    if (!created && normaliseName(enterprise.name) !== normaliseName(input.name))
      throw errors.badRequest(
        'ENTERPRISE_NAME_MISMATCH',
        '企业名称与统一社会信用代码不一致，请按营业执照填写企业全称',
        {
          fields: [{ path: 'name', message: '与已登记的企业名称不一致' }],
        },
      )
    // Whoever moves memberCount from 0 to 1 administers it without approval: new enterprises, or ones
    // everyone left. The conditional update is atomic, so concurrent binders get exactly one administrator.
    const claimed = await EnterpriseModel.findOneAndUpdate(
      { _id: enterprise._id, memberCount: 0 },
      { $inc: { memberCount: 1 } },
      { new: true },
    ).lean<EnterpriseDoc>()
    if (claimed) enterprise = claimed
    let membership: MembershipDoc
    try {
      membership = (
        await MembershipModel.create({
          enterpriseId: enterprise._id,
          userId: user.id,
          role: claimed ? 'admin' : 'member',
          status: claimed ? 'active' : 'pending',
          ...(claimed ? { decidedAt: new Date() } : {}),
        })
      ).toObject() as MembershipDoc
    } catch (e) {
      if (claimed) await this.bumpCount(enterprise._id, -1)
      if (created) await EnterpriseModel.deleteOne({ _id: enterprise._id, memberCount: 0 })
      if (isDuplicateKey(e)) throw errors.conflict('ALREADY_BOUND', '您已绑定或正在申请加入一家企业')
      throw e
    }
    return {
      enterprise: presentEnterprise(enterprise),
      membership: { id: membership._id.toHexString(), role: membership.role, status: membership.status },
    }
  }

  private async bumpCount(id: Types.ObjectId, by: number) {
    const e = await EnterpriseModel.findOneAndUpdate(
      { _id: id },
      { $inc: { memberCount: by } },
      { new: true },
    ).lean<EnterpriseDoc>()
    return e?.memberCount
  }

  async mine(user: MpPrincipal) {
    const live = await this.liveMembershipOf(user.id)
    if (!live) return { enterprise: null, membership: null }
    const e = await EnterpriseModel.findById(live.enterprise._id).lean<EnterpriseDoc>()
    return {
      enterprise: e ? presentEnterprise(e) : null,
      membership: {
        id: live.membership._id.toHexString(),
        role: live.membership.role,
        status: live.membership.status,
      },
    }
  }

  /** Members of one enterprise, oldest first; phone masked unless fullPii. */
  async members(enterpriseId: string, statuses: MembershipDoc['status'][], fullPii: boolean) {
    const list = await MembershipModel.find({ enterpriseId, status: { $in: statuses } })
      .sort({ createdAt: 1 })
      .limit(500)
      .lean<MembershipDoc[]>()
    const users = await this.usersById(list.map((m) => m.userId))
    return list.map((m) => presentMember(m, users.get(m.userId.toHexString()), this.cipher, fullPii))
  }

  /** Enterprise administrators decide for their own enterprise only; console staff for any. */
  async decide(
    decider: Decider,
    enterpriseId: string,
    memberId: string,
    input: z.output<typeof MemberDecision>,
  ) {
    const approve = input.decision === 'approve'
    const m = await MembershipModel.findOneAndUpdate(
      { _id: memberId, enterpriseId, status: 'pending' },
      {
        $set: {
          status: approve ? 'active' : 'rejected',
          live: approve,
          decidedAt: new Date(),
          decidedBy: decider,
          reason: input.reason ?? '',
        },
      },
      { new: true },
    ).lean<MembershipDoc>()
    if (!m) {
      const exists = await MembershipModel.exists({ _id: memberId, enterpriseId })
      if (exists) throw errors.conflict('ALREADY_DECIDED', '该申请已处理，请刷新列表')
      throw errors.notFound('加入申请')
    }
    if (approve) await this.bumpCount(m.enterpriseId, 1)
    const users = await this.usersById([m.userId])
    return presentMember(m, users.get(m.userId.toHexString()), this.cipher, false)
  }

  decideAsEnterpriseAdmin(user: MpPrincipal, memberId: string, input: z.output<typeof MemberDecision>) {
    if (!user.enterpriseId || user.enterpriseRole !== 'admin')
      throw errors.forbidden('只有企业管理员可以审批成员加入', undefined, 'NOT_ENTERPRISE_ADMIN')
    return this.decide({ kind: 'mp', id: user.id }, user.enterpriseId, memberId, input)
  }

  membersForEnterpriseAdmin(user: MpPrincipal) {
    if (!user.enterpriseId || user.enterpriseRole !== 'admin')
      throw errors.forbidden('只有企业管理员可以查看成员列表', undefined, 'NOT_ENTERPRISE_ADMIN')
    return this.members(user.enterpriseId, ['pending', 'active'], false)
  }

  // ── console ────────────────────────────────────────────────────────────────
  async list(q: z.output<typeof EnterpriseListQuery>) {
    const filter: Record<string, unknown> = {}
    if (q.q) {
      const code = q.q.toUpperCase()
      filter.$or = /^[0-9A-Z]{18}$/.test(code)
        ? [{ creditCode: code }]
        : [{ name: { $regex: `^${escapeRegex(q.q)}` } }]
    }
    const { docs, ...page } = await findPage<EnterpriseDoc>(EnterpriseModel, filter, q, { createdAt: -1 })
    return { ...page, items: docs.map(presentEnterprise) }
  }

  async detail(id: string, viewer: AdminPrincipal) {
    const e = await EnterpriseModel.findById(id).lean<EnterpriseDoc>()
    if (!e) throw errors.notFound('企业')
    const fullPii = viewer.permissions.has('pii.read')
    return {
      ...presentEnterprise(e),
      members: await this.members(id, ['pending', 'active'], fullPii),
      fullPii,
    }
  }

  async joinRequests(q: z.output<typeof JoinRequestQuery>) {
    const { docs: list, ...page } = await findPage<MembershipDoc>(MembershipModel, { status: q.status }, q, {
      createdAt: 1,
    })
    const [users, ents] = await Promise.all([
      this.usersById(list.map((m) => m.userId)),
      EnterpriseModel.find({ _id: { $in: list.map((m) => m.enterpriseId) } }, { name: 1 }).lean<
        EnterpriseDoc[]
      >(),
    ])
    const byId = new Map(ents.map((e) => [e._id.toHexString(), e]))
    return {
      ...page,
      items: list.map((m) =>
        presentJoinRequest(
          m,
          byId.get(m.enterpriseId.toHexString()),
          users.get(m.userId.toHexString()),
          this.cipher,
          false,
        ),
      ),
    }
  }

  private async usersById(ids: Types.ObjectId[]) {
    const users = ids.length
      ? await MpUserModel.find({ _id: { $in: ids } }, { nickname: 1, phoneEnc: 1 }).lean<
          Pick<MpUserDoc, '_id' | 'nickname' | 'phoneEnc'>[]
        >()
      : []
    return new Map(users.map((u) => [u._id.toHexString(), u]))
  }
}

const normaliseName = (n: string) => n.replace(/[\s()（）]/g, '')
