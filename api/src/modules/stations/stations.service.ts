import { Types } from 'mongoose'
import type { z } from 'zod'
import type { AdminPrincipal } from '../../platform/auth.js'
import type { PersonalDataCipher } from '../../platform/crypto.js'
import { escapeRegex } from '../../platform/lists.js'
import type { Logger } from '../../platform/logger.js'
import type { FilesService } from '../files/files.service.js'
import type { NotificationService } from '../notifications/notifications.service.js'
import {
  BOOKING_RULES_DEFAULTS,
  type BookingRulesOutput,
  type MpStationQuery,
  type StationInputOutput,
  type StationListQuery,
} from './stations.contract.js'
import { stationErrors } from './stations.errors.js'
import {
  BookingRulesModel,
  SlotModel,
  StationModel,
  type SlotDoc,
  type StationDoc,
} from './stations.model.js'
import { presentMpStation, presentStation } from './stations.presenter.js'

/**
 * The time every rule of this domain reads (starts, cut-offs, credit recovery, the rating window). Real
 * time by default; a test moves it to watch a credit score fall and recover without waiting days.
 */
export class Clock {
  private offsetMs = 0
  now(): Date {
    return new Date(Date.now() + this.offsetMs)
  }
  /** From now on, `now()` reads `at` and runs on from there. */
  set(at: Date) {
    this.offsetMs = at.getTime() - Date.now()
  }
  advance(ms: number) {
    this.offsetMs += ms
  }
  reset() {
    this.offsetMs = 0
  }
}

/** What every part of the stations domain works with; built once per process by stations.module.ts. */
export interface StationDeps {
  clock: Clock
  cipher: PersonalDataCipher
  notifications: Pick<
    NotificationService,
    'notify' | 'scheduleReminder' | 'cancelReminder' | 'registerSubject'
  >
  files: Pick<FilesService, 'openChecked'>
  log: Logger
}

const RULES_TTL_MS = 5_000

export type Id = string | Types.ObjectId
export const oid = (id: Id) => (typeof id === 'string' ? new Types.ObjectId(id) : id)

/**
 * The station a console user is tied to: station staff act on theirs only, the bureau (no station) on every
 * one. Everything another station holds answers 404 to station staff, as if it did not exist.
 */
export const ownStation = (viewer: AdminPrincipal): Types.ObjectId | null =>
  viewer.stationId ? new Types.ObjectId(viewer.stationId) : null

/** Whether a console user may see a station's records. */
export const sees = (viewer: AdminPrincipal, stationId: Id) =>
  !viewer.stationId || viewer.stationId === String(stationId)

/** The station filter of a console list: the requested station (404 outside the viewer's), or the viewer's. */
export function stationFilter(viewer: AdminPrincipal, requested?: string): Types.ObjectId | null {
  if (requested && !sees(viewer, requested)) throw stationErrors.notFound()
  return requested ? new Types.ObjectId(requested) : ownStation(viewer)
}

/** Stations and the bureau-wide booking rules. */
export class StationsService {
  constructor(readonly d: StationDeps) {}

  // ── the console ─────────────────────────────────────────────────────────────────────────────────

  async list(viewer: AdminPrincipal, q: z.output<typeof StationListQuery>) {
    const filter: Record<string, unknown> = {}
    const own = ownStation(viewer)
    if (own) filter._id = own
    if (q.regionCode) filter.regionCode = q.regionCode
    if (q.type) filter.type = q.type
    if (q.service) filter.services = q.service
    if (q.q) filter.name = { $regex: escapeRegex(q.q) }
    const docs = await StationModel.find(filter, { publishLock: 0 })
      .sort({ name: 1 })
      .limit(500)
      .lean<StationDoc[]>()
    return { items: docs.map(presentStation) }
  }

  /** A station the viewer may see (404 otherwise, and for another station's staff). */
  async visible(viewer: AdminPrincipal, id: Id): Promise<StationDoc> {
    if (!sees(viewer, id)) throw stationErrors.notFound()
    const s = await StationModel.findById(id, { publishLock: 0 }).lean<StationDoc>()
    if (!s) throw stationErrors.notFound()
    return s
  }

  async get(viewer: AdminPrincipal, id: string) {
    return presentStation(await this.visible(viewer, id))
  }

  async create(viewer: AdminPrincipal, input: StationInputOutput) {
    if (viewer.stationId) throw stationErrors.bureauOnly('新增指导站')
    const doc = await StationModel.create({ ...input, publishLock: null })
    return presentStation(doc.toObject<StationDoc>())
  }

  /** The bureau edits a station; bookings already made keep their cut-off as the station now says. */
  async update(viewer: AdminPrincipal, id: string, input: StationInputOutput) {
    await this.visible(viewer, id)
    if (viewer.stationId) throw stationErrors.bureauOnly('指导站信息')
    const s = await StationModel.findByIdAndUpdate(
      id,
      { $set: input },
      { new: true, projection: { publishLock: 0 } },
    ).lean<StationDoc>()
    if (!s) throw stationErrors.notFound()
    return presentStation(s)
  }

  // ── the mini-program ────────────────────────────────────────────────────────────────────────────

  /** Active stations by district (a city code takes its districts) and service, each with its next free seat. */
  async mpList(q: z.output<typeof MpStationQuery>) {
    const filter: Record<string, unknown> = { active: true }
    if (q.regionCode) filter.regionCode = regionMatch(q.regionCode)
    if (q.service) filter.services = q.service
    const docs = await StationModel.find(filter, { publishLock: 0 })
      .sort({ regionCode: 1, name: 1 })
      .limit(500)
      .lean<StationDoc[]>()
    const next = await this.nextAvailable(docs.map((s) => s._id))
    return { items: docs.map((s) => presentMpStation(s, next.get(s._id.toHexString()) ?? null)) }
  }

  async mpGet(id: string) {
    const s = await StationModel.findOne({ _id: id, active: true }, { publishLock: 0 }).lean<StationDoc>()
    if (!s) throw stationErrors.notFound()
    const next = await this.nextAvailable([s._id])
    return presentMpStation(s, next.get(s._id.toHexString()) ?? null)
  }

  /** Each station's first open slot with a free seat in the next 60 days. */
  private async nextAvailable(ids: Types.ObjectId[]) {
    if (!ids.length) return new Map<string, Date>()
    const now = this.d.clock.now()
    const rows = await SlotModel.aggregate<{ _id: Types.ObjectId; at: Date }>([
      {
        $match: {
          stationId: { $in: ids },
          startAt: { $gt: now, $lt: new Date(now.getTime() + 60 * 86_400_000) },
          status: 'open',
          seatsLeft: { $gt: 0 },
        },
      },
      { $group: { _id: '$stationId', at: { $min: '$startAt' } } },
    ])
    return new Map(rows.map((r) => [r._id.toHexString(), r.at]))
  }

  /** A station that takes bookings: active (404 for the mini-program otherwise). */
  async bookable(id: Id): Promise<StationDoc> {
    const s = await StationModel.findById(id, { publishLock: 0 }).lean<StationDoc>()
    if (!s) throw stationErrors.notFound()
    return s
  }

  // ── bureau-wide rules ───────────────────────────────────────────────────────────────────────────

  /** Read on every booking: kept for a few seconds (a change reaches other processes within RULES_TTL_MS). */
  private cachedRules: { value: BookingRulesOutput; until: number } | null = null

  async rules(): Promise<BookingRulesOutput> {
    if (this.cachedRules && this.cachedRules.until > Date.now()) return this.cachedRules.value
    const r = await BookingRulesModel.findById('booking').lean<BookingRulesOutput>()
    const value = {
      maxUpcoming: r?.maxUpcoming ?? BOOKING_RULES_DEFAULTS.maxUpcoming,
      feedbackDays: r?.feedbackDays ?? BOOKING_RULES_DEFAULTS.feedbackDays,
    }
    this.cachedRules = { value, until: Date.now() + RULES_TTL_MS }
    return value
  }

  async saveRules(viewer: AdminPrincipal, input: BookingRulesOutput) {
    if (viewer.stationId) throw stationErrors.bureauOnly('预约规则')
    await BookingRulesModel.updateOne({ _id: 'booking' }, { $set: input }, { upsert: true })
    this.cachedRules = null
    return this.rules()
  }
}

/** 440200 (a city) matches its districts 4402xx; 440203 matches itself; 440000 the province. */
export function regionMatch(code: string) {
  if (code.endsWith('0000')) return { $regex: `^${code.slice(0, 2)}` }
  if (code.endsWith('00')) return { $regex: `^${code.slice(0, 4)}` }
  return code
}

export type { SlotDoc }
