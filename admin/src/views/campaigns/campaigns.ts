import type { CampaignMove, CampaignOutput, DryRunOutput } from '@/api/contracts'
import type { StatusMap, TagType } from '@/components/StatusTag.vue'

export const CAMPAIGN_STATUS: Record<CampaignOutput['status'], StatusMap[string]> = {
  draft: { label: '草稿', type: 'info' },
  scheduled: { label: '已排期', type: 'warning' },
  queued: { label: '排队中', type: 'primary' },
  sending: { label: '发送中', type: 'primary' },
  done: { label: '已完成', type: 'success' },
  failed: { label: '发送失败', type: 'danger' },
  cancelled: { label: '已取消', type: 'info' },
}

/** Still moving: the detail page polls and the list shows a progress bar. */
export const isActive = (c: Pick<CampaignOutput, 'status'>) => c.status === 'queued' || c.status === 'sending'

type Dimension = DryRunOutput['rows']['items'][number]['reasons'][number]['dimension']
/** A match reason's colour by dimension (the server's text already names the dimension). */
export const REASON_TAG: Record<Dimension, { type: TagType }> = {
  region: { type: 'primary' },
  industry: { type: 'success' },
  ipc: { type: 'warning' },
  type: { type: 'info' },
  size: { type: 'info' },
  all: { type: 'info' },
}

/** 45009 in words: the resend offer's reason. */
export const DAILY_QUOTA_HINT = '今日订阅消息发送额度已用完，请于次日重发'

/** subscribeMessage.send error codes as an operator can act on them. */
const WECHAT_ERRCODES: Record<string, string> = {
  '43101': '用户拒收或订阅次数用尽',
  '47003': '模板参数不准确（字段超长或格式不符）',
  '40003': 'openid 无效',
  '40037': '模板 ID 无效',
  '41030': '跳转页面路径不正确',
  '45009': DAILY_QUOTA_HINT,
  '45011': '调用过于频繁',
  '40001': 'access_token 无效或已过期',
  '42001': 'access_token 已过期',
  '-1': '微信系统繁忙，可重发',
  unknown: '批次处理出错，无法确认是否送达（不会重发）',
}
export const errcodeLabel = (code: string) => WECHAT_ERRCODES[code] ?? '其他错误'

/**
 * The resend the server allows: a move CampaignMachine offers this user (a finished campaign), with members
 * refused for quota or a busy WeChat.
 */
export const canResend = (moves: Set<CampaignMove>, c: Pick<CampaignOutput, 'resendable'>) =>
  moves.has('resend') && c.resendable > 0

/** The same calendar day in Beijing, where WeChat's daily quota starts again at midnight. */
export function sameBeijingDay(a: string | Date, b: string | Date) {
  const day = (d: string | Date) => Math.floor((new Date(d).getTime() + 8 * 3600_000) / 86_400_000)
  return day(a) === day(b)
}
