import table from './ipc.json' with { type: 'json' }

/**
 * The top of the International Patent Classification (8 sections, their classes, Chinese titles in
 * ipc.json), for suggesting and naming codes. Subclasses and groups (H04L, H04L 9/32) are valid codes too
 * (`normaliseIpc`); they are named after the class they belong to.
 */
export interface IpcEntry {
  code: string
  title: string
}

/** Sections then classes, in code order. */
export const IPC_ENTRIES: IpcEntry[] = table.sections.flatMap((s) => [
  { code: s.code, title: s.title },
  ...s.classes,
])

const TITLES = new Map(IPC_ENTRIES.map((e) => [e.code, e.title]))

/** The title of a section or class; undefined for finer or unknown codes. */
export const ipcTitle = (code: string): string | undefined => TITLES.get(code)

/** H04 电通信技术, or H04L 9/32（属 H04 电通信技术） for a code below a class, or the bare code. */
export function ipcLabel(code: string): string {
  const own = TITLES.get(code)
  if (own) return `${code} ${own}`
  const cls = TITLES.get(code.slice(0, 3))
  return cls ? `${code}（属 ${code.slice(0, 3)} ${cls}）` : code
}

/**
 * Sections and classes whose code starts with the query (spaces and case ignored) or whose title contains
 * it; a query below class level (H04L 9/32) suggests its class. At most `limit`, codes first.
 */
export function suggestIpc(query: string, limit = 20): IpcEntry[] {
  const q = query.trim()
  if (!q) return IPC_ENTRIES.filter((e) => e.code.length === 1)
  const code = q.toUpperCase().replace(/\s+/g, '')
  // the entry itself and those above it (H04L 9/32 → H04, H), nearest first; then those below it
  const above = IPC_ENTRIES.filter((e) => code.startsWith(e.code)).reverse()
  const below = IPC_ENTRIES.filter((e) => e.code.startsWith(code) && e.code !== code)
  const byCode = [...above, ...below]
  const byTitle = IPC_ENTRIES.filter((e) => e.title.includes(q) && !byCode.includes(e))
  return [...byCode, ...byTitle].slice(0, limit)
}
