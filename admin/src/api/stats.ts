import { CampaignEndpoints as E } from './contracts'
import { call, download } from './request'

export const getPushStats = (year: number) => call(E.yearStats, { query: { year } })
/** The assessment workbook (xlsx); `onProgress` gets bytes received (the size is not known in advance). */
export const exportPushStats = (year: number, onProgress?: (loaded: number) => void) =>
  download(E.exportYearStats, { query: { year } }, { onDownloadProgress: (e) => onProgress?.(e.loaded) })
