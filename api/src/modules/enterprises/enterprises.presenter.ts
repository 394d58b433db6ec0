import { mask, type PersonalDataCipher } from '../../platform/crypto.js'
import type { StoredFileDoc } from '../files/files.model.js'
import type { MpUserDoc } from '../mp-accounts/mp-accounts.model.js'
import type {
  BindResultOutput,
  EnterpriseOutput,
  JoinRequestOutput,
  MemberOutput,
  MpVerificationOutput,
  VerificationOutput,
} from './enterprises.contract.js'
import type { EnterpriseDoc, MembershipDoc } from './enterprises.model.js'
import { EMPTY_VERIFICATION, verificationStatusOf } from './enterprises.verification.js'
import { iso } from '../../platform/time.js'

export type LicenceFile = Pick<StoredFileDoc, '_id' | 'originalName' | 'mime' | 'size'>
type Person = Pick<MpUserDoc, 'nickname' | 'phoneEnc'>

/** Compared loosely: spaces and both kinds of brackets are typed inconsistently. */
export const normaliseName = (n: string) => n.replace(/[\s()（）]/g, '')

export function presentEnterprise(e: EnterpriseDoc): EnterpriseOutput {
  return {
    id: e._id.toHexString(),
    name: e.name,
    creditCode: e.creditCode,
    memberCount: e.memberCount,
    verificationStatus: verificationStatusOf(e),
    createdAt: iso(e.createdAt),
  }
}

const presentLicence = (f: LicenceFile | undefined) =>
  f ? { id: f._id.toHexString(), name: f.originalName, mime: f.mime, size: f.size } : null

export function presentMpVerification(
  e: EnterpriseDoc,
  licence: LicenceFile | undefined,
): MpVerificationOutput {
  const v = e.verification ?? EMPTY_VERIFICATION
  const status = verificationStatusOf(e)
  return {
    status,
    licence: presentLicence(licence),
    submittedAt: iso(v.submittedAt),
    decidedAt: iso(v.decidedAt),
    rejectReason: status === 'rejected' ? (v.rejectReason ?? '') : null,
  }
}

/**
 * A person's own binding. Until they are admitted it echoes the name they applied with and nothing the
 * enterprise holds, so a request under a wrong name reads exactly like one under the right name.
 */
export function presentBinding(
  e: EnterpriseDoc,
  m: Pick<MembershipDoc, '_id' | 'role' | 'status' | 'appliedName'>,
  licence: LicenceFile | undefined,
): BindResultOutput {
  const admitted = m.status === 'active'
  return {
    enterprise: {
      id: e._id.toHexString(),
      name: admitted ? e.name : m.appliedName || e.name,
      creditCode: e.creditCode,
      verificationStatus: admitted ? verificationStatusOf(e) : null,
    },
    membership: { id: m._id.toHexString(), role: m.role, status: m.status },
    verification: admitted && m.role === 'admin' ? presentMpVerification(e, licence) : null,
  }
}

export function presentMember(
  m: MembershipDoc,
  user: Person | undefined,
  cipher: PersonalDataCipher,
  fullPii: boolean,
  registeredName: string | undefined,
): MemberOutput {
  const phone = user?.phoneEnc ? cipher.decrypt(user.phoneEnc) : null
  const appliedName = m.appliedName || registeredName || ''
  return {
    id: m._id.toHexString(),
    userId: m.userId.toHexString(),
    nickname: user?.nickname || '微信用户',
    phone: phone === null ? null : fullPii ? phone : mask.phone(phone),
    role: m.role,
    status: m.status,
    appliedName,
    nameMismatch: !!registeredName && normaliseName(appliedName) !== normaliseName(registeredName),
    createdAt: iso(m.createdAt),
    decidedAt: iso(m.decidedAt),
  }
}

export function presentJoinRequest(
  m: MembershipDoc,
  e: Pick<EnterpriseDoc, '_id' | 'name'> | undefined,
  user: Person | undefined,
  cipher: PersonalDataCipher,
  fullPii: boolean,
): JoinRequestOutput {
  return {
    ...presentMember(m, user, cipher, fullPii, e?.name),
    enterprise: { id: m.enterpriseId.toHexString(), name: e?.name ?? '（已删除）' },
  }
}

/** One row of the console's verification queue; the applicant's phone is always masked here. */
export function presentVerification(
  e: EnterpriseDoc,
  related: {
    applicant: Person | undefined
    licence: LicenceFile | undefined
    decidedBy: string | undefined
  },
  cipher: PersonalDataCipher,
): VerificationOutput {
  const v = e.verification ?? EMPTY_VERIFICATION
  const status = verificationStatusOf(e)
  const phone = related.applicant?.phoneEnc ? cipher.decrypt(related.applicant.phoneEnc) : null
  return {
    enterprise: { id: e._id.toHexString(), name: e.name, creditCode: e.creditCode },
    status,
    applicant: v.submittedBy
      ? {
          userId: v.submittedBy.toHexString(),
          nickname: related.applicant?.nickname || '微信用户',
          phone: phone === null ? null : mask.phone(phone),
        }
      : null,
    licence: presentLicence(related.licence),
    submittedAt: iso(v.submittedAt),
    decidedAt: iso(v.decidedAt),
    decidedBy: related.decidedBy ?? null,
    rejectReason: status === 'rejected' ? (v.rejectReason ?? '') : null,
  }
}
