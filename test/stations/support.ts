import { Types } from 'mongoose'
import { afterAll, beforeAll, expect } from 'vitest'
import { startWorker } from '@zct/jobs/worker'
import { createLogger } from '@zct/api/internal/platform/logger'
import {
  StationsEndpoints as E,
  type BookingCreateInput,
  type SlotPublishInput,
  type StationInputInput,
} from '@zct/api/contracts/stations/stations'
import { MpUserModel } from '@zct/api/internal/modules/mp-accounts/mp-accounts.model'
import { BookingModel, SlotModel } from '@zct/api/internal/modules/stations/stations.model'
import { expectOk } from '../support/api.js'
import { buildAdmin, type AdminSession } from '../support/factories.js'
import { uniqueOpenid, type World } from '../support/world.js'

/** A worker process's tasks beside the test's api (notifications, reminders, sweeps). */
export function stationsWorker(w: World) {
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined
  beforeAll(async () => {
    worker = await startWorker({ config: w.api.config, log: createLogger('silent'), connect: false })
  })
  afterAll(async () => {
    await worker?.close()
  })
}

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

/** The api's stations clock: what every rule of the domain reads. */
export const clockOf = (w: World) => w.api.platform.services.stations.clock

/** An instant `ms` after the domain's now, on a whole minute. */
export function later(w: World, ms: number) {
  const t = clockOf(w).now().getTime() + ms
  return new Date(Math.ceil(t / MINUTE) * MINUTE)
}

/** The bureau: station.manage without a station of its own. */
export const buildBureau = (w: World) => buildAdmin(w.api, { roles: ['station_staff'] })
/** Staff of one station. */
export const buildStaff = (w: World, stationId: string) =>
  buildAdmin(w.api, { roles: ['station_staff'], stationId })

let stationSeq = 0
export function stationBody(overrides: Partial<StationInputInput> = {}): StationInputInput {
  return {
    name: `韶关市商标品牌培育指导站${++stationSeq}-${new Types.ObjectId().toHexString().slice(-4)}`,
    type: 'brand',
    regionCode: '440203',
    address: '韶关市武江区工业西路 1 号',
    services: ['registration', 'geo_indication', 'well_known', 'use_management', 'enforcement'],
    requiresConfirmation: false,
    cancelCutoffMinutes: 120,
    ...overrides,
  }
}

/** A station made by the bureau, and one of its staff. */
export async function buildStation(
  w: World,
  bureau: AdminSession,
  overrides: Partial<StationInputInput> = {},
) {
  const res = await w.api.request(E.createStation, { token: bureau.token, body: stationBody(overrides) })
  expectOk(res, 201)
  const staff = await buildStaff(w, res.body.id)
  return { station: res.body, staff }
}

export async function publish(w: World, who: AdminSession, stationId: string, body: SlotPublishInput) {
  const res = await w.api.request(E.publishSlots, { token: who.token, params: { id: stationId }, body })
  expectOk(res, 201)
  return res.body.items
}

/** One slot `inMs` from the domain's now, of `minutes`, for the given capacity. */
export async function slotIn(
  w: World,
  who: AdminSession,
  stationId: string,
  inMs: number,
  opts: { capacity?: number; minutes?: number; services?: SlotPublishInput['services'] } = {},
) {
  const startAt = later(w, inMs)
  const [slot] = await publish(w, who, stationId, {
    startAt: startAt.toISOString(),
    endAt: new Date(startAt.getTime() + (opts.minutes ?? 30) * MINUTE).toISOString(),
    capacity: opts.capacity ?? 1,
    mode: 'onsite',
    services: opts.services ?? ['registration', 'geo_indication', 'enforcement'],
  })
  return slot!
}

export interface FastUser {
  id: string
  token: string
}

/** Mini-program users made directly in the database with signed tokens: many at once, no WeChat round trip. */
export async function fastMpUsers(w: World, n: number): Promise<FastUser[]> {
  const docs = Array.from({ length: n }, () => ({
    _id: new Types.ObjectId(),
    openid: uniqueOpenid(),
    tokenVersion: 0,
  }))
  await MpUserModel.insertMany(docs)
  return docs.map((d) => ({
    id: d._id.toHexString(),
    token: w.api.platform.jwt.sign(d._id.toHexString(), 'mp', 0).token,
  }))
}

export function book(w: World, user: { token: string }, body: BookingCreateInput) {
  return w.api.request(E.book, { token: user.token, body })
}

export async function booked(w: World, user: { token: string }, body: BookingCreateInput) {
  const res = await book(w, user, body)
  expectOk(res, 201)
  return res.body
}

/**
 * The seat invariants of a slot, straight from the database: `seatsLeft + holders = capacity`, the holders
 * are exactly its bookings that are not cancelled, and never more than the capacity hold a seat.
 */
export async function expectSeatsConsistent(slotId: string) {
  const slot = await SlotModel.findById(slotId).lean()
  const bookings = await BookingModel.find({ slotId: new Types.ObjectId(slotId) }, { status: 1 }).lean()
  const holding = bookings
    .filter((b) => b.status !== 'cancelled')
    .map((b) => String(b._id))
    .sort()
  expect(slot!.seatsLeft).toBeGreaterThanOrEqual(0)
  expect(slot!.seatsLeft + slot!.holders.length).toBe(slot!.capacity)
  expect(slot!.holders.map(String).sort()).toEqual(holding)
  expect(holding.length).toBeLessThanOrEqual(slot!.capacity)
  return { slot: slot!, holding: holding.length }
}
