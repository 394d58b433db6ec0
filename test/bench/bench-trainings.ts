/**
 * `pnpm bench:trainings` (not a test): registration under load, with the embedded MongoDB and the api each
 * in their own process as in production, and certificate rendering.
 *
 * 1. 2,000 registrations fired at once over HTTP, by 2,000 people, for a 200-seat training: exactly 200
 *    registered and 1,800 waitlisted at positions 1..1,800, with the throughput and the p50/p99 latency.
 * 2. 参训证明 PDFs (Chinese text in the embedded Noto Sans SC subset, a QR code) rendered in this process
 *    one after another: certificates per second and the size of one.
 *
 * People and the training are written straight into the database; the registrations go through the api.
 */
import { randomBytes } from 'node:crypto'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import mongoose, { Types } from 'mongoose'
import { MpUserModel } from '@zct/api/internal/modules/mp-accounts/mp-accounts.model'
import {
  renderCertificate,
  certificateFonts,
} from '@zct/api/internal/modules/trainings/trainings.certificates'
import { RegistrationModel, TrainingModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { loadConfig } from '@zct/api/internal/platform/config'
import { connectMongo } from '@zct/api/internal/platform/db'
import { JwtService } from '@zct/api/internal/platform/jwt'
import { createLogger } from '@zct/api/internal/platform/logger'
import { pct, redisUrl, row, startApi, startMongo, stopAll } from './processes.js'

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 2000)
const SEATS = Number(process.env.BENCH_SEATS ?? 200)
const PDFS = Number(process.env.BENCH_PDFS ?? 50)
const HOUR = 3_600_000
const DAY = 86_400_000

function training(title: string, capacity: number) {
  const start = new Date(Math.ceil((Date.now() + 10 * DAY) / HOUR) * HOUR)
  return TrainingModel.create({
    title,
    body: '<p>压测</p>',
    sessions: [{ startAt: start, endAt: new Date(start.getTime() + 3 * HOUR), venue: '报告厅', hours: 3 }],
    firstStartAt: start,
    lastEndAt: new Date(start.getTime() + 3 * HOUR),
    capacity,
    seatsLeft: capacity,
    audience: 'both',
    registrationOpensAt: new Date(Date.now() - HOUR),
    registrationClosesAt: new Date(start.getTime() - DAY),
    status: 'published',
    publishedAt: new Date(),
  })
}

async function main() {
  const mongo = await startMongo()
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    MONGODB_URI: `${mongo}/bench_trainings`,
    REDIS_URL: await redisUrl('bench:trainings'),
    REDIS_PREFIX: `bench:${randomBytes(3).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATA_KEY: randomBytes(32).toString('base64'),
    DATA_HASH_KEY: randomBytes(32).toString('base64'),
    STORAGE_DIR: path.join(tmpdir(), `bench-trainings-${randomBytes(3).toString('hex')}`),
  }
  const { url: api } = await startApi(env)
  const config = loadConfig(env)
  await connectMongo(config.mongo.uri, createLogger('warn'))
  await Promise.all([TrainingModel.init(), RegistrationModel.init()])
  const jwt = new JwtService(config.jwt.secret, config.jwt.issuer, config.jwt.accessTtl)
  const people = Array.from({ length: PEOPLE + 1 }, () => ({
    _id: new Types.ObjectId(),
    openid: `o${randomBytes(12).toString('base64url')}`,
    tokenVersion: 0,
  }))
  await MpUserModel.insertMany(people)
  const tokens = people.map((p) => jwt.sign(p._id.toHexString(), 'mp', 0).token)
  const body = JSON.stringify({ name: '压测用户', phone: '13800138000' })
  const registerAt = (id: Types.ObjectId, token: string) =>
    fetch(`${api}/mp/v1/trainings/${id.toHexString()}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    })

  // Warm the api's paths on a training of its own, so the burst does not pay for the first compile.
  const warm = await training('预热培训', 1)
  await registerAt(warm._id, tokens[PEOPLE]!)

  // ── 1. the burst ──
  const t = await training('压测培训（报名）', SEATS)
  console.log(`\n${PEOPLE.toLocaleString('en')} people register for a ${SEATS}-seat training at once …`)
  const latencies: number[] = []
  const answers = new Map<string, number>()
  const t0 = performance.now()
  await Promise.all(
    tokens.slice(0, PEOPLE).map(async (token) => {
      const start = performance.now()
      const res = await registerAt(t._id, token)
      const b = (await res.json()) as { status?: string; error?: { code: string } }
      latencies.push(performance.now() - start)
      const key = res.status === 201 ? b.status! : (b.error?.code ?? String(res.status))
      answers.set(key, (answers.get(key) ?? 0) + 1)
    }),
  )
  const wall = (performance.now() - t0) / 1000
  const regs = await RegistrationModel.find({ trainingId: t._id }, { status: 1, position: 1 }).lean()
  const registered = regs.filter((r) => r.status === 'registered').length
  const positions = regs
    .filter((r) => r.status === 'waitlisted')
    .map((r) => r.position ?? 0)
    .sort((a, b) => a - b)
  const contiguous = positions.every((p, i) => p === i + 1)
  const after = await TrainingModel.findById(t._id, { seatsLeft: 1, holders: 1 }).lean()
  row('answers', [...answers].map(([c, n]) => `${c} ${n}`).join(', '))
  row('registered (database)', String(registered), `= ${SEATS}`, registered === SEATS)
  row(
    'waitlisted, positions 1..n without gaps or repeats',
    `${positions.length}${contiguous ? ', contiguous' : ', GAPS'}`,
    `= ${PEOPLE - SEATS}`,
    positions.length === PEOPLE - SEATS && contiguous,
  )
  row('seats left / holders', `${after!.seatsLeft} / ${after!.holders.length}`, `0 / ${SEATS}`)
  row(`throughput (${PEOPLE} registrations in ${wall.toFixed(2)} s)`, `${Math.round(PEOPLE / wall)} /s`)
  row('latency p50', `${pct(latencies, 50).toFixed(1)} ms`)
  row('latency p99', `${pct(latencies, 99).toFixed(1)} ms`)

  // ── 2. certificates ──
  console.log(`\n${PDFS} 参训证明 PDFs rendered one after another …`)
  const f0 = performance.now()
  certificateFonts()
  const fontLoad = performance.now() - f0
  const content = (i: number) => ({
    name: '陈思远',
    training: '商标品牌培育与地理标志运用实务培训',
    organiser: '韶关市市场监督管理局（知识产权局）',
    from: '2026-12-10',
    to: '2026-12-11',
    hours: 5,
    code: `BENCH${String(i).padStart(7, '0')}`,
    verifyUrl: `https://zct.example.cn/mp/v1/certificates/BENCH${String(i).padStart(7, '0')}`,
  })
  await renderCertificate(content(0))
  const each: number[] = []
  let size = 0
  const p0 = performance.now()
  for (let i = 1; i <= PDFS; i++) {
    const s = performance.now()
    size = (await renderCertificate(content(i))).length
    each.push(performance.now() - s)
  }
  const pdfWall = (performance.now() - p0) / 1000
  row('font files read once (2 × ≈10 MB TTF)', `${fontLoad.toFixed(0)} ms`)
  row('certificates per second', `${(PDFS / pdfWall).toFixed(1)} /s`)
  row('one certificate p50 / p99', `${pct(each, 50).toFixed(0)} / ${pct(each, 99).toFixed(0)} ms`)
  row('size of one (font subset embedded)', `${(size / 1024).toFixed(0)} KB`)
  row('machine load (1-minute average) / cores', `${loadavg()[0]!.toFixed(1)} / ${availableParallelism()}`)
  if (registered !== SEATS || !contiguous || positions.length !== PEOPLE - SEATS) process.exitCode = 1
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
