import { z } from 'zod'
import { ObjectIdString, PageQuery, pageOf } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'

/**
 * Every action the api records, with the words the console shows for it. `AuditService.record` accepts
 * only these keys, so a new action does not compile until it has a label here (a test also scans sources).
 */
export const AUDIT_ACTION_LABELS = {
  'user.create': '创建后台用户',
  'user.update': '修改后台用户',
  'user.disable': '停用后台用户',
  'user.enable': '启用后台用户',
  'user.unlock': '解除登录锁定',
  'user.password.reset': '重置用户密码',
  'user.password.change': '修改本人密码',
  'role.create': '创建角色',
  'role.update': '修改角色',
  'role.delete': '删除角色',
  'pii.view': '查看个人信息',
  'file.view': '查看上传的材料',
  'enterprise.member.approve': '同意加入企业',
  'enterprise.member.reject': '拒绝加入企业',
  'enterprise.verification.approve': '通过企业管理员认证',
  'enterprise.verification.reject': '驳回企业管理员认证',
  'announcement.create': '新建通知公告',
  'announcement.update': '修改通知公告',
  'announcement.schedule': '定时发布通知公告',
  'announcement.publish': '发布通知公告',
  'announcement.withdraw': '撤回通知公告',
  'announcement.pin': '置顶通知公告',
  'announcement.unpin': '取消置顶通知公告',
  'announcement.delete': '删除通知公告',
  'announcement.review': '复核通知公告',
  'patent_info.create': '新建专利信息',
  'patent_info.update': '修改专利信息',
  'patent_info.schedule': '定时发布专利信息',
  'patent_info.publish': '发布专利信息',
  'patent_info.withdraw': '撤回专利信息',
  'patent_info.pin': '置顶专利信息',
  'patent_info.unpin': '取消置顶专利信息',
  'patent_info.delete': '删除专利信息',
  'patent_info.review': '复核专利信息',
  'content.review': '复核内容安全结果',
  'campaign.create': '创建推送',
  'campaign.update': '修改推送',
  'campaign.schedule': '定时发送推送',
  'campaign.send': '发送推送',
  'campaign.resend': '补发推送失败部分',
  'campaign.cancel': '取消推送',
  'settings.push.update': '修改推送设置',
  'notifications.template.update': '修改通知模板',
  'stats.export': '导出统计',
  'claim.submit': '提交资助申请',
  'claim.resubmit': '补正后重新提交资助申请',
  'claim.withdraw': '撤回资助申请',
  'claim.bank.fix': '更正资助收款账户',
  'claim.policy.create': '新增资助政策',
  'claim.policy.update': '修改资助政策',
  'claim.accept': '受理资助申请',
  'claim.first_approve': '初审通过资助申请',
  'claim.approve': '复核通过资助申请',
  'claim.reject': '不予通过资助申请',
  'claim.return': '退回资助申请补正',
  'claim.objection': '登记公示异议',
  'claim.notice.publish': '发布资助公示',
  'claim.batch.create': '创建发放批次',
  'claim.batch.export': '导出银行转账文件',
  'claim.batch.import': '导入银行发放结果',
  'claim.batch.close': '关闭发放批次',
  'claim.pass_list.import': '导入考试合格名单',
  'claim.export': '导出资助申请',
} as const satisfies Record<string, string>
export type AuditAction = keyof typeof AUDIT_ACTION_LABELS

/** Kinds of record an entry is about; the list also resolves each target's own name. */
export const AUDIT_TARGET_LABELS: Record<string, string> = {
  admin_user: '后台用户',
  login_name: '登录名',
  role: '角色',
  enterprise: '企业',
  membership: '企业成员',
  mp_user: '小程序用户',
  file: '文件',
  announcement: '通知公告',
  patent_info: '专利信息',
  content: '内容',
  campaign: '推送',
  settings: '设置',
  stats: '统计',
  claim: '资助申请',
  claim_policy: '资助政策',
  claim_notice: '资助公示',
  claim_batch: '发放批次',
  claim_pass_list: '考试合格名单',
}

/** Field names as a person knows them: request-body keys of audited writes and personal-data fields. */
export const AUDIT_FIELD_LABELS: Record<string, string> = {
  // console users and roles
  username: '用户名',
  displayName: '显示名称',
  password: '密码',
  roleIds: '角色',
  stationId: '所属指导站',
  phone: '手机号',
  disabled: '停用状态',
  mustChangePassword: '需修改密码',
  permissions: '权限',
  name: '名称',
  // people and enterprises
  idNumber: '身份证号',
  bankAccount: '银行账号',
  accountNo: '银行账号',
  decision: '审核结果',
  correction: '补正项目与期限',
  yearlyBudgetFen: '年度预算',
  status: '状态',
  reason: '原因',
  verificationStatus: '认证状态',
  // content
  kind: '类别',
  title: '标题',
  summary: '摘要',
  body: '正文',
  attachments: '附件',
  audience: '可见范围',
  link: '原文链接',
  source: '来源',
  tags: '标签',
  publishAt: '发布时间',
  pinned: '置顶',
  secCheck: '内容安全检测',
  // campaigns and settings
  content: '推送内容',
  targeting: '推送对象',
  at: '发送时间',
  weeklyCap: '每周推送上限',
  yearTarget: '年度推送目标',
  templateId: '订阅消息模板 ID',
  publisher: '发布单位',
  // notification templates
  fields: '字段映射',
}

export const AUDIT_ACTOR_LABELS = { admin: '后台用户', mp: '小程序用户', system: '系统' } as const

export const AuditQuery = PageQuery.extend({
  actorId: ObjectIdString.meta({ label: '操作人' }).optional(),
  action: z.string().max(64).meta({ label: '操作类型' }).optional(),
  targetType: z.string().max(32).meta({ label: '对象类型' }).optional(),
  targetId: z.string().max(64).meta({ label: '对象编号' }).optional(),
  from: z.coerce.date().meta({ label: '开始时间' }).optional(),
  to: z.coerce.date().meta({ label: '结束时间' }).optional(),
})
export type AuditQueryInput = z.input<typeof AuditQuery>

export const AuditEntry = z.object({
  id: z.string(),
  actor: z.object({
    kind: z.enum(['admin', 'mp', 'system']),
    kindLabel: z.string(),
    id: z.string().nullable(),
    name: z.string(),
  }),
  action: z.string(),
  /** The action in Chinese; the code itself when a label is missing (an entry older than its label). */
  actionLabel: z.string(),
  target: z.object({
    type: z.string(),
    typeLabel: z.string(),
    id: z.string().nullable(),
    /** The record's name as of now (username, role, enterprise, title…); null when it is gone or unnamed. */
    name: z.string().nullable(),
  }),
  /** Names of changed or viewed fields (never values), and the same in Chinese, index for index. */
  fields: z.array(z.string()),
  fieldLabels: z.array(z.string()),
  ip: z.string(),
  requestId: z.string(),
  at: z.iso.datetime(),
})
export type AuditEntryOutput = z.output<typeof AuditEntry>
export const AuditPage = pageOf(AuditEntry)
export type AuditPageOutput = z.output<typeof AuditPage>

/** Every audit endpoint, declared once: the route and the console's API function read this. */
export const AuditEndpoints = endpoints({
  list: {
    method: 'get',
    path: '/admin/v1/audit',
    query: AuditQuery,
    response: AuditPage,
    summary: '操作日志，新的在前',
  },
})
