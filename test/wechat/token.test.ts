import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { useWechatHarness } from './harness.js'

const h = useWechatHarness()

const stableTokenCalls = async () => (await h.fake.control.stats()).calls.stable_token ?? 0

describe('access_token cache and refresh', () => {
  it('fetches the token once and shares it through Redis with another client', async () => {
    const a = h.client()
    const b = h.client()
    const first = await a.getAccessToken()
    expect(await a.getAccessToken()).toBe(first)
    expect(await b.getAccessToken()).toBe(first)
    expect(await stableTokenCalls()).toBe(1)
    expect(JSON.parse((await h.redis.get(`${h.prefix}wx:token`))!)).toMatchObject({ token: first })
    expect(await h.redis.pttl(`${h.prefix}wx:token`)).toBeGreaterThan(7_000_000)
  })

  it('makes one stable_token call for 20 concurrent requests on an empty cache across two clients', async () => {
    // a slow stable_token widens the window in which an unlocked client would also fetch
    await h.fake.control.inject({ endpoint: 'stable_token', delayMs: 150 })
    const a = h.client()
    const b = h.client()
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).getAccessToken()))
    expect(new Set(tokens).size).toBe(1)
    expect(await stableTokenCalls()).toBe(1)
    expect(await h.redis.exists(`${h.prefix}wx:token:lock`)).toBe(0)
  })

  it('reuses its own copy of the shared token for a few seconds without reading Redis', async () => {
    const client = h.client({ tokenLocalCacheMs: 60_000 })
    const token = await client.getAccessToken()
    await h.redis.del(`${h.prefix}wx:token`)
    expect(await client.getAccessToken()).toBe(token)
    expect(await stableTokenCalls()).toBe(1)
  })

  it('fetches again once the cached token is due for refresh', async () => {
    const client = h.client()
    const token = await client.getAccessToken()
    const now = Date.now()
    await h.redis.set(
      `${h.prefix}wx:token`,
      JSON.stringify({ token, expiresAt: now + 60_000, refreshAt: now - 1 }),
    )
    await client.getAccessToken()
    expect(await stableTokenCalls()).toBe(2)
  })

  it('leaves a lock held by someone else alone and keeps using the still-valid token meanwhile', async () => {
    const client = h.client({ tokenLock: { pollMs: 10, waitMs: 200 } })
    const token = await client.getAccessToken()
    const now = Date.now()
    await h.redis.set(
      `${h.prefix}wx:token`,
      JSON.stringify({ token, expiresAt: now + 60_000, refreshAt: now - 1 }),
    )
    await h.redis.set(`${h.prefix}wx:token:lock`, 'other-process', 'PX', 10_000)
    expect(await client.getAccessToken()).toBe(token)
    expect(await h.redis.get(`${h.prefix}wx:token:lock`)).toBe('other-process')
    expect(await stableTokenCalls()).toBe(1)
  })

  it('on 40001 fetches a replacement token (forcing it when WeChat still returns the refused one) and retries once', async () => {
    const client = h.client()
    await h.login('o-token')
    await h.fake.control.subscribe({
      openid: 'o-token',
      templateId: 'tpl-application-progress',
      accept: true,
    })
    const before = await client.getAccessToken()
    await h.fake.control.inject({ endpoint: 'subscribe_send', errcode: 40001 })

    await client.sendSubscribeMessage({
      toUser: 'o-token',
      templateId: 'tpl-application-progress',
      data: {
        thing1: '发明专利申请',
        phrase2: '已受理',
        time3: '2025-03-01 10:00',
        thing4: '请留意后续通知',
      },
    })
    const stats = await h.fake.control.stats()
    expect(stats.calls.subscribe_send).toBe(2)
    expect(stats.forceRefreshes).toBe(1)
    const after = await client.getAccessToken()
    expect(after).not.toBe(before)
    expect(h.fake.state.checkToken(before)).toBe(40001)
  })

  it('on 42001 (token expired) gets a new token without force_refresh and retries', async () => {
    const client = h.client()
    await h.login('o-expired')
    const before = await client.getAccessToken()
    await h.fake.control.expireToken()
    const r = await client.msgSecCheck({
      openid: 'o-expired',
      content: '申请外观设计专利需要哪些材料',
      scene: 2,
    })
    expect(r.suggest).toBe('pass')
    const stats = await h.fake.control.stats()
    expect(stats.errors.msg_sec_check).toEqual({ 42001: 1 })
    expect(stats.forceRefreshes).toBe(0)
    expect(await client.getAccessToken()).not.toBe(before)
  })

  it('retries only once when the new token is refused as well', async () => {
    const client = h.client()
    await h.login('o-twice')
    await h.fake.control.inject({ endpoint: 'msg_sec_check', errcode: 40001, times: 2 })
    await expect(client.msgSecCheck({ openid: 'o-twice', content: '你好', scene: 1 })).rejects.toMatchObject({
      errcode: 40001,
    })
    expect((await h.fake.control.stats()).calls.msg_sec_check).toBe(2)
  })

  it('still gets a token from WeChat when Redis is unreachable', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    down.on('error', () => {}) // the refused connection is the point of this test
    try {
      const token = await h.client({ redis: down }).getAccessToken()
      expect(h.fake.state.checkToken(token)).toBe(0)
      expect(h.logs).toContainEqual(
        expect.objectContaining({ level: 'warn', msg: expect.stringContaining('token cache unavailable') }),
      )
    } finally {
      down.disconnect()
    }
  })
})
