import { z } from 'zod'

// ── Product wording ─────────────────────────────────────────────────────────
// Every request field carries `.meta({ label })`, its name as a person knows it; `productMessage` builds
// each message from that label (请填写发布单位, 企业名称不能超过 100 个字), so no library wording
// (string, undefined, 期望…) reaches a person. A check's own message still wins where one is given.

/** The label of a schema, inherited along `.min()`/`.meta()` clones; undefined when none was given. */
export function labelOf(schema: z.core.$ZodType | undefined): string | undefined {
  const label = schema ? z.globalRegistry.get(schema)?.label : undefined
  return typeof label === 'string' ? label : undefined
}

/** Choosing rather than typing: the console shows these as selects, checkboxes and switches. */
const PICKED = new Set(['enum', 'literal', 'array', 'set', 'boolean', 'record'])

export const unknownFieldMessage = (key: string) => `不接受字段「${key}」`

/** The zod error map of every process that parses these contracts (the api, the console). */
export function productMessage(iss: z.core.$ZodRawIssue): string {
  const label = labelOf(iss.schema) ?? (iss.path?.length ? '此项' : '请求内容')
  const type = iss.schema?._zod.def.type
  const blank = iss.input === undefined || iss.input === null || iss.input === ''
  const ask = `${type && PICKED.has(type) ? '请选择' : '请填写'}${label}`
  switch (iss.code) {
    case 'invalid_type':
      if (blank) return ask
      if (iss.expected === 'int') return `${label}须为整数`
      if (iss.expected === 'number') return `${label}须为数字`
      if (iss.expected === 'date') return `${label}不是有效的时间`
      return `${label}格式不正确`
    case 'invalid_value':
      return blank ? ask : `请选择有效的${label}`
    case 'too_small': {
      const n = Number(iss.minimum)
      if (iss.origin === 'string')
        return blank ? ask : iss.exact ? `${label}应为 ${n} 位` : `${label}至少 ${n} 个字`
      if (iss.origin === 'array' || iss.origin === 'set') return n <= 1 ? ask : `${label}至少选择 ${n} 项`
      if (iss.origin === 'date') return `${label}太早`
      return iss.inclusive === false ? `${label}须大于 ${n}` : `${label}不能小于 ${n}`
    }
    case 'too_big': {
      const n = Number(iss.maximum)
      if (iss.origin === 'string') return iss.exact ? `${label}应为 ${n} 位` : `${label}不能超过 ${n} 个字`
      if (iss.origin === 'array' || iss.origin === 'set') return `${label}最多 ${n} 项`
      if (iss.origin === 'date') return `${label}太晚`
      return iss.inclusive === false ? `${label}须小于 ${n}` : `${label}不能大于 ${n}`
    }
    case 'not_multiple_of':
      return `${label}须为 ${Number(iss.divisor)} 的倍数`
    case 'unrecognized_keys':
      return iss.keys.map(unknownFieldMessage).join('；')
    default:
      // invalid_format, invalid_union, invalid_key, invalid_element, custom without a message
      return `${label}格式不正确`
  }
}

/** For `z.config(...)` wherever contracts are parsed, so the api and the console word every issue alike. */
export const productMessages = (): Partial<z.core.$ZodConfig> => ({ customError: productMessage })

export interface FieldIssue {
  path: string
  message: string
}

/**
 * One message per field: the first issue on a path wins, since later ones follow from it (an empty credit
 * code is not also "18 位" and "校验不通过"). Each unknown key gets its own path, naming the field refused.
 */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const out = new Map<string, string>()
  for (const i of error.issues) {
    const base = i.path.map(String)
    if (i.code === 'unrecognized_keys')
      for (const k of i.keys) {
        const path = [...base, k].join('.')
        if (!out.has(path)) out.set(path, unknownFieldMessage(k))
      }
    else if (!out.has(base.join('.'))) out.set(base.join('.'), i.message)
  }
  return [...out].map(([path, message]) => ({ path, message }))
}

// ── Human text ──────────────────────────────────────────────────────────────

const LINE_BREAKS = /\r\n?|[\n\u0085\u2028\u2029]/g
/**
 * Never meant to be typed, yet pasted text brings them: C0/C1 controls (NUL…), lone surrogates, bidi
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, LRM/RLM/ALM) that make text display
 * reversed, and zero-width characters (U+200B–U+200D, U+2060, U+FEFF) that make two equal-looking names differ.
 */
const INVISIBLE = /[\p{Cc}\p{Cs}\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/gu
const INVISIBLE_BUT_TAB_LF = /(?![\t\n])[\p{Cc}\p{Cs}\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/gu

/** Text as a person meant it: invisible characters removed, NFC, trimmed; line breaks kept only when multiline. */
export function cleanText(value: string, multiline = false): string {
  const s = multiline
    ? value.replace(LINE_BREAKS, '\n').replace(INVISIBLE_BUT_TAB_LF, '')
    : value.replace(LINE_BREAKS, ' ').replace(/\t/g, ' ').replace(INVISIBLE, '')
  return s.normalize('NFC').trim()
}

export interface TextOptions {
  /** the field's name in product words: 请填写{label}, {label}不能超过 {max} 个字 */
  label: string
  max: number
  /** 0 lets the field be empty; default 1 (required) */
  min?: number
  /** keeps line breaks and tabs (reasons, descriptions) */
  multiline?: boolean
}

/**
 * Every human-entered plain-text field (titles, names, nicknames, summaries, reasons): cleaned by
 * `cleanText`, then measured. Text, never HTML: `<b>` stays the four characters typed, and every
 * place that shows it escapes it (Vue `{{ }}`, WXML, Excel cells). Rich-text bodies go through the
 * server's HTML sanitiser instead.
 */
export function text({ label, max, min = 1, multiline = false }: TextOptions) {
  const s = z.string().overwrite((v) => cleanText(v, multiline))
  return (min > 0 ? s.min(min) : s).max(max).meta({ label })
}

// ── Shapes shared by every domain: ids, pagination, the error envelope ──────
export const ObjectIdString = z
  .string()
  .regex(/^[0-9a-f]{24}$/)
  .meta({ label: '编号' })
export const IdParams = z.object({ id: ObjectIdString })

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).meta({ label: '页码' }).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).meta({ label: '每页条数' }).default(20),
})
export type PageQueryInput = z.input<typeof PageQuery>

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  })
}

// The error body, with every code the api answers, is in errors.contract.ts.

export const TokenPair = z.object({
  accessToken: z.string(),
  expiresIn: z.number().int(),
  refreshToken: z.string(),
})
export type TokenPairOutput = z.output<typeof TokenPair>
export const RefreshBody = z.object({
  refreshToken: z.string().min(10).max(200).meta({ label: '登录凭证' }),
})

/** Unread items of a mini-program list (inbox, announcements): the badge number. */
export const UnreadCount = z.object({ unread: z.number().int() })
export type UnreadCountOutput = z.output<typeof UnreadCount>
