import { mask, type PersonalDataCipher } from '../../platform/crypto.js'
import type { MpUserDoc } from '../mp-accounts/mp-accounts.model.js'
import type { EnterpriseOutput, JoinRequestOutput, MemberOutput } from './enterprises.contract.js'
import type { EnterpriseDoc, MembershipDoc } from './enterprises.model.js'

export function presentEnterprise(e: EnterpriseDoc): EnterpriseOutput {
  return {
    id: e._id.toHexString(),
    name: e.name,
    creditCode: e.creditCode,
    memberCount: e.memberCount,
    createdAt: e.createdAt.toISOString(),
  }
}

export function presentMember(
  m: MembershipDoc,
  user: Pick<MpUserDoc, 'nickname' | 'phoneEnc'> | undefined,
  cipher: PersonalDataCipher,
  fullPii: boolean,
): MemberOutput {
  const phone = user?.phoneEnc ? cipher.decrypt(user.phoneEnc) : null
  return {
    id: m._id.toHexString(),
    userId: m.userId.toHexString(),
    nickname: user?.nickname || '微信用户',
    phone: phone === null ? null : fullPii ? phone : mask.phone(phone),
    role: m.role,
    status: m.status,
    createdAt: m.createdAt.toISOString(),
    decidedAt: m.decidedAt ? m.decidedAt.toISOString() : null,
  }
}

export function presentJoinRequest(
  m: MembershipDoc,
  e: Pick<EnterpriseDoc, '_id' | 'name'> | undefined,
  user: Pick<MpUserDoc, 'nickname' | 'phoneEnc'> | undefined,
  cipher: PersonalDataCipher,
  fullPii: boolean,
): JoinRequestOutput {
  return {
    ...presentMember(m, user, cipher, fullPii),
    enterprise: { id: m.enterpriseId.toHexString(), name: e?.name ?? '（已删除）' },
  }
}
