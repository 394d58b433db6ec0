/**
 * `pnpm bench:http` (not a test): what one request costs, side by side in one run on this machine.
 *
 * Each row is driven by autocannon at 32 connections for BENCH_SECONDS (default 8) against processes
 * started as production starts them (the embedded database, the api; a bare node:http hello in a process
 * of its own as the ceiling):
 *   - node:http hello — the ceiling;
 *   - `/healthz` — Koa and the middleware chain (goal ≥ 0.55× hello);
 *   - `GET /admin/v1/users?pageSize=20` with 20 users — an authenticated console list (goal ≥ 0.30× /healthz);
 *   - `GET /mp/v1/inbox?pageSize=20` of a member of a verified enterprise with 60 items — an authenticated
 *     mini-program list (goal ≥ 0.30× /healthz);
 *   - `PATCH /mp/v1/me` — a write;
 * then the sequential latency of /healthz and `GET /admin/v1/me` (one connection, mean), and each
 * process's resident memory idle and after the load.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import mongoose, { Types } from 'mongoose'
import { EnterpriseModel, MembershipModel } from '@zct/api/internal/modules/enterprises/enterprises.model'
import { InboxItemModel } from '@zct/api/internal/modules/inbox/inbox.model'
import { MpUserModel } from '@zct/api/internal/modules/mp-accounts/mp-accounts.model'
import { buildServices } from '@zct/api/internal/modules/index'
import { loadConfig } from '@zct/api/internal/platform/config'
import { connectMongo } from '@zct/api/internal/platform/db'
import { JwtService } from '@zct/api/internal/platform/jwt'
import { createLogger } from '@zct/api/internal/platform/logger'
import { createRedis } from '@zct/api/internal/platform/redis'
import { freePort, memoryOf, redisUrl, row, startApi, startMongoProcess, stopAll } from './processes.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const CONNECTIONS = 32

/** A bare node:http server in its own process: the ceiling every other row is compared with. */
async function startHello() {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end('{"status":"ok"}') }).listen(${port}, '127.0.0.1', () => console.log('up'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()))
  return { url: `http://127.0.0.1:${port}`, child }
}

interface Load {
  label: string
  url: string
  method?: 'GET' | 'PATCH'
  headers?: Record<string, string>
  body?: string
}

async function drive(load: Load) {
  const result = await autocannon({
    url: load.url,
    method: load.method ?? 'GET',
    headers: { ...load.headers, ...(load.body ? { 'content-type': 'application/json' } : {}) },
    body: load.body,
    connections: CONNECTIONS,
    duration: SECONDS,
  })
  const bad = result.non2xx + result.errors + result.timeouts
  if (bad) throw new Error(`${load.label}: ${bad} failed requests of ${result.requests.total}`)
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 }
}

/** Mean latency of `n` requests one after another on one connection. */
async function sequential(url: string, headers: Record<string, string>, n = 500) {
  for (let i = 0; i < 50; i++) await (await fetch(url, { headers })).arrayBuffer()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, { headers })
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`${url}: ${res.status}`)
  }
  return (performance.now() - t0) / n
}

const storageDir = path.join(tmpdir(), `bench-http-${randomBytes(3).toString('hex')}`)

async function main() {
  const { uri: mongo, pid: mongoPid } = await startMongoProcess()
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info', // as production logs: one line per request
    MONGODB_URI: `${mongo}/bench_http`,
    REDIS_URL: await redisUrl('bench:http'),
    REDIS_PREFIX: `bench:${randomBytes(3).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    JWT_ACCESS_TTL_SECONDS: '86400',
    DATA_KEY: randomBytes(32).toString('base64'),
    DATA_HASH_KEY: randomBytes(32).toString('base64'),
    STORAGE_DIR: storageDir,
    WECHAT_APP_ID: 'wxbench',
    WECHAT_APP_SECRET: 'bench',
  }
  // The api's request log goes to /dev/null here, as it would go to a log shipper: written, not read.
  const api = await startApi(env, { stdout: 'ignore' })
  const hello = await startHello()
  const idle = memoryOf(api.pid)

  const config = loadConfig(env)
  const log = createLogger('warn')
  await connectMongo(config.mongo.uri, log)
  const redis = createRedis(config.redis.url)
  const platform = await buildServices({ config, log, redis })

  // ── data: 20 console users; a member of a verified enterprise with 60 inbox items ──
  const username = `bench${randomBytes(3).toString('hex')}`
  const password = `Pw-${randomBytes(8).toString('hex')}1`
  await platform.services.staff.createSuperAdmin(username, password, false)
  for (let i = 0; i < 19; i++)
    await platform.services.staff.createSuperAdmin(`staff${i}${randomBytes(2).toString('hex')}`, password, false)
  const login = await fetch(`${api.url}/admin/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (!login.ok) throw new Error(`login: ${login.status} ${await login.text()}`)
  const { accessToken } = (await login.json()) as { accessToken: string }
  const admin = { authorization: `Bearer ${accessToken}` }

  const member = await MpUserModel.create({ openid: `o${randomBytes(12).toString('base64url')}`, tokenVersion: 0 })
  const enterprise = await EnterpriseModel.create({
    name: '压测科技有限公司',
    creditCode: `91440200${randomBytes(5).toString('hex').toUpperCase()}`,
    memberCount: 1,
    verificationStatus: 'verified',
  })
  await MembershipModel.create({
    enterpriseId: enterprise._id,
    userId: member._id,
    role: 'admin',
    status: 'active',
    live: true,
    decidedAt: new Date(),
  })
  await InboxItemModel.insertMany(
    Array.from({ length: 60 }, (_, i) => ({
      userId: member._id,
      campaignId: new Types.ObjectId(),
      enterpriseId: enterprise._id,
      content: { kind: 'patent', id: new Types.ObjectId() },
      title: `专利信息推送 第 ${i + 1} 期`,
      summary: '与贵企业 IPC 分类相关的最新公开专利',
      createdAt: new Date(Date.now() - i * 60_000),
    })),
  )
  const jwt = new JwtService(config.jwt.secret, config.jwt.issuer, config.jwt.accessTtl)
  const mp = { authorization: `Bearer ${jwt.sign(member._id.toHexString(), 'mp', 0).token}` }

  const loads: Load[] = [
    { label: 'node:http hello (separate process)', url: `${hello.url}/` },
    { label: 'GET /healthz', url: `${api.url}/healthz` },
    { label: 'GET /admin/v1/users?pageSize=20 (20 users)', url: `${api.url}/admin/v1/users?pageSize=20`, headers: admin },
    { label: 'GET /mp/v1/inbox?pageSize=20 (60 items)', url: `${api.url}/mp/v1/inbox?pageSize=20`, headers: mp },
    {
      label: 'PATCH /mp/v1/me (a write)',
      url: `${api.url}/mp/v1/me`,
      method: 'PATCH',
      headers: mp,
      body: JSON.stringify({ nickname: '压测用户' }),
    },
  ]
  // Each route once before measuring: the api's and the database's code paths compiled, as in a running service.
  for (const l of loads) {
    const res = await fetch(l.url, {
      method: l.method ?? 'GET',
      headers: { ...l.headers, ...(l.body ? { 'content-type': 'application/json' } : {}) },
      body: l.body,
    })
    if (!res.ok) throw new Error(`${l.label}: ${res.status} ${await res.text()}`)
  }
  if (!process.env.BENCH_ONLY) await drive({ ...loads[1]!, label: 'warm-up' })

  console.log(`\n${CONNECTIONS} connections, ${SECONDS} s each, on ${process.env.HOSTNAME ?? 'this machine'}:`)
  row('route', 'req/s · p99 ms', 'goal', undefined)
  const results: number[] = []
  for (const l of loads) {
    // BENCH_ONLY=users (a part of a label) drives that row alone, to profile it with BENCH_API_PROF
    if (process.env.BENCH_ONLY && !l.label.includes(process.env.BENCH_ONLY)) {
      results.push(NaN)
      continue
    }
    const r = await drive(l)
    results.push(r.rps)
    row(l.label, `${Math.round(r.rps).toLocaleString('en')} · ${r.p99}`, '', undefined)
  }
  const [ceiling, health, users, inbox, write] = results as [number, number, number, number, number]
  console.log('\nratios:')
  row('/healthz ÷ node:http hello', `${(health / ceiling).toFixed(2)}×`, '≥ 0.55×', health / ceiling >= 0.55)
  row('console users list ÷ /healthz', `${(users / health).toFixed(2)}×`, '≥ 0.30×', users / health >= 0.3)
  row('mini-program inbox ÷ /healthz', `${(inbox / health).toFixed(2)}×`, '≥ 0.30×', inbox / health >= 0.3)
  row('write (PATCH /mp/v1/me) ÷ /healthz', `${(write / health).toFixed(2)}×`, '', undefined)

  console.log('\nsequential, one connection (mean of 500):')
  row('GET /healthz', `${(await sequential(`${api.url}/healthz`, {})).toFixed(2)} ms`)
  row('GET /admin/v1/me', `${(await sequential(`${api.url}/admin/v1/me`, admin)).toFixed(2)} ms`)

  const after = memoryOf(api.pid)
  console.log('\nresident memory:')
  row('api idle (after start)', `${idle.rss.toFixed(0)} MB`)
  row('api after the load (now / peak)', `${after.rss.toFixed(0)} / ${after.peak.toFixed(0)} MB`)
  row('embedded database after the load', `${memoryOf(mongoPid).rss.toFixed(0)} MB`)

  hello.child.kill()
  await platform.close()
  redis.disconnect()
  await mongoose.disconnect()
}

try {
  await main()
} finally {
  stopAll()
  rmSync(storageDir, { recursive: true, force: true })
}
