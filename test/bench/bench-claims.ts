/**
 * `pnpm bench:claims` (not a test): the console's claims page over 100,000 claims and the streamed Excel
 * export of 10,000, with every part a separate process as in production (embedded MongoDB, the api). The
 * claims are written straight into the database in batches, spread over five budget years, twelve
 * statuses, both types and Shaoguan's districts as a bureau's would be; the page is then asked for over HTTP
 * under several filter and sort combinations (p50/p95 of each), and one year's 10,000 claims are exported
 * while the api's resident memory is read from /proc. Figures are printed beside their goals.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ExcelJS from 'exceljs'
import mongoose, { Types } from 'mongoose'
import type { ClaimStatusOutput, ClaimTypeOutput } from '@zct/api/contracts/claims/claims'
import { ClaimModel, ClaimPolicyModel, type PolicyDoc } from '@zct/api/internal/modules/claims/claims.model'
import { buildServices } from '@zct/api/internal/modules/index'
import { loadConfig } from '@zct/api/internal/platform/config'
import { mask, type PersonalDataCipher } from '@zct/api/internal/platform/crypto'
import { connectMongo } from '@zct/api/internal/platform/db'
import { createLogger } from '@zct/api/internal/platform/logger'
import { createRedis } from '@zct/api/internal/platform/redis'
import { beijingYear } from '@zct/api/internal/platform/time'
import { memoryOf, pct, redisUrl, resetPeak, row, startApi, startMongo, stopAll } from './processes.js'

const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 100_000)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60)
// ── the claims a bureau would hold ───────────────────────────────────────────────────────────────────

/** Deterministic pseudo-random numbers, so two runs measure the same data. */
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}
function weighted<T>(r: number, table: [T, number][]): T {
  const total = table.reduce((a, [, w]) => a + w, 0)
  let x = r * total
  for (const [v, w] of table) if ((x -= w) < 0) return v
  return table[table.length - 1]![0]
}

const DISTRICTS: [string, number][] = [
  ['440203', 22], // 武江区
  ['440204', 26], // 浈江区
  ['440205', 12], // 曲江区
  ['440222', 5], // 始兴县
  ['440224', 6], // 仁化县
  ['440229', 6], // 翁源县
  ['440232', 4], // 乳源瑶族自治县
  ['440233', 5], // 新丰县
  ['440281', 8], // 乐昌市
  ['440282', 6], // 南雄市
]
/** Claims of past years have run their course; this year's are spread along the pipeline. */
const PAST: [ClaimStatusOutput, number][] = [
  ['paid', 80],
  ['rejected', 11],
  ['withdrawn', 5],
  ['expired', 4],
]
const CURRENT: [ClaimStatusOutput, number][] = [
  ['submitted', 10],
  ['in_review', 14],
  ['returned', 5],
  ['approved', 6],
  ['on_notice', 6],
  ['cleared', 6],
  ['in_payment', 8],
  ['payment_failed', 3],
  ['paid', 30],
  ['rejected', 7],
  ['withdrawn', 3],
  ['expired', 2],
]
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高'
const GIVEN = '明华建国志强文静丽敏军伟芳娜秀英海燕小红'

async function seedClaims(
  cipher: PersonalDataCipher,
  policies: Record<ClaimTypeOutput, PolicyDoc>,
  year: number,
) {
  const r = rng(20_260_001)
  // Five budget years: the oldest two hold exactly 10 % each (one of them is what the export reads).
  const years: [number, number][] = [
    [year - 4, 10],
    [year - 3, 10],
    [year - 2, 20],
    [year - 1, 25],
    [year, 35],
  ]
  const counters = new Map<number, number>()
  const BATCH = 2000
  for (let start = 0; start < CLAIMS; start += BATCH) {
    const docs = []
    for (let i = start; i < Math.min(CLAIMS, start + BATCH); i++) {
      const budgetYear = weighted((i % 100) / 100 + 0.005, years)
      const type: ClaimTypeOutput = r() < 0.72 ? 'exam_fee' : 'agent_reward'
      const status = weighted(r(), budgetYear === year ? CURRENT : PAST)
      const districtCode = weighted(r(), DISTRICTS)
      const no = (counters.get(budgetYear) ?? 0) + 1
      counters.set(budgetYear, no)
      // Submitted at some moment of the budget year (Beijing), this year's up to today.
      const from = Date.parse(`${budgetYear}-01-01T00:00:00+08:00`)
      const to = Math.min(Date.parse(`${budgetYear + 1}-01-01T00:00:00+08:00`), Date.now())
      const submittedAt = new Date(from + Math.floor(r() * (to - from)))
      const idNumber = `4402${String(Math.floor(r() * 1e13)).padStart(13, '0')}${'0123456789X'[i % 11]}`
      const accountNo = `6222${String(Math.floor(r() * 1e15)).padStart(15, '0')}`
      const phone = `139${String(Math.floor(r() * 1e8)).padStart(8, '0')}`
      const name = `${SURNAMES[Math.floor(r() * SURNAMES.length)]}${GIVEN[Math.floor(r() * GIVEN.length)]}${r() < 0.6 ? GIVEN[Math.floor(r() * GIVEN.length)] : ''}`
      const subjects = (['patent_law', 'related_law', 'practice'] as const).slice(0, 1 + Math.floor(r() * 3))
      const receipts =
        type === 'exam_fee'
          ? subjects.map((subject, k) => ({
              subject,
              examYear: budgetYear - (k === 0 && r() < 0.3 ? 1 : 0),
              amountFen: r() < 0.8 ? 15_000 : 12_000,
              fileId: new Types.ObjectId(),
            }))
          : []
      const amountFen = type === 'exam_fee' ? receipts.reduce((a, x) => a + x.amountFen, 0) : 500_000
      const live = !['rejected', 'withdrawn', 'expired'].includes(status)
      const steps = 1 + Math.floor(r() * 6)
      const userId = new Types.ObjectId()
      const by = { kind: 'admin', id: new Types.ObjectId(), name: 'reviewer' }
      docs.push({
        _id: new Types.ObjectId(),
        no: `ZC${budgetYear}${String(no).padStart(6, '0')}`,
        type,
        policyId: policies[type]._id,
        policyTitle: policies[type].title,
        userId,
        status,
        live,
        dupKey: `bench:${i}`,
        amountFen,
        budgetYear,
        applicant: {
          name,
          idEnc: cipher.encrypt(idNumber),
          idBlind: cipher.blindIndex('id', idNumber),
          idMasked: mask.idNumber(idNumber),
          phoneEnc: cipher.encrypt(phone),
          phoneMasked: mask.phone(phone),
        },
        bank: {
          holderName: name,
          accountEnc: cipher.encrypt(accountNo),
          accountBlind: cipher.blindIndex('bank', accountNo),
          accountMasked: mask.bankAccount(accountNo),
          bankName: '中国工商银行韶关分行',
          fixedAt: null,
        },
        holderMismatchReason: null,
        districtCode,
        residency: 'work',
        examYear: type === 'exam_fee' ? budgetYear : null,
        receipts,
        certificateNo: type === 'agent_reward' ? `GD${i}` : null,
        servicePeriods:
          type === 'agent_reward'
            ? [
                {
                  employer: '韶关市某专利代理事务所',
                  creditCode: null,
                  from: `${budgetYear - 3}-01`,
                  to: `${budgetYear - 1}-06`,
                },
              ]
            : [],
        serviceMonths: type === 'agent_reward' ? 30 : null,
        materials: [
          { kind: 'id_card', fileId: new Types.ObjectId() },
          {
            kind: type === 'exam_fee' ? 'pass_certificate' : 'qualification_certificate',
            fileId: new Types.ObjectId(),
          },
          { kind: type === 'exam_fee' ? 'social_insurance' : 'service_proof', fileId: new Types.ObjectId() },
        ],
        pledgeText: policies[type].pledgeText,
        correction: null,
        reason: status === 'rejected' ? '材料不符合要求' : null,
        review: {
          accepted: by,
          acceptedAt: submittedAt,
          first: null,
          firstAt: null,
          second: null,
          secondAt: null,
        },
        noticeId: null,
        batchId: null,
        paidAt: status === 'paid' ? new Date(submittedAt.getTime() + 40 * 86_400_000) : null,
        source: r() < 0.15 ? 'pass_list' : 'application',
        passEntryId: null,
        idem: { key: null, hash: null },
        history: Array.from({ length: steps }, (_, k) => ({
          at: new Date(submittedAt.getTime() + k * 86_400_000),
          action: k === 0 ? 'submit' : 'accept',
          from: k === 0 ? null : 'submitted',
          to: k === 0 ? 'submitted' : 'in_review',
          by: k === 0 ? { kind: 'mp', id: userId, name: '申请人' } : by,
          note: k === 0 ? null : '已受理，进入审核',
        })),
        submittedAt,
        moveToken: null,
        createdAt: submittedAt,
        updatedAt: submittedAt,
      })
    }
    await ClaimModel.collection.insertMany(docs, { ordered: false })
  }
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────────────

const storageDir = path.join(tmpdir(), `bench-claims-${randomBytes(3).toString('hex')}`)

async function main() {
  const mongo = await startMongo()
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    MONGODB_URI: `${mongo}/bench_claims`,
    REDIS_URL: await redisUrl('bench:claims'),
    REDIS_PREFIX: `bench:${randomBytes(3).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    JWT_ACCESS_TTL_SECONDS: '86400', // one sign-in lasts the whole run
    DATA_KEY: randomBytes(32).toString('base64'),
    DATA_HASH_KEY: randomBytes(32).toString('base64'),
    STORAGE_DIR: storageDir,
  }
  const api = await startApi(env)
  const idle = memoryOf(api.pid)
  const config = loadConfig(env)
  const log = createLogger('warn')
  await connectMongo(config.mongo.uri, log)
  const redis = createRedis(config.redis.url)
  const platform = await buildServices({ config, log, redis })
  await ClaimModel.init() // the claims' indexes exist before the data, as in production

  const year = beijingYear()
  const policies = Object.fromEntries(
    (await ClaimPolicyModel.find().lean<PolicyDoc[]>()).map((p) => [p.type, p]),
  ) as Record<ClaimTypeOutput, PolicyDoc>
  console.log(`\nseeding ${CLAIMS.toLocaleString('en')} claims …`)
  let t0 = performance.now()
  await seedClaims(platform.core.cipher, policies, year)
  row(
    `seeded ${CLAIMS.toLocaleString('en')} claims (2,000 a batch)`,
    `${((performance.now() - t0) / 1000).toFixed(1)} s`,
  )

  const username = `bench${randomBytes(3).toString('hex')}`
  const password = `Pw-${randomBytes(8).toString('hex')}1`
  await platform.services.staff.createSuperAdmin(username, password, false)
  const login = await fetch(`${api.url}/admin/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  const { accessToken } = (await login.json()) as { accessToken: string }
  const auth = { authorization: `Bearer ${accessToken}` }

  // The console's claims page: filters and orders a reviewer uses, each page read as the console reads it.
  const combos: [string, Record<string, string>][] = [
    ['all claims, newest first (the landing page)', {}],
    ['status=paid, newest first (the largest tab)', { status: 'paid' }],
    ['status=in_review & type=exam_fee, newest first', { status: 'in_review', type: 'exam_fee' }],
    [`year=${year} & district=440203, newest first`, { year: String(year), districtCode: '440203' }],
    ['status=submitted, oldest first (the queue)', { status: 'submitted', sort: 'submittedAt' }],
    [
      `status=paid & year=${year - 1}, by amount`,
      { status: 'paid', year: String(year - 1), sort: 'amountFen' },
    ],
    [
      `type=agent_reward & year=${year}, largest first`,
      { type: 'agent_reward', year: String(year), sort: '-amountFen' },
    ],
    [
      `year=${year} & status=returned & district=440204`,
      { year: String(year), status: 'returned', districtCode: '440204' },
    ],
  ]
  console.log(
    `\nGET /admin/v1/claims over ${CLAIMS.toLocaleString('en')} claims, ${REQUESTS} requests each (pages 1–3):`,
  )
  row('filters and order', 'p50 / p95 ms', 'goal p95', undefined)
  let allMet = true
  for (const [label, q] of combos) {
    const url = (page: number) =>
      `${api.url}/admin/v1/claims?${new URLSearchParams({ ...q, page: String(page), pageSize: '20' })}`
    for (let i = 0; i < 5; i++) await (await fetch(url(1), { headers: auth })).arrayBuffer() // warm up
    const times: number[] = []
    let total = 0
    for (let i = 0; i < REQUESTS; i++) {
      const t = performance.now()
      const res = await fetch(url(1 + (i % 3)), { headers: auth })
      const body = (await res.json()) as { total: number }
      times.push(performance.now() - t)
      if (res.status !== 200) throw new Error(`${label}: ${res.status} ${JSON.stringify(body)}`)
      total = body.total
    }
    const p95 = pct(times, 95)
    allMet &&= p95 <= 50
    row(
      `${label} (${total.toLocaleString('en')})`,
      `${pct(times, 50).toFixed(1)} / ${p95.toFixed(1)}`,
      '≤ 50 ms',
      p95 <= 50,
    )
  }

  // The same landing page right after a claim changed: the embedded database re-sorts its submittedAt index
  // after any write to the collection before it can read it in order again.
  const landing = `${api.url}/admin/v1/claims?pageSize=20`
  const ids = await ClaimModel.find({}, { _id: 1 }).limit(10).lean<{ _id: Types.ObjectId }[]>()
  const afterWrite: number[] = []
  for (const { _id } of ids) {
    await ClaimModel.collection.updateOne({ _id }, { $set: { updatedAt: new Date() } })
    const t = performance.now()
    await (await fetch(landing, { headers: auth })).arrayBuffer()
    afterWrite.push(performance.now() - t)
  }
  const afterWriteP95 = pct(afterWrite, 95)
  row(
    'all claims, newest first, each right after a claim changed',
    `${pct(afterWrite, 50).toFixed(1)} / ${afterWriteP95.toFixed(1)}`,
    '≤ 50 ms',
    afterWriteP95 <= 50,
  )
  allMet &&= afterWriteP95 <= 50

  // The export of one year's 10,000 claims, while the api's resident memory is sampled.
  const exportYear = year - 3
  const before = memoryOf(api.pid)
  const peakReset = resetPeak(api.pid)
  let sampled = before.rss
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, memoryOf(api.pid).rss)
  }, 20)
  t0 = performance.now()
  const res = await fetch(`${api.url}/admin/v1/claims/export?year=${exportYear}`, { headers: auth })
  const bytes = Buffer.from(await res.arrayBuffer())
  const seconds = (performance.now() - t0) / 1000
  clearInterval(sampler)
  const after = memoryOf(api.pid)
  const peak = Math.max(sampled, peakReset ? after.peak : 0)
  if (res.status !== 200) throw new Error(`export: ${res.status} ${bytes.toString()}`)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(bytes as never)
  const rows = wb.getWorksheet('资助申请')!.rowCount - 1
  console.log(
    `\nGET /admin/v1/claims/export?year=${exportYear} (${rows.toLocaleString('en')} claims, ${(bytes.length / 1024 / 1024).toFixed(1)} MB xlsx):`,
  )
  row('export: first request to last byte', `${seconds.toFixed(2)} s`, '≤ 10 s', seconds <= 10)
  row(
    'api resident memory: idle after start / before the export',
    `${idle.rss.toFixed(0)} / ${before.rss.toFixed(0)} MB`,
  )
  row('export: api peak resident memory', `${peak.toFixed(0)} MB`, '≤ 200 MB', peak <= 200)
  row('export: growth over the resident memory before it', `+${(peak - before.rss).toFixed(0)} MB`)
  allMet &&= seconds <= 10 && peak <= 200 && rows === Math.round(CLAIMS / 10)
  if (rows !== Math.round(CLAIMS / 10))
    console.log(`the export held ${rows} rows, expected ${Math.round(CLAIMS / 10)}`)
  console.log(`\n${allMet ? 'every goal met' : 'some goals NOT met'}`)

  await platform.close()
  redis.disconnect()
  await mongoose.disconnect()
}

main()
  .catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(() => {
    stopAll()
    rmSync(storageDir, { recursive: true, force: true })
  })
