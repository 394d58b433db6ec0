import { z } from 'zod'
import { cleanText, type FieldIssue } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'

/**
 * What a notification variable holds, which decides the subscribe-message keywords it may fill and how it is
 * written there (a time as `2026-11-30 14:05` Beijing time, money in yuan, …).
 */
export const VAR_TYPES = {
  /** free text: clipped to the keyword's length */
  text: { label: '文字', fits: ['thing'] },
  /** a short Chinese status word (已受理, 已通过): phrase takes at most 5 Chinese characters */
  status: { label: '状态', fits: ['phrase', 'thing'] },
  /** a point in time (ISO string or Date) */
  datetime: { label: '时间', fits: ['time', 'date', 'thing'] },
  /** a calendar day (ISO string or Date) */
  date: { label: '日期', fits: ['date', 'time', 'thing'] },
  /** digits */
  number: { label: '数字', fits: ['number', 'thing'] },
  /** a reference code of letters, digits and symbols (预约号) */
  code: { label: '编号', fits: ['character_string', 'thing'] },
  /** a person's name */
  person: { label: '姓名', fits: ['name', 'thing'] },
  /** money in integer fen */
  money: { label: '金额', fits: ['amount', 'thing'] },
} as const
export type VarType = keyof typeof VAR_TYPES

/** Subscribe-message keyword types: the prefix of a template keyword (`thing1`, `time3`, …). */
export const KEYWORD_TYPES = {
  thing: '事物（20 个字以内）',
  number: '数字（32 位以内）',
  letter: '字母（32 位以内）',
  symbol: '符号（5 位以内）',
  character_string: '字符串（32 位以内的字母、数字、符号）',
  time: '时间（24 小时制，可带日期）',
  date: '日期（可带时间）',
  amount: '金额（10 位以内数字，可带小数与币种符号）',
  phone_number: '电话（17 位以内）',
  car_number: '车牌（8 位以内）',
  name: '姓名（10 个汉字或 20 个字母以内）',
  phrase: '汉字（5 个汉字以内）',
} as const
export type KeywordType = keyof typeof KEYWORD_TYPES
const KEYWORD =
  /^(thing|number|letter|symbol|character_string|time|date|amount|phone_number|car_number|name|phrase)(\d{1,2})$/

/** The keyword type of `thing1`, or undefined for a name WeChat does not use. */
export function keywordType(key: string): KeywordType | undefined {
  return KEYWORD.exec(key)?.[1] as KeywordType | undefined
}

const DAY = String.raw`\d{4}[年\-/.]\d{1,2}[月\-/.]\d{1,2}日?`
const CLOCK = String.raw`\d{1,2}:\d{2}(?::\d{2})?`
const range = (point: string) => new RegExp(`^${point}(?:\\s*~\\s*${point})?$`, 'u')
const TIME = range(`(?:${DAY}\\s*)?${CLOCK}`)
const DATE = range(`${DAY}(?:\\s*${CLOCK})?`)
const HAN = /^\p{Script=Han}+$/u

/**
 * WeChat's keyword rules (数据类型说明): undefined when the value may be sent, else what is wrong, in words
 * an operator reads. Lengths count characters. A value breaking them is refused by WeChat with 47003.
 */
export function keywordProblem(type: KeywordType, value: string): string | undefined {
  if (value.trim() === '') return '不能为空'
  const len = [...value].length
  const within = (max: number, unit = '个字') => (len <= max ? undefined : `不能超过 ${max} ${unit}`)
  switch (type) {
    case 'thing':
      return within(20)
    case 'number':
      return /^[+-]?\d+(?:\.\d+)?$/.test(value) ? within(32, '位') : '只能填数字'
    case 'letter':
      return /^[A-Za-z]+$/.test(value) ? within(32, '位') : '只能填字母'
    case 'symbol':
      return /^[^\p{L}\p{N}\s]+$/u.test(value) ? within(5, '位') : '只能填符号'
    case 'character_string':
      return /^[\x21-\x7e]+$/.test(value) ? within(32, '位') : '只能填字母、数字或符号'
    case 'time':
      return TIME.test(value) ? undefined : '应为 24 小时制时间，如 2026-11-30 14:05'
    case 'date':
      return DATE.test(value) ? undefined : '应为日期，如 2026-11-30'
    case 'amount':
      return /^[¥￥$€£]?\d{1,10}(?:\.\d{1,2})?元?$/.test(value) ? undefined : '应为金额，如 ¥5000.00'
    case 'phone_number':
      return /^[\d+\-() ]+$/.test(value) ? within(17, '位') : '应为电话号码'
    case 'car_number':
      return /^[\p{Script=Han}A-Za-z0-9][A-Za-z0-9]*[\p{Script=Han}A-Za-z0-9]?$/u.test(value)
        ? within(8, '位')
        : '应为车牌号'
    case 'name':
      if (HAN.test(value.replace(/·/g, ''))) return within(10)
      return /^[A-Za-z\p{P}\p{S} ]+$/u.test(value) ? within(20, '个字母') : '应为姓名'
    case 'phrase':
      return HAN.test(value) ? within(5) : '只能填汉字'
  }
}

interface KindVar {
  label: string
  type: VarType
}
interface KindDef {
  label: string
  /** what the member reads in their preferences */
  description: string
  vars: Record<string, KindVar>
}

/**
 * Every kind of notification, as data: its name in the console and in members' preferences, and the
 * variables its sender fills, which a template's keywords are mapped to. A domain adds its kinds here.
 */
export const NOTIFICATION_KINDS = {
  'campaign.push': {
    label: '专利信息推送',
    description: '与本企业关注领域相关的专利信息和政策推送',
    vars: {
      title: { label: '标题', type: 'text' },
      summary: { label: '摘要', type: 'text' },
      sentAt: { label: '发送时间', type: 'datetime' },
      publisher: { label: '发布单位', type: 'text' },
    },
  },
  'claim.status': {
    label: '申请进度',
    description: '资助、奖励申请的审核进度',
    vars: {
      claim: { label: '申请事项', type: 'text' },
      status: { label: '办理状态', type: 'status' },
      at: { label: '办理时间', type: 'datetime' },
      note: { label: '备注', type: 'text' },
    },
  },
  'booking.confirmed': {
    label: '预约成功',
    description: '指导站咨询预约确认',
    vars: {
      person: { label: '预约人', type: 'person' },
      at: { label: '预约时间', type: 'datetime' },
      station: { label: '指导站', type: 'text' },
      code: { label: '预约号', type: 'code' },
    },
  },
  'booking.reminder': {
    label: '预约提醒',
    description: '指导站咨询开始前的提醒',
    vars: {
      person: { label: '预约人', type: 'person' },
      at: { label: '预约时间', type: 'datetime' },
      station: { label: '指导站', type: 'text' },
      code: { label: '预约号', type: 'code' },
    },
  },
  'booking.cancelled': {
    label: '预约取消',
    description: '指导站取消了您的咨询预约（时段关闭、未及时确认等）',
    vars: {
      person: { label: '预约人', type: 'person' },
      at: { label: '预约时间', type: 'datetime' },
      station: { label: '指导站', type: 'text' },
      reason: { label: '取消原因', type: 'text' },
    },
  },
  'booking.no_show': {
    label: '爽约提醒',
    description: '预约后未到的记录与信用分提醒（首次爽约时提醒）',
    vars: {
      person: { label: '预约人', type: 'person' },
      at: { label: '预约时间', type: 'datetime' },
      station: { label: '指导站', type: 'text' },
      note: { label: '备注', type: 'text' },
    },
  },
  'booking.advice': {
    label: '服务建议书',
    description: '指导站出具了咨询的服务建议书',
    vars: {
      station: { label: '指导站', type: 'text' },
      title: { label: '建议书标题', type: 'text' },
      at: { label: '出具时间', type: 'datetime' },
    },
  },
  'booking.appeal': {
    label: '爽约申诉结果',
    description: '指导站对爽约申诉的处理结果',
    vars: {
      station: { label: '指导站', type: 'text' },
      result: { label: '处理结果', type: 'status' },
      at: { label: '处理时间', type: 'datetime' },
      note: { label: '处理意见', type: 'text' },
    },
  },
  'training.offer': {
    label: '培训候补',
    description: '候补的培训有了名额',
    vars: {
      training: { label: '培训名称', type: 'text' },
      at: { label: '开课时间', type: 'datetime' },
      place: { label: '地点', type: 'text' },
    },
  },
  'training.registered': {
    label: '培训报名成功',
    description: '报名培训成功（含候补名额确认、工作人员录取）',
    vars: {
      training: { label: '培训名称', type: 'text' },
      at: { label: '开课时间', type: 'datetime' },
      place: { label: '地点', type: 'text' },
    },
  },
  'training.waitlisted': {
    label: '培训候补登记',
    description: '培训名额已满，已加入候补',
    vars: {
      training: { label: '培训名称', type: 'text' },
      at: { label: '开课时间', type: 'datetime' },
      position: { label: '候补位次', type: 'number' },
    },
  },
  'training.cancelled': {
    label: '培训取消',
    description: '主办方取消了您报名（或候补）的培训',
    vars: {
      training: { label: '培训名称', type: 'text' },
      at: { label: '开课时间', type: 'datetime' },
      reason: { label: '取消原因', type: 'text' },
    },
  },
  'training.reminder': {
    label: '培训开课提醒',
    description: '每场课程开课前 1 天和 1 小时提醒（已取消报名的不提醒）',
    vars: {
      training: { label: '培训名称', type: 'text' },
      at: { label: '开课时间', type: 'datetime' },
      place: { label: '地点', type: 'text' },
    },
  },
} as const satisfies Record<string, KindDef>
export type NotificationKind = keyof typeof NOTIFICATION_KINDS
export const NOTIFICATION_KIND_NAMES = Object.keys(NOTIFICATION_KINDS) as [
  NotificationKind,
  ...NotificationKind[],
]
export type KindVars<K extends NotificationKind> = Record<
  keyof (typeof NOTIFICATION_KINDS)[K]['vars'],
  string | number | Date
>

const TemplateField = z
  .strictObject({
    key: z.string().trim().min(1, '请填写模板字段').max(32).meta({ label: '模板字段' }),
    /** a variable of the kind, or … */
    var: z.string().trim().max(32).meta({ label: '内容项' }).optional(),
    /** … a fixed text, checked against the keyword's rules */
    text: z
      .string()
      .overwrite((v) => cleanText(v))
      .max(40)
      .meta({ label: '固定文字' })
      .optional(),
  })
  .meta({ label: '模板字段映射' })

/** A kind's subscribe-message template: its id in the MP console and what fills each keyword. */
export const TemplateConfig = z.strictObject({
  templateId: z
    .string()
    .trim()
    .min(1, '请填写订阅消息模板 ID')
    .max(64, '订阅消息模板 ID 不能超过 64 个字符')
    .meta({ label: '订阅消息模板 ID' }),
  fields: z
    .array(TemplateField)
    .min(1, '请至少配置一个模板字段')
    .max(10, '订阅消息模板最多 10 个字段')
    .meta({ label: '字段映射' }),
})
export type TemplateConfigInput = z.input<typeof TemplateConfig>
export type TemplateConfigOutput = z.output<typeof TemplateConfig>

/**
 * The mapping checks that need the kind: keyword names WeChat uses, each keyword once, variables the kind
 * has and of a type the keyword takes, fixed texts within the keyword's rules. Shared by the api (refusal
 * on save) and the console (the same messages before saving).
 */
export function templateIssues(kind: NotificationKind, config: TemplateConfigOutput): FieldIssue[] {
  const vars: Record<string, KindVar> = NOTIFICATION_KINDS[kind].vars
  const issues: FieldIssue[] = []
  const seen = new Set<string>()
  config.fields.forEach((f, i) => {
    const at = (p: string, message: string) => issues.push({ path: `fields.${i}.${p}`, message })
    const type = keywordType(f.key)
    if (!type) return at('key', `模板字段「${f.key}」不是微信订阅消息的字段（如 thing1、time2、phrase3）`)
    if (seen.has(f.key)) return at('key', `模板字段「${f.key}」重复`)
    seen.add(f.key)
    if ((f.var ? 1 : 0) + (f.text ? 1 : 0) !== 1)
      return at('var', `模板字段「${f.key}」请选择一个内容项，或填写固定文字`)
    if (f.var) {
      const v = vars[f.var]
      if (!v) return at('var', `「${f.var}」不是「${NOTIFICATION_KINDS[kind].label}」的内容项`)
      const fits: readonly KeywordType[] = VAR_TYPES[v.type].fits
      if (!fits.includes(type))
        at(
          'var',
          `模板字段「${f.key}」是${KEYWORD_TYPES[type]}，不能填「${v.label}」（${VAR_TYPES[v.type].label}）`,
        )
      return
    }
    const problem = keywordProblem(type, f.text!)
    if (problem) at('text', `模板字段「${f.key}」的固定文字${problem}`)
  })
  return issues
}

const KindVarOut = z.object({ name: z.string(), label: z.string(), type: z.enum(Object.keys(VAR_TYPES)) })
export const NotificationKindOut = z.object({
  kind: z.enum(NOTIFICATION_KIND_NAMES),
  label: z.string(),
  description: z.string(),
  vars: z.array(KindVarOut),
  /** null: not configured, so members get the inbox item only */
  template: TemplateConfig.nullable(),
  /** where the template comes from: saved here, or the push settings' template with the standard mapping */
  source: z.enum(['saved', 'default', 'none']),
  updatedAt: z.iso.datetime().nullable(),
})
export type NotificationKindOutput = z.output<typeof NotificationKindOut>
export const NotificationKindList = z.object({ items: z.array(NotificationKindOut) })
export type NotificationKindListOutput = z.output<typeof NotificationKindList>
export const KindParams = z.object({
  kind: z.enum(NOTIFICATION_KIND_NAMES, { error: '没有这种通知' }).meta({ label: '通知类型' }),
})

export const PreferenceOut = z.object({
  kind: z.enum(NOTIFICATION_KIND_NAMES),
  label: z.string(),
  description: z.string(),
  /** false: no WeChat message of this kind; the item still reaches 我的消息 */
  wechat: z.boolean(),
})
export const Preferences = z.object({ items: z.array(PreferenceOut) })
export type PreferencesOutput = z.output<typeof Preferences>
export const PreferencesUpdate = z.strictObject({
  wechat: z
    .partialRecord(z.enum(NOTIFICATION_KIND_NAMES, { error: '没有这种通知' }), z.boolean())
    .meta({ label: '微信通知' }),
})
export type PreferencesUpdateInput = z.input<typeof PreferencesUpdate>

/** Every notifications endpoint, declared once. */
export const NotificationEndpoints = endpoints({
  listTemplates: {
    method: 'get',
    path: '/admin/v1/notification-templates',
    response: NotificationKindList,
    summary: '各类通知的订阅消息模板与字段映射',
  },
  saveTemplate: {
    method: 'put',
    path: '/admin/v1/notification-templates/:kind',
    params: KindParams,
    body: TemplateConfig,
    response: NotificationKindOut,
    summary: '保存一类通知的模板 ID 与字段映射（不合微信字段规则的映射被拒绝）',
  },
  preferences: {
    method: 'get',
    path: '/mp/v1/notification-preferences',
    response: Preferences,
    summary: '我的通知设置：每类通知是否发微信订阅消息',
  },
  savePreferences: {
    method: 'put',
    path: '/mp/v1/notification-preferences',
    body: PreferencesUpdate,
    response: Preferences,
    summary: '修改通知设置（关闭后仍会收到「我的消息」）',
  },
})
