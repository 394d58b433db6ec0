import { z } from 'zod'

/**
 * The three code systems targeting uses, each hierarchical. `ancestors*` return the code and every
 * broader code above it; two codes "match" when one is an ancestor-or-self of the other.
 */

// ── IPC (International Patent Classification): H, H04, H04L, H04L 9/00 (main group), H04L 9/32 ──
const IPC_RE = /^([A-H])(\d{2})?([A-Z])?(?:\s*(\d{1,4})\s*\/\s*(\d{2,6}))?$/

/** Canonical form `H04L 9/32`, or undefined when the text is not an IPC symbol at any level. */
export function normaliseIpc(raw: string): string | undefined {
  const m = IPC_RE.exec(raw.trim().toUpperCase())
  if (!m) return undefined
  const [, section, cls, sub, group, subgroup] = m
  if (sub && !cls) return undefined
  if (group && !sub) return undefined
  let out = section!
  if (cls) out += cls
  if (sub) out += sub
  if (group) out += ` ${Number(group)}/${subgroup}`
  return out
}

export function ancestorsIpc(code: string): string[] {
  const m = IPC_RE.exec(code)
  if (!m) return [code]
  const [, section, cls, sub, group, subgroup] = m
  const out = [section!]
  if (cls) out.push(section! + cls)
  if (sub) out.push(section! + cls + sub)
  if (group) {
    const main = `${section}${cls}${sub} ${Number(group)}/00`
    out.push(main)
    if (subgroup !== '00') out.push(`${section}${cls}${sub} ${Number(group)}/${subgroup}`)
  }
  return out
}

export const IpcCode = z
  .string()
  .min(1)
  .max(20)
  .meta({ label: 'IPC 分类号' })
  .transform((v, ctx) => {
    const n = normaliseIpc(v)
    if (!n) {
      ctx.addIssue({ code: 'custom', message: `"${v}" 不是有效的 IPC 分类号，例如 H04L 9/32、H04L、H04` })
      return z.NEVER
    }
    return n
  })

// ── Administrative divisions (GB/T 2260): 440000 province, 440200 city, 440203 district ──
export function ancestorsRegion(code: string): string[] {
  const province = `${code.slice(0, 2)}0000`
  const city = `${code.slice(0, 4)}00`
  return [...new Set([province, city, code])]
}
export const RegionCode = z
  .string()
  .regex(/^[1-8]\d{5}$/, '请填写 6 位行政区划代码，例如 440200（韶关市）')
  .meta({ label: '地区' })

// ── Industries (GB/T 4754-2017): section letter → 2-digit division → 3-digit group → 4-digit class ──
const SECTIONS: [string, number, number][] = [
  ['A', 1, 5],
  ['B', 6, 12],
  ['C', 13, 43],
  ['D', 44, 46],
  ['E', 47, 50],
  ['F', 51, 52],
  ['G', 53, 60],
  ['H', 61, 62],
  ['I', 63, 65],
  ['J', 66, 69],
  ['K', 70, 70],
  ['L', 71, 72],
  ['M', 73, 75],
  ['N', 76, 79],
  ['O', 80, 82],
  ['P', 83, 83],
  ['Q', 84, 85],
  ['R', 86, 90],
  ['S', 91, 96],
  ['T', 97, 97],
]
export function industrySection(code: string): string | undefined {
  if (/^[A-T]$/.test(code)) return code
  const division = Number(code.slice(0, 2))
  return SECTIONS.find(([, lo, hi]) => division >= lo && division <= hi)?.[0]
}
export function ancestorsIndustry(code: string): string[] {
  if (/^[A-T]$/.test(code)) return [code]
  const out = [industrySection(code)!]
  for (let len = 2; len <= code.length; len++) out.push(code.slice(0, len))
  return out
}
export const IndustryCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^([A-T]|\d{2,4})$/, '国民经济行业代码应为门类字母（如 C）或 2–4 位数字（如 39、3911）')
  .refine((c) => industrySection(c) !== undefined, '不存在的国民经济行业大类')
  .meta({ label: '行业' })

export const EnterpriseType = z
  .enum(['hightech', 'specialized', 'sme', 'state', 'private', 'foreign', 'other'])
  .meta({ label: '企业类型' })
export const EnterpriseSize = z.enum(['micro', 'small', 'medium', 'large']).meta({ label: '企业规模' })
export const ENTERPRISE_TYPE_LABELS: Record<z.output<typeof EnterpriseType>, string> = {
  hightech: '高新技术企业',
  specialized: '专精特新企业',
  sme: '科技型中小企业',
  state: '国有企业',
  private: '民营企业',
  foreign: '外资企业',
  other: '其他',
}
export const ENTERPRISE_SIZE_LABELS: Record<z.output<typeof EnterpriseSize>, string> = {
  micro: '微型',
  small: '小型',
  medium: '中型',
  large: '大型',
}

/** Every code and every broader code above any of them: what an `anc.*` index array holds. */
export function ancestorsOfAll(codes: string[], ancestors: (c: string) => string[]): string[] {
  return [...new Set(codes.flatMap(ancestors))]
}

/** True when a is an ancestor-or-self of b or the reverse. */
export function related(a: string, b: string, ancestors: (c: string) => string[]): boolean {
  return a === b || ancestors(b).includes(a) || ancestors(a).includes(b)
}
