import {
  allowedMoves,
  VerificationMachine,
  VERIFICATION_STATUS_LABELS,
  type MemberOutput,
  type VerificationMove,
  type VerificationStatusOutput,
} from '@/api/contracts'

type TagType = 'success' | 'warning' | 'info' | 'danger' | 'primary'

export const MEMBER_STATUS: Record<MemberOutput['status'], { label: string; type: TagType }> = {
  pending: { label: '待审批', type: 'warning' },
  active: { label: '已加入', type: 'success' },
  rejected: { label: '已拒绝', type: 'danger' },
  removed: { label: '已移除', type: 'info' },
}

export const MEMBER_ROLE: Record<MemberOutput['role'], string> = { admin: '企业管理员', member: '成员' }

export const VERIFICATION_STATUS: Record<VerificationStatusOutput, { label: string; type: TagType }> = {
  pending: { label: VERIFICATION_STATUS_LABELS.pending, type: 'warning' },
  rejected: { label: VERIFICATION_STATUS_LABELS.rejected, type: 'danger' },
  verified: { label: VERIFICATION_STATUS_LABELS.verified, type: 'success' },
  unsubmitted: { label: VERIFICATION_STATUS_LABELS.unsubmitted, type: 'info' },
}

/**
 * The moves VerificationMachine allows from `status`, to someone holding `permissions` (all moves when
 * omitted): the console offers only these.
 */
export function verificationMovesFrom(
  status: VerificationStatusOutput,
  permissions?: Iterable<string>,
): VerificationMove[] {
  return allowedMoves(VerificationMachine, status, permissions)
}
