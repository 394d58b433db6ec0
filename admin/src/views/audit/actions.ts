/** Names for audit actions the api records; an action missing here is shown as its code. */
export const AUDIT_ACTIONS: Record<string, string> = {
  'user.create': '创建后台用户',
  'user.update': '修改后台用户',
  'user.password.reset': '重置用户密码',
  'user.password.change': '修改本人密码',
  'role.create': '创建角色',
  'role.update': '修改角色',
  'role.delete': '删除角色',
  'pii.view': '查看个人信息',
  'file.view': '查看上传的材料',
  'enterprise.member.approve': '同意加入企业',
  'enterprise.member.reject': '拒绝加入企业',
  'campaign.create': '创建推送',
  'campaign.update': '修改推送',
  'campaign.cancel': '取消推送',
  'settings.push.update': '修改推送设置',
  'stats.export': '导出统计',
}

export const ACTOR_KINDS: Record<string, string> = { admin: '后台用户', mp: '小程序用户', system: '系统' }
