import { Types } from 'mongoose'
import type { z } from 'zod'
import type { AdminPrincipal, MpPrincipal } from '../../platform/auth.js'
import type { PersonalDataCipher } from '../../platform/crypto.js'
import { isDuplicateKey } from '../../platform/errors.js'
import { escapeRegex, findPage } from '../../platform/lists.js'
import { transition } from '../../platform/transitions.js'
import { StoredFileModel } from '../files/files.model.js'
import { MpUserModel, type MpUserDoc } from '../mp-accounts/mp-accounts.model.js'
import { AdminUserModel } from '../staff/staff.model.js'
import {
  MembershipMachine,
  type EnterpriseBind,
  type EnterpriseListQuery,
  type JoinRequestQuery,
  type MemberDecision,
  type VerificationDecision,
  type VerificationQuery,
} from './enterprises.contract.js'
import { enterpriseErrors } from './enterprises.errors.js'
import {
  EnterpriseModel,
  MembershipModel,
  type EnterpriseDoc,
  type MembershipDoc,
} from './enterprises.model.js'
import {
  normaliseName,
  presentBinding,
  presentEnterprise,
  presentJoinRequest,
  presentMember,
  presentMpVerification,
  presentVerification,
  type LicenceFile,
} from './enterprises.presenter.js'
import {
  EMPTY_VERIFICATION,
  moveVerification,
  statusFilter,
  verificationStatusOf,
} from './enterprises.verification.js'

type Decider = { kind: 'admin' | 'mp'; id: string }
type Id = string | Types.ObjectId

export class EnterpriseService {
  constructor(private readonly cipher: PersonalDataCipher) {}

  /**
   * The enterprise a person acts for, if their membership is active: read on every mini-program request,
   * so one indexed query (`live: true` lets the partial unique index on userId serve it).
   */
  async activeMembershipOf(userId: Id) {
    const m = await MembershipModel.findOne(
      { userId, live: true, status: 'active' },
      { enterpriseId: 1, role: 1 },
    ).lean<Pick<MembershipDoc, 'enterpriseId' | 'role'>>()
    return m ?? undefined
  }

  /**
   * The active membership and whether its enterprise is verified, for the mini-program principal: one more
   * read by _id (one field), and only for people who belong to an enterprise.
   */
  async actingMembershipOf(userId: Id) {
    const m = await this.activeMembershipOf(userId)
    if (!m) return undefined
    const e = await EnterpriseModel.findById(m.enterpriseId, { verificationStatus: 1 }).lean<
      Pick<EnterpriseDoc, 'verificationStatus'>
    >()
    return { ...m, verified: !!e && verificationStatusOf(e) === 'verified' }
  }

  /** The live (pending or active) membership of a person, with its enterprise, for their profile. */
  async liveMembershipOf(userId: Id) {
    const m = await MembershipModel.findOne({ userId, live: true }).lean<MembershipDoc>()
    if (!m) return undefined
    const e = await EnterpriseModel.findById(m.enterpriseId).lean<EnterpriseDoc>()
    return e ? { membership: m, enterprise: e } : undefined
  }

  /**
   * Binding by credit code and name. The first person becomes the enterprise's administrator, unverified
   * until a reviewer accepts their licence; later people, and anyone whose name does not match the
   * registered one, become a join request. A mismatch is not refused: a refusal would tell anyone holding
   * a credit code that it is registered. The unique credit code decides races between two "first" people.
   * `licence` has been checked by the caller (the person's own upload, made as a licence).
   */
  async bind(user: MpPrincipal, input: z.output<typeof EnterpriseBind>, licence?: LicenceFile) {
    const current = await this.liveMembershipOf(user.id)
    if (current)
      throw enterpriseErrors.alreadyBound(
        current.membership.status === 'pending'
          ? `您已申请加入“${current.membership.appliedName || current.enterprise.name}”，请等待审核`
          : `您已绑定企业“${current.enterprise.name}”，一个微信账号只能绑定一家企业`,
      )
    let enterprise: EnterpriseDoc | null = null
    try {
      enterprise = (
        await EnterpriseModel.create({
          creditCode: input.creditCode,
          name: input.name,
          memberCount: 0,
          verificationStatus: 'unsubmitted',
          verification: EMPTY_VERIFICATION,
        })
      ).toObject<EnterpriseDoc>()
    } catch (e) {
      if (!isDuplicateKey(e)) throw e
    }
    const created = !!enterprise
    enterprise ??= await EnterpriseModel.findOne({ creditCode: input.creditCode }).lean<EnterpriseDoc>()
    if (!enterprise) throw enterpriseErrors.retry()
    const nameMatches = created || normaliseName(enterprise.name) === normaliseName(input.name)
    // Whoever moves memberCount from 0 to 1 administers it: new enterprises, or ones everyone left. The
    // conditional update is atomic, so concurrent binders get exactly one administrator; it also starts
    // the verification afresh, since what was verified is a person, not the credit code.
    const now = new Date()
    const claimed = nameMatches
      ? await EnterpriseModel.findOneAndUpdate(
          { _id: enterprise._id, memberCount: 0 },
          {
            $inc: { memberCount: 1 },
            $set: {
              verificationStatus: licence ? 'pending' : 'unsubmitted',
              verification: licence
                ? {
                    ...EMPTY_VERIFICATION,
                    licenceFileId: licence._id,
                    submittedBy: new Types.ObjectId(user.id),
                    submittedAt: now,
                  }
                : EMPTY_VERIFICATION,
            },
          },
          { new: true },
        ).lean<EnterpriseDoc>()
      : null
    if (claimed) enterprise = claimed
    let membership: MembershipDoc
    try {
      membership = (
        await MembershipModel.create({
          enterpriseId: enterprise._id,
          userId: user.id,
          role: claimed ? 'admin' : 'member',
          status: claimed ? 'active' : 'pending',
          appliedName: input.name,
          ...(claimed ? { decidedAt: now } : {}),
        })
      ).toObject() as MembershipDoc
    } catch (e) {
      if (claimed)
        await EnterpriseModel.updateOne(
          { _id: enterprise._id },
          {
            $inc: { memberCount: -1 },
            $set: { verificationStatus: 'unsubmitted', verification: EMPTY_VERIFICATION },
          },
        )
      if (created) await EnterpriseModel.deleteOne({ _id: enterprise._id, memberCount: 0 })
      if (isDuplicateKey(e)) throw enterpriseErrors.alreadyBound()
      throw e
    }
    return presentBinding(enterprise, membership, claimed ? licence : undefined)
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
    if (!live) return { enterprise: null, membership: null, verification: null }
    const { enterprise: e, membership: m } = live
    const showsVerification = m.status === 'active' && m.role === 'admin'
    const licence = showsVerification ? await this.licenceOf(e) : undefined
    return presentBinding(e, m, licence)
  }

  /**
   * The administrator submits a licence, first or after a rejection. `licence` has been checked by the
   * caller. Refused (409) while one is under review or once verified.
   */
  async submitVerification(user: MpPrincipal, licence: LicenceFile) {
    const enterpriseId = this.adminEnterpriseOf(user, '只有企业管理员可以提交企业认证材料')
    const e = await moveVerification(enterpriseId, 'submit', {
      licenceFileId: licence._id,
      submittedBy: new Types.ObjectId(user.id),
      submittedAt: new Date(),
      decidedBy: null,
      decidedAt: null,
      rejectReason: null,
    })
    return presentMpVerification(e, licence)
  }

  /** Members of one enterprise, oldest first; phone masked unless fullPii. */
  async members(enterpriseId: Id, statuses: MembershipDoc['status'][], fullPii: boolean) {
    const [list, e] = await Promise.all([
      MembershipModel.find({ enterpriseId, status: { $in: statuses } })
        .sort({ createdAt: 1 })
        .limit(500)
        .lean<MembershipDoc[]>(),
      EnterpriseModel.findById(enterpriseId, { name: 1 }).lean<Pick<EnterpriseDoc, 'name'>>(),
    ])
    const users = await this.usersById(list.map((m) => m.userId))
    return list.map((m) => presentMember(m, users.get(m.userId.toHexString()), this.cipher, fullPii, e?.name))
  }

  /** Enterprise administrators decide for their own enterprise only; console staff for any. */
  async decide(
    decider: Decider,
    enterpriseId: string,
    memberId: string,
    input: z.output<typeof MemberDecision>,
  ) {
    const approve = input.decision === 'approve'
    const m: MembershipDoc = await transition(
      MembershipModel,
      MembershipMachine,
      input.decision,
      { _id: memberId, enterpriseId },
      { $set: { live: approve, decidedAt: new Date(), decidedBy: decider, reason: input.reason ?? '' } },
      {
        conflict: (r) => enterpriseErrors.memberAlreadyDecided(r.current),
        notFound: enterpriseErrors.joinRequestNotFound,
      },
    )
    if (approve) await this.bumpCount(m.enterpriseId, 1)
    const [users, e] = await Promise.all([
      this.usersById([m.userId]),
      EnterpriseModel.findById(m.enterpriseId, { name: 1 }).lean<Pick<EnterpriseDoc, 'name'>>(),
    ])
    return presentMember(m, users.get(m.userId.toHexString()), this.cipher, false, e?.name)
  }

  decideAsEnterpriseAdmin(user: MpPrincipal, memberId: string, input: z.output<typeof MemberDecision>) {
    const enterpriseId = this.verifiedAdminEnterpriseOf(user, '只有企业管理员可以审批成员加入')
    return this.decide({ kind: 'mp', id: user.id }, enterpriseId, memberId, input)
  }

  membersForEnterpriseAdmin(user: MpPrincipal) {
    const enterpriseId = this.verifiedAdminEnterpriseOf(user, '只有企业管理员可以查看成员列表')
    return this.members(enterpriseId, ['pending', 'active'], false)
  }

  // The routes' guards already refuse these; repeated here so a service call from elsewhere cannot skip them.
  private adminEnterpriseOf(user: MpPrincipal, message: string) {
    if (!user.enterpriseId || user.enterpriseRole !== 'admin') throw enterpriseErrors.notAdmin(message)
    return user.enterpriseId
  }

  private verifiedAdminEnterpriseOf(user: MpPrincipal, message: string) {
    const id = this.adminEnterpriseOf(user, message)
    if (!user.enterpriseVerified) throw enterpriseErrors.unverified()
    return id
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
    if (!e) throw enterpriseErrors.notFound()
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

  /** The verification queue: pending ones oldest submission first, decided ones newest first. */
  async verifications(q: z.output<typeof VerificationQuery>) {
    // _id breaks ties in the same direction, so one index serves both orders (read forwards or backwards)
    const dir = q.status === 'pending' ? 1 : -1
    const { docs, ...page } = await findPage<EnterpriseDoc>(
      EnterpriseModel,
      { verificationStatus: statusFilter([q.status]) },
      q,
      { 'verification.submittedAt': dir, _id: dir },
    )
    return { ...page, items: await this.presentVerifications(docs) }
  }

  /**
   * A reviewer approves or rejects the licence they looked at (`input.licenceFileId`); a decision on a
   * licence since replaced, or on one already decided, is refused with 409 and the current state.
   */
  async decideVerification(
    reviewer: AdminPrincipal,
    id: string,
    input: z.output<typeof VerificationDecision>,
  ) {
    const e = await moveVerification(
      id,
      input.decision,
      {
        decidedBy: new Types.ObjectId(reviewer.id),
        decidedAt: new Date(),
        rejectReason: input.decision === 'reject' ? input.reason! : null,
      },
      { 'verification.licenceFileId': new Types.ObjectId(input.licenceFileId) },
    )
    const [row] = await this.presentVerifications([e])
    return row!
  }

  private async presentVerifications(docs: EnterpriseDoc[]) {
    const vs = docs.map((e) => e.verification ?? EMPTY_VERIFICATION)
    const ids = <T>(pick: (v: (typeof vs)[number]) => T | null) =>
      vs.map(pick).filter((x): x is NonNullable<T> => !!x)
    const [users, files, reviewers] = await Promise.all([
      this.usersById(ids((v) => v.submittedBy)),
      this.licencesById(ids((v) => v.licenceFileId)),
      ids((v) => v.decidedBy).length
        ? AdminUserModel.find({ _id: { $in: ids((v) => v.decidedBy) } }, { username: 1 }).lean<
            { _id: Types.ObjectId; username: string }[]
          >()
        : [],
    ])
    const reviewerNames = new Map(reviewers.map((r) => [r._id.toHexString(), r.username]))
    return docs.map((e, i) =>
      presentVerification(
        e,
        {
          applicant: vs[i]!.submittedBy ? users.get(vs[i]!.submittedBy!.toHexString()) : undefined,
          licence: vs[i]!.licenceFileId ? files.get(vs[i]!.licenceFileId!.toHexString()) : undefined,
          decidedBy: vs[i]!.decidedBy ? reviewerNames.get(vs[i]!.decidedBy!.toHexString()) : undefined,
        },
        this.cipher,
      ),
    )
  }

  private async licenceOf(e: EnterpriseDoc) {
    const id = e.verification?.licenceFileId
    return id ? (await this.licencesById([id])).get(id.toHexString()) : undefined
  }

  private async licencesById(ids: Types.ObjectId[]) {
    const files = ids.length
      ? await StoredFileModel.find({ _id: { $in: ids } }, { originalName: 1, mime: 1, size: 1 }).lean<
          LicenceFile[]
        >()
      : []
    return new Map(files.map((f) => [f._id.toHexString(), f]))
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
