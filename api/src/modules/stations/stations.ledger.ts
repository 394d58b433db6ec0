import type { Readable } from 'node:stream'
import type { Types } from 'mongoose'
import type { z } from 'zod'
import type { AdminPrincipal } from '../../platform/auth.js'
import { mask } from '../../platform/crypto.js'
import { streamWorkbook } from '../../platform/excel.js'
import { findPage } from '../../platform/lists.js'
import { beijingDateTime, beijingEndOf, beijingStartOf, beijingYear, iso } from '../../platform/time.js'
import {
  SLOT_MODE_LABELS,
  STATION_SERVICE_LABELS,
  StationService,
  type StationServiceOutput,
} from './stations.contract.js'
import type {
  CompareQuery,
  LedgerExportQuery,
  LedgerQuery,
  LedgerRowOutput,
  StatFiguresOutput,
  StationCompareOutput,
  StationStatsOutput,
  StatsQuery,
} from './stations.ledger.contract.js'
import { BookingModel, SlotModel, StationModel, type BookingDoc, type StationDoc } from './stations.model.js'
import { ownStation, stationFilter, type StationDeps, type StationsService } from './stations.service.js'

const EXPORT_BATCH = 500
const SUMMARY_CHARS = 100

const summary = (s: string) => {
  const chars = Array.from(s.replace(/\s+/g, ' ').trim())
  return chars.length > SUMMARY_CHARS ? `${chars.slice(0, SUMMARY_CHARS - 1).join('')}…` : chars.join('')
}

/** Who came, as the ledger names them: the enterprise, or the individual masked (张*明). */
function clientOf(b: Pick<BookingDoc, 'bookedAs' | 'enterprise' | 'contact'>) {
  if (b.bookedAs === 'enterprise' && b.enterprise)
    return { client: b.enterprise.name, creditCode: b.enterprise.creditCode }
  return { client: b.contact?.name ? `个人：${mask.publicName(b.contact.name)}` : '个人', creditCode: null }
}

const LEDGER_FIELDS = {
  no: 1,
  stationId: 1,
  startAt: 1,
  mode: 1,
  bookedAs: 1,
  enterprise: 1,
  'contact.name': 1,
  record: 1,
  feedback: 1,
  'letter.issuedAt': 1,
} as const

interface Tally {
  bookings: number
  cancelled: number
  completed: number
  noShows: number
  ratings: number
  ratingSum: number
}
const TALLY = {
  bookings: { $sum: 1 },
  cancelled: { $sum: { $cond: [{ $eq: ['$status', 'cancelled'] }, 1, 0] } },
  completed: { $sum: { $cond: [{ $eq: ['$status', 'completed'] }, 1, 0] } },
  noShows: { $sum: { $cond: [{ $eq: ['$status', 'no_show'] }, 1, 0] } },
  ratings: { $sum: { $cond: [{ $gt: ['$feedback.rating', 0] }, 1, 0] } },
  ratingSum: { $sum: { $ifNull: ['$feedback.rating', 0] } },
}
const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits

/** The figures of a tally: rates over the consultations that were due (bookings less cancellations). */
export function figures(t: Partial<Tally> | undefined): StatFiguresOutput {
  const bookings = t?.bookings ?? 0
  const cancelled = t?.cancelled ?? 0
  const completed = t?.completed ?? 0
  const noShows = t?.noShows ?? 0
  const ratings = t?.ratings ?? 0
  const due = bookings - cancelled
  return {
    bookings,
    cancelled,
    completed,
    noShows,
    completionRate: due > 0 ? round(completed / due) : null,
    noShowRate: due > 0 ? round(noShows / due) : null,
    ratings,
    avgRating: ratings > 0 ? round((t?.ratingSum ?? 0) / ratings, 2) : null,
  }
}

const yearRange = (year: number) => ({
  $gte: beijingStartOf(`${year}-01-01`),
  $lte: beijingEndOf(`${year}-12-31`),
})

/** 服务台账, its export, the statistics and the comparison of stations. */
export class LedgerService {
  constructor(
    readonly d: StationDeps,
    readonly stations: StationsService,
  ) {}

  private async names(ids: Types.ObjectId[]) {
    const docs = await StationModel.find({ _id: { $in: ids } }, { name: 1 }).lean<
      Pick<StationDoc, '_id' | 'name'>[]
    >()
    return new Map(docs.map((s) => [s._id.toHexString(), s.name]))
  }

  private row(b: BookingDoc, stationName: string): LedgerRowOutput {
    return {
      bookingId: b._id.toHexString(),
      no: b.no,
      stationId: b.stationId.toHexString(),
      stationName,
      at: iso(b.startAt),
      ...clientOf(b),
      clientKind: b.bookedAs,
      topic: b.record!.topic,
      topicLabel: STATION_SERVICE_LABELS[b.record!.topic],
      mode: SLOT_MODE_LABELS[b.mode],
      adviceSummary: summary(b.record!.advice),
      followUp: b.record!.followUp ?? '',
      durationMinutes: b.record!.durationMinutes,
      rating: b.feedback?.rating ?? null,
      hasLetter: !!b.letter?.issuedAt,
    }
  }

  private filter(station: Types.ObjectId | null, from?: string, to?: string, topic?: StationServiceOutput) {
    const f: Record<string, unknown> = { status: 'completed' }
    if (station) f.stationId = station
    if (from || to)
      f.startAt = {
        ...(from ? { $gte: beijingStartOf(from) } : {}),
        ...(to ? { $lte: beijingEndOf(to) } : {}),
      }
    if (topic) f['record.topic'] = topic
    return f
  }

  async ledger(viewer: AdminPrincipal, q: z.output<typeof LedgerQuery>) {
    const station = stationFilter(viewer, q.stationId)
    const { docs, ...page } = await findPage<BookingDoc>(
      BookingModel,
      this.filter(station, q.from, q.to, q.topic),
      q,
      { startAt: -1, _id: -1 },
      LEDGER_FIELDS,
    )
    const names = await this.names([...new Set(docs.map((d) => d.stationId))])
    return { ...page, items: docs.map((b) => this.row(b, names.get(b.stationId.toHexString()) ?? '')) }
  }

  /**
   * One station's completed consultations in a period as a streamed workbook (a cursor in batches, each row
   * committed as written): Chinese headers, Beijing times, individuals masked.
   */
  async exportLedger(
    viewer: AdminPrincipal,
    q: z.output<typeof LedgerExportQuery>,
  ): Promise<{ stream: Readable; fileName: string }> {
    const station = await this.stations.visible(viewer, q.stationId)
    const rows = BookingModel.find(this.filter(station._id, q.from, q.to), LEDGER_FIELDS)
      .sort({ startAt: 1, _id: 1 })
      .lean<BookingDoc>()
      .cursor({ batchSize: EXPORT_BATCH })
    const stream = streamWorkbook(
      [
        {
          name: '服务台账',
          columns: [
            { header: '序号', key: 'n', width: 6 },
            { header: '预约号', key: 'no', width: 16 },
            { header: '指导站', key: 'station', width: 28 },
            { header: '服务时间', key: 'at', width: 18 },
            { header: '服务对象', key: 'client', width: 30 },
            { header: '统一社会信用代码', key: 'creditCode', width: 22 },
            { header: '服务事项', key: 'topic', width: 16 },
            { header: '服务方式', key: 'mode', width: 10 },
            { header: '咨询意见摘要', key: 'advice', width: 50 },
            { header: '后续跟进', key: 'followUp', width: 30 },
            { header: '服务时长（分钟）', key: 'duration', width: 14 },
            { header: '满意度评分', key: 'rating', width: 10 },
            { header: '服务建议书', key: 'letter', width: 10 },
          ],
          rows,
          row: (b: BookingDoc, i: number) => {
            const r = this.row(b, station.name)
            return {
              n: i + 1,
              no: r.no,
              station: r.stationName,
              at: beijingDateTime(b.startAt),
              client: r.client,
              creditCode: r.creditCode ?? '',
              topic: r.topicLabel,
              mode: r.mode,
              advice: r.adviceSummary,
              followUp: r.followUp,
              duration: r.durationMinutes,
              rating: r.rating ?? '',
              letter: r.hasLetter ? '已出具' : '',
            }
          },
        },
      ],
      { log: this.d.log, what: 'ledger' },
    )
    return {
      stream,
      fileName: `服务台账-${station.name}-${q.from.replaceAll('-', '')}-${q.to.replaceAll('-', '')}.xlsx`,
    }
  }

  /** A year (Beijing) of bookings counted by the slots' month and the service asked for; one aggregation. */
  async stats(viewer: AdminPrincipal, q: z.output<typeof StatsQuery>): Promise<StationStatsOutput> {
    const station = stationFilter(viewer, q.stationId)
    if (station) await this.stations.visible(viewer, station)
    const year = q.year ?? beijingYear(this.d.clock.now())
    const match: Record<string, unknown> = { startAt: yearRange(year) }
    if (station) match.stationId = station
    type Row<K> = Tally & { _id: K }
    const [facets] = await BookingModel.aggregate<{
      totals: Row<null>[]
      byMonth: Row<number>[]
      byService: Row<StationServiceOutput>[]
    }>([
      { $match: match },
      { $project: { status: 1, topic: 1, startAt: 1, 'feedback.rating': 1 } },
      {
        $facet: {
          totals: [{ $group: { _id: null, ...TALLY } }],
          byMonth: [{ $group: { _id: { $month: { date: '$startAt', timezone: '+08:00' } }, ...TALLY } }],
          byService: [{ $group: { _id: '$topic', ...TALLY } }],
        },
      },
    ])
    const slotMatch: Record<string, unknown> = { startAt: yearRange(year), status: 'open' }
    if (station) slotMatch.stationId = station
    const [slots] = await SlotModel.aggregate<{ published: number; seats: number; taken: number }>([
      { $match: slotMatch },
      {
        $group: {
          _id: null,
          published: { $sum: 1 },
          seats: { $sum: '$capacity' },
          taken: { $sum: { $subtract: ['$capacity', '$seatsLeft'] } },
        },
      },
    ])
    const months = new Map(facets!.byMonth.map((r) => [r._id, r]))
    const services = new Map(facets!.byService.map((r) => [r._id, r]))
    return {
      year,
      stationId: station ? station.toHexString() : null,
      totals: figures(facets!.totals[0]),
      byMonth: Array.from({ length: 12 }, (_, i) => ({ month: i + 1, ...figures(months.get(i + 1)) })),
      byService: StationService.options.map((s) => ({
        service: s,
        label: STATION_SERVICE_LABELS[s],
        ...figures(services.get(s)),
      })),
      slots: { published: slots?.published ?? 0, seats: slots?.seats ?? 0, taken: slots?.taken ?? 0 },
    }
  }

  /** Stations side by side for a year: the bureau sees every one, station staff their own. */
  async compare(viewer: AdminPrincipal, q: z.output<typeof CompareQuery>): Promise<StationCompareOutput> {
    const year = q.year ?? beijingYear(this.d.clock.now())
    const stationQuery: Record<string, unknown> = {}
    const own = ownStation(viewer)
    if (own) stationQuery._id = own
    if (q.type) stationQuery.type = q.type
    const list = await StationModel.find(stationQuery, { name: 1, type: 1, regionCode: 1 })
      .sort({ regionCode: 1, name: 1 })
      .lean<Pick<StationDoc, '_id' | 'name' | 'type' | 'regionCode'>[]>()
    const ids = list.map((s) => s._id)
    const [tallies, slots] = await Promise.all([
      BookingModel.aggregate<Tally & { _id: Types.ObjectId }>([
        { $match: { stationId: { $in: ids }, startAt: yearRange(year) } },
        { $group: { _id: '$stationId', ...TALLY } },
      ]),
      SlotModel.aggregate<{ _id: Types.ObjectId; seats: number; taken: number }>([
        { $match: { stationId: { $in: ids }, startAt: yearRange(year), status: 'open' } },
        {
          $group: {
            _id: '$stationId',
            seats: { $sum: '$capacity' },
            taken: { $sum: { $subtract: ['$capacity', '$seatsLeft'] } },
          },
        },
      ]),
    ])
    const t = new Map(tallies.map((r) => [r._id.toHexString(), r]))
    const sl = new Map(slots.map((r) => [r._id.toHexString(), r]))
    return {
      year,
      items: list.map((s) => {
        const seats = sl.get(s._id.toHexString())
        return {
          stationId: s._id.toHexString(),
          name: s.name,
          type: s.type,
          regionCode: s.regionCode,
          ...figures(t.get(s._id.toHexString())),
          seats: seats?.seats ?? 0,
          fillRate: seats?.seats ? round(seats.taken / seats.seats) : null,
        }
      }),
    }
  }
}
