import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest'
import { WechatClient, type WechatClientOptions } from '@zct/api/internal/platform/wechat/client'
import { startFakeWechat, type RunningFakeWechat } from '../support/fake-wechat/index.js'

export const APP_ID = 'wx-test-appid'
export const APP_SECRET = 'test-secret-0123456789'

export interface LogLine {
  level: 'info' | 'warn' | 'error'
  obj: object
  msg?: string
}

export interface WechatHarness {
  fake: RunningFakeWechat
  redis: Redis
  /** this test's Redis key prefix */
  prefix: string
  /** every line any client of this test logged */
  logs: LogLine[]
  /** a client on this test's prefix, with short retry delays */
  client(overrides?: Partial<WechatClientOptions>): WechatClient
  /** logs the openid in through the fake (wx.login code → jscode2session), as the mini-program would */
  login(openid: string, client?: WechatClient): Promise<void>
}

function redisUrl(): string {
  return process.env.REDIS_URL ?? (inject('redisUrl') as string | undefined) ?? 'redis://127.0.0.1:6379'
}

/** One fake WeChat per test file over real HTTP, real Redis, and a fresh key prefix and fake state per test. */
export function useWechatHarness(): WechatHarness {
  const h = { logs: [] as LogLine[] } as WechatHarness
  beforeAll(async () => {
    h.fake = await startFakeWechat({ appId: APP_ID, appSecret: APP_SECRET })
    h.redis = new Redis(redisUrl(), { maxRetriesPerRequest: 2 })
  })
  afterAll(async () => {
    await h.fake?.close()
    h.redis?.disconnect()
  })
  beforeEach(async () => {
    await h.fake.control.reset()
    h.prefix = `test:wx:${randomBytes(5).toString('hex')}:`
    h.logs = []
  })
  afterEach(async () => {
    const keys = await h.redis.keys(`${h.prefix}*`)
    if (keys.length) await h.redis.del(...keys)
  })
  h.client = (overrides = {}) =>
    new WechatClient({
      baseUrl: h.fake.url,
      appId: APP_ID,
      appSecret: APP_SECRET,
      redis: h.redis,
      keyPrefix: h.prefix,
      timeoutMs: 1_000,
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
      tokenLock: { pollMs: 10 },
      // These tests rewrite the shared token in Redis and expect the client to see it at once.
      tokenLocalCacheMs: 0,
      logger: {
        info: (obj, msg) => void h.logs.push({ level: 'info', obj, ...(msg ? { msg } : {}) }),
        warn: (obj, msg) => void h.logs.push({ level: 'warn', obj, ...(msg ? { msg } : {}) }),
        error: (obj, msg) => void h.logs.push({ level: 'error', obj, ...(msg ? { msg } : {}) }),
      },
      ...overrides,
    })
  h.login = async (openid, client = h.client()) => {
    const { code } = await h.fake.control.loginCode({ openid })
    await client.code2Session(code)
  }
  return h
}

/** The rejection of a promise, for asserting on its fields. */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected the promise to reject, but it resolved')
}
