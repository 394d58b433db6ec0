import { z } from 'zod'
import { ObjectIdString, PageQuery, pageOf } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
import { DateOnly, StationService, StationType } from './stations.contract.js'

// ─────────────────────────────────────────────────────────────────────────────────────────────────────
// 服务台账: every completed consultation is a row, the record stations' star-rating assessments are scored
// from (e.g. Ningbo DB3302/T 1115—2025). Periods are Beijing calendar dates, inclusive.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────

export const LedgerQuery = PageQuery.extend({
  stationId: ObjectIdString.meta({ label: '指导站' }).optional(),
  from: DateOnly.meta({ label: '开始日期' }).optional(),
  to: DateOnly.meta({ label: '结束日期' }).optional(),
  topic: StationService.optional(),
}).refine((q) => !q.from || !q.to || q.from <= q.to, { message: '结束日期不能早于开始日期', path: ['to'] })
export type LedgerQueryInput = z.input<typeof LedgerQuery>

/** `GET /admin/v1/station-ledger/export`: one station's period, as Excel. */
export const LedgerExportQuery = z
  .object({
    stationId: ObjectIdString.meta({ label: '指导站' }),
    from: DateOnly.meta({ label: '开始日期' }),
    to: DateOnly.meta({ label: '结束日期' }),
  })
  .refine((q) => q.from <= q.to, { message: '结束日期不能早于开始日期', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, {
    message: '一次最多导出一年的台账',
    path: ['to'],
  })
export type LedgerExportQueryInput = z.input<typeof LedgerExportQuery>

export const LedgerRow = z.object({
  bookingId: z.string(),
  no: z.string(),
  stationId: z.string(),
  stationName: z.string(),
  /** the consultation's start */
  at: z.iso.datetime(),
  /** enterprise name, or the individual's name masked (张*明) */
  client: z.string(),
  clientKind: z.enum(['enterprise', 'individual']),
  /** the enterprise's 统一社会信用代码; null for individuals */
  creditCode: z.string().nullable(),
  topic: StationService,
  topicLabel: z.string(),
  mode: z.string(),
  /** the advice given, shortened to 100 characters */
  adviceSummary: z.string(),
  followUp: z.string(),
  durationMinutes: z.number().int(),
  rating: z.number().int().nullable(),
  hasLetter: z.boolean(),
})
export type LedgerRowOutput = z.output<typeof LedgerRow>
export const LedgerPage = pageOf(LedgerRow)
export type LedgerPageOutput = z.output<typeof LedgerPage>

export const StatsQuery = z.object({
  stationId: ObjectIdString.meta({ label: '指导站' }).optional(),
  year: z.coerce.number().int().min(2000).max(2100).meta({ label: '年度' }).optional(),
})
export type StatsQueryInput = z.input<typeof StatsQuery>
export const CompareQuery = z.object({
  year: z.coerce.number().int().min(2000).max(2100).meta({ label: '年度' }).optional(),
  type: StationType.optional(),
})
export type CompareQueryInput = z.input<typeof CompareQuery>

/**
 * Counted by the slot's start (Beijing time). `bookings` is every booking made; the rates are over the
 * consultations that were due (bookings less cancellations): completion = completed ÷ due, no-show =
 * no-shows ÷ due; null when nothing was due. avgRating over the rated consultations, null when none.
 */
export const StatFigures = z.object({
  bookings: z.number().int(),
  cancelled: z.number().int(),
  completed: z.number().int(),
  noShows: z.number().int(),
  completionRate: z.number().nullable(),
  noShowRate: z.number().nullable(),
  ratings: z.number().int(),
  avgRating: z.number().nullable(),
})
export type StatFiguresOutput = z.output<typeof StatFigures>

export const StationStatsOut = z.object({
  year: z.number().int(),
  /** null: every station the viewer sees */
  stationId: z.string().nullable(),
  totals: StatFigures,
  byMonth: z.array(StatFigures.extend({ month: z.number().int() })),
  byService: z.array(StatFigures.extend({ service: StationService, label: z.string() })),
  /** seats published and taken in the year's slots: how full the station's calendar was */
  slots: z.object({ published: z.number().int(), seats: z.number().int(), taken: z.number().int() }),
})
export type StationStatsOutput = z.output<typeof StationStatsOut>

export const StationCompareOut = z.object({
  year: z.number().int(),
  items: z.array(
    StatFigures.extend({
      stationId: z.string(),
      name: z.string(),
      type: StationType,
      regionCode: z.string(),
      seats: z.number().int(),
      /** seats taken ÷ seats published; null without slots */
      fillRate: z.number().nullable(),
    }),
  ),
})
export type StationCompareOutput = z.output<typeof StationCompareOut>

/** The ledger, its export and the statistics; station staff see their own station only. */
export const StationLedgerEndpoints = endpoints({
  ledger: {
    method: 'get',
    path: '/admin/v1/station-ledger',
    query: LedgerQuery,
    response: LedgerPage,
    summary: '服务台账（已完成的咨询）',
  },
  exportLedger: {
    method: 'get',
    path: '/admin/v1/station-ledger/export',
    query: LedgerExportQuery,
    response: 'file',
    summary: '导出一个指导站一段时期的服务台账（Excel，记入审计）',
  },
  stats: {
    method: 'get',
    path: '/admin/v1/station-stats',
    query: StatsQuery,
    response: StationStatsOut,
    summary: '指导站统计：按月份与服务事项的预约、完成、爽约率与平均评分',
  },
  compare: {
    method: 'get',
    path: '/admin/v1/station-stats/compare',
    query: CompareQuery,
    response: StationCompareOut,
    summary: '各指导站对比（知识产权局）',
  },
})
