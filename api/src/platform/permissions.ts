/**
 * Console permissions. Uploaded files have no permission of their own: who may read one follows from the
 * domain it was uploaded for (see FILE_READERS in the files module).
 * Every admin route declares exactly one (or `null`: any signed-in console user, for
 * their own profile). Roles are sets of these; a role manager may only grant what they hold themselves.
 */
export const PERMISSIONS = {
  'users.manage': '管理后台用户与角色',
  'audit.read': '查看审计日志',
  'enterprise.read': '查看企业与成员',
  'enterprise.manage': '审批企业加入申请、管理成员',
  'pii.read': '查看完整个人信息（身份证号、手机号、银行账号）',
  'content.manage': '发布公告与专利信息',
  'push.manage': '创建与发送推送',
  'training.manage': '管理培训',
  'claim.review': '审核资助申请',
  'claim.pay': '资助发放',
  'claim.policy': '管理资助政策与年度预算',
  'station.manage': '管理指导站预约（限本站）',
  'stats.read': '查看统计',
} as const

export type Permission = keyof typeof PERMISSIONS
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[]

export function isPermission(p: string): p is Permission {
  return Object.hasOwn(PERMISSIONS, p)
}

/** Built-in roles seeded at boot. `station_staff` is scoped to the user's station. */
export const BUILTIN_ROLES: { key: string; name: string; permissions: Permission[] }[] = [
  { key: 'super_admin', name: '超级管理员', permissions: ALL_PERMISSIONS },
  { key: 'content_editor', name: '内容编辑', permissions: ['content.manage'] },
  { key: 'push_operator', name: '推送运营', permissions: ['push.manage', 'enterprise.read', 'stats.read'] },
  { key: 'training_manager', name: '培训管理员', permissions: ['training.manage'] },
  { key: 'claim_reviewer', name: '资助审核员', permissions: ['claim.review', 'pii.read'] },
  { key: 'finance', name: '财务', permissions: ['claim.pay', 'pii.read'] },
  { key: 'station_staff', name: '指导站工作人员', permissions: ['station.manage'] },
]
