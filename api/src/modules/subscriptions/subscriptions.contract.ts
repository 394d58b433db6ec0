import { z } from 'zod'
import { endpoints } from '../endpoints.contract.js'

/** What wx.requestSubscribeMessage answered, per template id, as the mini-program reports it. */
export const SubscriptionReport = z.strictObject({
  results: z
    .record(
      z.string().trim().min(1).max(64).meta({ label: '订阅消息模板 ID' }),
      z.enum(['accept', 'reject', 'ban', 'filter']).meta({ label: '订阅结果' }),
    )
    .refine((r) => Object.keys(r).length > 0 && Object.keys(r).length <= 10, '一次最多上报 10 个模板的结果')
    .meta({ label: '订阅结果' }),
})
export type SubscriptionReportInput = z.input<typeof SubscriptionReport>

export const SubscriptionState = z.object({
  /** unused one-time grants per template: each allows exactly one WeChat message */
  available: z.record(z.string(), z.number().int()),
})
export type SubscriptionStateOutput = z.output<typeof SubscriptionState>

/** Every subscription endpoint, declared once: the routes, the mini-program types and the test client read this. */
export const SubscriptionEndpoints = endpoints({
  report: {
    method: 'post',
    path: '/mp/v1/subscriptions',
    body: SubscriptionReport,
    response: SubscriptionState,
    summary: '上报订阅消息授权结果（每次“允许”得一次推送机会）',
  },
  state: {
    method: 'get',
    path: '/mp/v1/subscriptions',
    response: SubscriptionState,
    summary: '我还有几次推送机会（按模板）',
  },
})
