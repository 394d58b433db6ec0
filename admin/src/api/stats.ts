import type { YearStatsOutput } from './contracts'
import { request } from './request'

export const getPushStats = (year: number) => request.get<YearStatsOutput>('/stats/push', { year })
/** The assessment workbook (xlsx); `onProgress` gets bytes received (the size is not known in advance). */
export const exportPushStats = (year: number, onProgress?: (loaded: number) => void) =>
  request.download('/stats/push/export', { year }, { onDownloadProgress: (e) => onProgress?.(e.loaded) })
