/**
 * `pnpm bench:bookings` (not a test): booking under load, with the embedded MongoDB and the api each in
 * their own process as in production.
 *
 * 1. 1,000 booking attempts fired at once over HTTP, by 1,000 people, spread over 100 capacity-1 slots:
 *    exactly 100 bookings must result (every slot full, none over), with the throughput and the p50/p99
 *    latency of the attempts.
 * 2. A station's month of availability (≈ 600 slots: 20 a day for 30 days) read by the mini-program's
 *    `GET /mp/v1/stations/:id/slots?from=&to=`, p95 of 200 reads ≤ 20 ms.
 *
 * People, the station and its slots are written straight into the database; the bookings and reads go
 * through the api. Figures are printed beside their goals.
 */
import { randomBytes } from 'node:crypto'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import mongoose, { Types } from 'mongoose'
import { MpUserModel } from '@zct/api/internal/modules/mp-accounts/mp-accounts.model'
import { BookingModel, SlotModel, StationModel } from '@zct/api/internal/modules/stations/stations.model'
import { loadConfig } from '@zct/api/internal/platform/config'
import { connectMongo } from '@zct/api/internal/platform/db'
import { JwtService } from '@zct/api/internal/platform/jwt'
import { createLogger } from '@zct/api/internal/platform/logger'
import { pct, redisUrl, row, startApi, startMongo, stopAll } from './processes.js'

const ATTEMPTS = Number(process.env.BENCH_ATTEMPTS ?? 1000)
const SLOTS = Number(process.env.BENCH_SLOTS ?? 100)
const MONTH_READS = Number(process.env.BENCH_READS ?? 200)
const MINUTE = 60_000
const DAY = 86_400_000

async function station(name: string) {
  return StationModel.create({
    name,
    type: 'brand',
    regionCode: '440203',
    address: '韶关市武江区',
    services: ['registration', 'geo_indication'],
    requiresConfirmation: false,
    cancelCutoffMinutes: 120,
    active: true,
  })
}

function slot(stationId: Types.ObjectId, startAt: Date, capacity: number, batchId: Types.ObjectId) {
  return {
    _id: new Types.ObjectId(),
    stationId,
    startAt,
    endAt: new Date(startAt.getTime() + 30 * MINUTE),
    mode: 'onsite',
    services: ['registration', 'geo_indication'],
    capacity,
    seatsLeft: capacity,
    holders: [],
    status: 'open',
    closeReason: null,
    batchId,
  }
}

async function main() {
  const mongo = await startMongo()
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    MONGODB_URI: `${mongo}/bench_bookings`,
    REDIS_URL: await redisUrl('bench:bookings'),
    REDIS_PREFIX: `bench:${randomBytes(3).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATA_KEY: randomBytes(32).toString('base64'),
    DATA_HASH_KEY: randomBytes(32).toString('base64'),
    STORAGE_DIR: path.join(tmpdir(), `bench-bookings-${randomBytes(3).toString('hex')}`),
  }
  const { url: api } = await startApi(env)
  const config = loadConfig(env)
  await connectMongo(config.mongo.uri, createLogger('warn'))
  await Promise.all([SlotModel.init(), BookingModel.init(), StationModel.init()])
  const jwt = new JwtService(config.jwt.secret, config.jwt.issuer, config.jwt.accessTtl)

  // ── 1. 1,000 attempts on 100 capacity-1 slots ──
  const rush = await station('压测指导站（抢约）')
  const batch = new Types.ObjectId()
  const first = Math.ceil((Date.now() + DAY) / (30 * MINUTE)) * 30 * MINUTE
  const slots = Array.from({ length: SLOTS }, (_, i) =>
    slot(rush._id, new Date(first + i * 30 * MINUTE), 1, batch),
  )
  await SlotModel.insertMany(slots)
  const people = Array.from({ length: ATTEMPTS }, () => ({
    _id: new Types.ObjectId(),
    openid: `o${randomBytes(12).toString('base64url')}`,
    tokenVersion: 0,
  }))
  await MpUserModel.insertMany(people)
  const tokens = people.map((p) => jwt.sign(p._id.toHexString(), 'mp', 0).token)
  // Warm the api's paths (one booking on a slot of its own) so the first attempts do not pay for it.
  const warm = slot(rush._id, new Date(first - DAY / 2), 1, batch)
  await SlotModel.create(warm)
  const [warmer] = await MpUserModel.insertMany([
    { openid: `o${randomBytes(12).toString('base64url')}`, tokenVersion: 0 },
  ])
  await fetch(`${api}/mp/v1/bookings`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${jwt.sign(warmer!._id.toHexString(), 'mp', 0).token}`,
    },
    body: JSON.stringify({ slotId: warm._id.toHexString(), topic: 'registration' }),
  })

  console.log(`\n${ATTEMPTS.toLocaleString('en')} people book ${SLOTS} capacity-1 slots at once …`)
  const latencies: number[] = []
  const codes = new Map<string, number>()
  const t0 = performance.now()
  // BENCH_IN_FLIGHT caps the attempts under way at once (default: all of them at once).
  const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? ATTEMPTS)
  let next = 0
  const attempt = async (token: string, i: number) => {
    const s = slots[i % SLOTS]!
    const start = performance.now()
    const res = await fetch(`${api}/mp/v1/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ slotId: s._id.toHexString(), topic: 'registration' }),
    })
    const body = (await res.json()) as { error?: { code: string } }
    latencies.push(performance.now() - start)
    const code = res.status === 201 ? 'booked' : (body.error?.code ?? String(res.status))
    codes.set(code, (codes.get(code) ?? 0) + 1)
  }
  await Promise.all(
    Array.from({ length: Math.min(inFlight, ATTEMPTS) }, async () => {
      for (let i = next++; i < ATTEMPTS; i = next++) await attempt(tokens[i]!, i)
    }),
  )
  const wall = (performance.now() - t0) / 1000
  const made = await BookingModel.countDocuments({ slotId: { $in: slots.map((s) => s._id) } })
  const after = await SlotModel.find(
    { _id: { $in: slots.map((s) => s._id) } },
    { seatsLeft: 1, holders: 1 },
  ).lean()
  const overfilled = after.filter((s) => s.seatsLeft < 0 || s.holders.length > 1).length
  const full = after.filter((s) => s.seatsLeft === 0 && s.holders.length === 1).length
  row('answers', [...codes].map(([c, n]) => `${c} ${n}`).join(', '))
  row(`bookings made (database)`, String(made), `= ${SLOTS}`, made === SLOTS)
  row(
    `slots full with exactly one holder / overfilled`,
    `${full} / ${overfilled}`,
    `${SLOTS} / 0`,
    full === SLOTS && overfilled === 0,
  )
  row(`throughput (${ATTEMPTS} attempts in ${wall.toFixed(2)} s)`, `${Math.round(ATTEMPTS / wall)} /s`)
  row('latency p50', `${pct(latencies, 50).toFixed(1)} ms`)
  row('latency p99', `${pct(latencies, 99).toFixed(1)} ms`)

  // ── 2. a station's month of availability ──
  const busy = await station('压测指导站（月历）')
  const monthStart = Math.ceil((Date.now() + DAY) / DAY) * DAY + 1 * 3600_000 // 09:00 Beijing
  const month = []
  for (let d = 0; d < 30; d++)
    for (let k = 0; k < 20; k++)
      month.push(slot(busy._id, new Date(monthStart + d * DAY + k * 20 * MINUTE), 3, batch))
  // A few months on either side, as a station's calendar holds over a year.
  for (let d = -60; d < 120; d++)
    if (d < 0 || d >= 30)
      for (let k = 0; k < 10; k++)
        month.push(slot(busy._id, new Date(monthStart + d * DAY + k * 40 * MINUTE), 3, batch))
  await SlotModel.insertMany(month, { ordered: false })
  const [reader] = await MpUserModel.insertMany([
    { openid: `o${randomBytes(12).toString('base64url')}`, tokenVersion: 0 },
  ])
  const readerToken = jwt.sign(reader!._id.toHexString(), 'mp', 0).token
  const from = new Date(monthStart - 3600_000).toISOString()
  const to = new Date(monthStart - 3600_000 + 30 * DAY).toISOString()
  const url = `${api}/mp/v1/stations/${busy._id.toHexString()}/slots?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`
  const read = async () => {
    const start = performance.now()
    const res = await fetch(url, { headers: { authorization: `Bearer ${readerToken}` } })
    const body = (await res.json()) as { items: unknown[] }
    return { ms: performance.now() - start, n: body.items.length }
  }
  // Warm up: the api's and the database's code paths compiled, as in a running service.
  for (let i = 0; i < 100; i++) await read()
  const reads: number[] = []
  let n = 0
  for (let i = 0; i < MONTH_READS; i++) {
    const r = await read()
    reads.push(r.ms)
    n = r.n
  }
  console.log(
    `\na station's month read ${MONTH_READS} times (${month.length.toLocaleString('en')} slots in its calendar) …`,
  )
  row(`slots in the month`, String(n), '≈ 600', n >= 580 && n <= 620)
  row('month of availability p50', `${pct(reads, 50).toFixed(1)} ms`)
  row('month of availability p95', `${pct(reads, 95).toFixed(1)} ms`, '≤ 20 ms', pct(reads, 95) <= 20)
  // Timings depend on what else the machine runs: its load beside its cores says how far to trust them.
  row('machine load (1-minute average) / cores', `${loadavg()[0]!.toFixed(1)} / ${availableParallelism()}`)
  if (made !== SLOTS || overfilled) process.exitCode = 1
  await mongoose.disconnect()
}

main()
  .catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(() => {
    stopAll()
  })
