import type { MemberOutput } from '@/api/contracts'

type TagType = 'success' | 'warning' | 'info' | 'danger' | 'primary'

export const MEMBER_STATUS: Record<MemberOutput['status'], { label: string; type: TagType }> = {
  pending: { label: '待审批', type: 'warning' },
  active: { label: '已加入', type: 'success' },
  rejected: { label: '已拒绝', type: 'danger' },
  removed: { label: '已移除', type: 'info' },
}

export const MEMBER_ROLE: Record<MemberOutput['role'], string> = { admin: '企业管理员', member: '成员' }
