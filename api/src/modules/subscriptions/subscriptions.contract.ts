import { z } from 'zod'

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
