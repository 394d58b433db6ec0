import table from './industries.json' with { type: 'json' }

/**
 * GB/T 4754-2017 industries as far as the published table of 门类 and 大类 goes (industries.json). Finer
 * 3- and 4-digit codes are valid targeting codes too; they are named after the division they belong to.
 */
export interface IndustryNode {
  code: string
  name: string
  children?: IndustryNode[]
}

/** Section → division, for pickers. */
export const INDUSTRY_TREE: IndustryNode[] = table.sections.map((s) => ({
  code: s.code,
  name: s.name,
  children: s.divisions.map((d) => ({ code: d.code, name: d.name })),
}))

const NAMES = new Map<string, string>(
  table.sections.flatMap((s) => [
    [s.code, s.name] as const,
    ...s.divisions.map((d) => [d.code, d.name] as const),
  ]),
)

/** 制造业 for C, 计算机、通信和其他电子设备制造业 for 39; undefined for finer or unknown codes. */
export const industryName = (code: string): string | undefined => NAMES.get(code)

/** C 制造业, 39 计算机…制造业, 3911（属 39 计算机…制造业）, or the bare code when its division is unknown. */
export function industryLabel(code: string): string {
  const own = NAMES.get(code)
  if (own) return `${code} ${own}`
  const division = NAMES.get(code.slice(0, 2))
  return division && /^\d{3,4}$/.test(code) ? `${code}（属 ${code.slice(0, 2)} ${division}）` : code
}
