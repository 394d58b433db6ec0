/**
 * What `bench:http` and `bench:soak` drive: the embedded database and the api, each in its own process as
 * in production, seeded with a bureau's console (20 staff) and a member of a verified enterprise with 60
 * inbox items, and the requests a console user and a member make. Not a test.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
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
import { redisUrl, startApi, startMongoProcess, stopAll } from './processes.js'

export interface Load {
  label: string
  url: string
  method?: 'GET' | 'PATCH'
  headers?: Record<string, string>
  body?: string
}

export async function startSystem(name: string) {
  const storageDir = path.join(tmpdir(), `${name}-${randomBytes(3).toString('hex')}`)
  const mongo = await startMongoProcess()
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info', // as production logs: one line per request
    MONGODB_URI: `${mongo.uri}/${name.replace(/\W/g, '_')}`,
    REDIS_URL: await redisUrl(name),
    REDIS_PREFIX: `bench:${randomBytes(3).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    JWT_ACCESS_TTL_SECONDS: '86400',
    DATA_KEY: randomBytes(32).toString('base64'),
    DATA_HASH_KEY: randomBytes(32).toString('base64'),
    STORAGE_DIR: storageDir,
    WECHAT_APP_ID: 'wxbench',
    WECHAT_APP_SECRET: 'bench',
    WORKER_METRICS_PORT: '0',
  }
  // The api's request log goes to /dev/null here, as it would go to a log shipper: written, not read.
  const api = await startApi(env, { stdout: 'ignore' })

  const config = loadConfig(env)
  const log = createLogger('warn')
  await connectMongo(config.mongo.uri, log)
  const redis = createRedis(config.redis.url)
  const platform = await buildServices({ config, log, redis })

  // ── 20 console users; a member of a verified enterprise with 60 inbox items ──
  const username = `bench${randomBytes(3).toString('hex')}`
  const password = `Pw-${randomBytes(8).toString('hex')}1`
  await platform.services.staff.createSuperAdmin(username, password, false)
  for (let i = 0; i < 19; i++)
    await platform.services.staff.createSuperAdmin(
      `staff${i}${randomBytes(2).toString('hex')}`,
      password,
      false,
    )
  const login = await fetch(`${api.url}/admin/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (!login.ok) throw new Error(`login: ${login.status} ${await login.text()}`)
  const { accessToken } = (await login.json()) as { accessToken: string }
  const admin = { authorization: `Bearer ${accessToken}` }

  const member = await MpUserModel.create({
    openid: `o${randomBytes(12).toString('base64url')}`,
    tokenVersion: 0,
  })
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

  const loads = {
    healthz: { label: 'GET /healthz', url: `${api.url}/healthz` },
    users: {
      label: 'GET /admin/v1/users?pageSize=20 (20 users)',
      url: `${api.url}/admin/v1/users?pageSize=20`,
      headers: admin,
    },
    inbox: {
      label: 'GET /mp/v1/inbox?pageSize=20 (60 items)',
      url: `${api.url}/mp/v1/inbox?pageSize=20`,
      headers: mp,
    },
    me: { label: 'GET /admin/v1/me', url: `${api.url}/admin/v1/me`, headers: admin },
    write: {
      label: 'PATCH /mp/v1/me (a write)',
      url: `${api.url}/mp/v1/me`,
      method: 'PATCH',
      headers: mp,
      body: JSON.stringify({ nickname: '压测用户' }),
    },
  } satisfies Record<string, Load>
  // Each route once: the api's and the database's code paths compiled, as in a running service.
  for (const l of Object.values(loads) as Load[]) {
    const res = await fetch(l.url, {
      method: l.method ?? 'GET',
      headers: { ...l.headers, ...(l.body ? { 'content-type': 'application/json' } : {}) },
      body: l.body,
    })
    if (!res.ok) throw new Error(`${l.label}: ${res.status} ${await res.text()}`)
  }

  return {
    api,
    mongoPid: mongo.pid,
    loads,
    async close() {
      await platform.close()
      redis.disconnect()
      await mongoose.disconnect()
      stopAll()
      rmSync(storageDir, { recursive: true, force: true })
    },
  }
}
