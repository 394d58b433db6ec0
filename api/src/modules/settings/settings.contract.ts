import { z } from 'zod'

/** Bureau-wide push settings, editable in the console. */
export const PushSettings = z.strictObject({
  weeklyCap: z.number().int().min(1, '每周至少 1 次').max(20, '每周最多 20 次').default(3),
  yearTarget: z.number().int().min(1).max(10_000_000).default(50_000),
  /** WeChat subscription template used for pushes (thing1 标题, thing2 摘要, time3 发布时间, thing4 发布单位). */
  templateId: z.string().trim().min(1).max(64).default('tpl-patent-push'),
  publisher: z.string().trim().min(1).max(20).default('知识产权局'),
})
export type PushSettingsInput = z.input<typeof PushSettings>
export type PushSettingsOutput = z.output<typeof PushSettings>
