import {
  keywordType,
  NOTIFICATION_KINDS,
  type KeywordType,
  type NotificationKind,
  type TemplateConfigOutput,
  type VarType,
} from './notifications.contract.js'

export type VarValue = string | number | Date

const clip = (s: string, n: number) => {
  const chars = Array.from(s)
  return (chars.length > n ? `${chars.slice(0, n - 1).join('')}…` : s) || '—'
}
const pad = (n: number) => String(n).padStart(2, '0')
/** Beijing time, as the member reads it. */
function beijing(d: Date, withClock: boolean) {
  const b = new Date(d.getTime() + 8 * 3600_000)
  const day = `${b.getUTCFullYear()}-${pad(b.getUTCMonth() + 1)}-${pad(b.getUTCDate())}`
  return withClock ? `${day} ${pad(b.getUTCHours())}:${pad(b.getUTCMinutes())}` : day
}
const asDate = (v: VarValue) => (v instanceof Date ? v : new Date(v))

/** One variable written for one keyword type: times in Beijing time, money in yuan, texts clipped. */
function format(value: VarValue | undefined, type: VarType, keyword: KeywordType): string {
  if (value === undefined || value === null || value === '') return '—'
  switch (type) {
    case 'datetime':
      return beijing(asDate(value), keyword !== 'date')
    case 'date':
      return beijing(asDate(value), keyword === 'time')
    case 'money': {
      const yuan = (Number(value) / 100).toFixed(2)
      return keyword === 'amount' ? `¥${yuan}` : `${yuan}元`
    }
    default: {
      const s = String(value)
      if (keyword === 'thing') return clip(s, 20)
      if (keyword === 'character_string' || keyword === 'number') return clip(s, 32)
      if (keyword === 'name') return clip(s, 10)
      return s
    }
  }
}

/** The `data` of a subscribe message: each keyword filled from the kind's variables or its fixed text. */
export function render(
  kind: NotificationKind,
  template: TemplateConfigOutput,
  vars: Record<string, VarValue | undefined>,
): Record<string, string> {
  const declared: Record<string, { type: VarType }> = NOTIFICATION_KINDS[kind].vars
  const data: Record<string, string> = {}
  for (const f of template.fields) {
    const keyword = keywordType(f.key)
    if (!keyword) continue // refused on save; never stored
    data[f.key] = f.var ? format(vars[f.var], declared[f.var]!.type, keyword) : f.text!
  }
  return data
}

/** The push template's standard mapping (thing1 标题, thing2 摘要, time3 发送时间, thing4 发布单位). */
export const PUSH_FIELDS: TemplateConfigOutput['fields'] = [
  { key: 'thing1', var: 'title' },
  { key: 'thing2', var: 'summary' },
  { key: 'time3', var: 'sentAt' },
  { key: 'thing4', var: 'publisher' },
]
