import { z } from 'zod'
import { cleanText } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'

/** "请填写…" when the value is missing or cleared, "…应为数字" when it is something else. */
const count = (label: string) =>
  z
    .number({ error: (i) => (i.input == null || i.input === '' ? `请填写${label}` : `${label}应为数字`) })
    .int(`${label}应为整数`)
    .meta({ label })
const text = (label: string) =>
  z
    .string({ error: (i) => (i.input == null ? `请填写${label}` : `${label}应为文字`) })
    .overwrite((v) => cleanText(v))
    .min(1, `请填写${label}`)
    .meta({ label })

/**
 * Bureau-wide push settings, editable in the console. Every field is required on save: a cleared box is
 * a field error, never quietly replaced by a default (defaults only fill what was never saved).
 */
export const PushSettings = z.strictObject({
  weeklyCap: count('每周推送上限').min(1, '每周推送上限至少 1 次').max(20, '每周推送上限最多 20 次'),
  yearTarget: count('年度推送目标')
    .min(1, '年度推送目标至少为 1')
    .max(10_000_000, '年度推送目标最多 1000 万'),
  /** WeChat subscription template used for pushes (thing1 标题, thing2 摘要, time3 发布时间, thing4 发布单位). */
  templateId: text('订阅消息模板 ID').max(64, '订阅消息模板 ID 不能超过 64 个字符'),
  publisher: text('发布单位').max(20, '发布单位不能超过 20 个字'),
})
export type PushSettingsInput = z.input<typeof PushSettings>
export type PushSettingsOutput = z.output<typeof PushSettings>

/** What a bureau gets before anyone has saved the push settings. */
export const PUSH_SETTINGS_DEFAULTS: PushSettingsOutput = {
  weeklyCap: 3,
  yearTarget: 50_000,
  templateId: 'tpl-patent-push',
  publisher: '知识产权局',
}

/** Every settings endpoint, declared once: the routes and the console's API functions read this. */
export const SettingsEndpoints = endpoints({
  push: {
    method: 'get',
    path: '/admin/v1/settings/push',
    response: PushSettings,
    summary: '推送设置（每周上限、年度目标、模板、发布单位）',
  },
  savePush: {
    method: 'put',
    path: '/admin/v1/settings/push',
    body: PushSettings,
    response: PushSettings,
    summary: '保存推送设置',
  },
})
