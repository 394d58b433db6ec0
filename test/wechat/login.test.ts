import { describe, expect, it } from 'vitest'
import { WechatError } from '@zct/api/internal/platform/wechat/errors'
import { rejectionOf, useWechatHarness } from './harness.js'

const h = useWechatHarness()

describe('code2Session (wx.login code exchange)', () => {
  it('exchanges a fresh code for openid, unionid and session_key', async () => {
    const { code } = await h.fake.control.loginCode({ openid: 'o-alice', unionid: 'u-alice' })
    const s = await h.client().code2Session(code)
    expect(s.openid).toBe('o-alice')
    expect(s.unionid).toBe('u-alice')
    expect(s.sessionKey).toMatch(/^[A-Za-z0-9+/]{22}==$/)
  })

  it('omits unionid when the user has none', async () => {
    const { code } = await h.fake.control.loginCode({ openid: 'o-bob' })
    const s = await h.client().code2Session(code)
    expect(s).not.toHaveProperty('unionid')
  })

  it('rejects an unknown code with 40029, not retried', async () => {
    const e = await rejectionOf(h.client().code2Session('never-issued'))
    expect(e).toBeInstanceOf(WechatError)
    expect(e).toMatchObject({ errcode: 40029, transient: false, endpoint: '/sns/jscode2session' })
    expect((await h.fake.control.stats()).calls.jscode2session).toBe(1)
  })

  it('rejects a code used a second time with 40163', async () => {
    const { code } = await h.fake.control.loginCode({ openid: 'o-carol' })
    const client = h.client()
    await client.code2Session(code)
    await expect(client.code2Session(code)).rejects.toMatchObject({ errcode: 40163, transient: false })
  })

  it('answers 45011 once an openid logs in more often than the per-minute limit', async () => {
    await h.fake.control.configure({ loginRateLimitPerMinute: 3 })
    const client = h.client()
    for (let i = 0; i < 3; i++) await h.login('o-busy', client)
    const { code } = await h.fake.control.loginCode({ openid: 'o-busy' })
    const e = await rejectionOf(client.code2Session(code))
    expect(e).toMatchObject({ errcode: 45011, transient: false })
    expect((e as WechatError).explanation).toContain('频率限制')
    // another user is not affected
    await h.login('o-calm', client)
  })

  it('reports a wrong AppSecret as 40125', async () => {
    const { code } = await h.fake.control.loginCode({ openid: 'o-dave' })
    await expect(h.client({ appSecret: 'wrong' }).code2Session(code)).rejects.toMatchObject({
      errcode: 40125,
    })
  })
})

describe('getPhoneNumber', () => {
  it('turns a phone code into the mainland number', async () => {
    const code = await h.fake.control.phoneCode('13800138000')
    const p = await h.client().getPhoneNumber(code)
    expect(p).toEqual({ phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' })
  })

  it('rejects a phone code the second time with 40029', async () => {
    const code = await h.fake.control.phoneCode('+8613900139000')
    const client = h.client()
    expect((await client.getPhoneNumber(code)).purePhoneNumber).toBe('13900139000')
    await expect(client.getPhoneNumber(code)).rejects.toMatchObject({ errcode: 40029 })
  })

  it('reports a number outside the mainland with its country code', async () => {
    const code = await h.fake.control.phoneCode('+852 61234567')
    expect(await h.client().getPhoneNumber(code)).toEqual({
      phoneNumber: '+85261234567',
      purePhoneNumber: '61234567',
      countryCode: '852',
    })
  })
})

describe('logging', () => {
  it('logs endpoint, errcode and duration but never the secret, codes, tokens or session keys', async () => {
    const { code } = await h.fake.control.loginCode({ openid: 'o-log' })
    const client = h.client()
    const s = await client.code2Session(code)
    const phoneCode = await h.fake.control.phoneCode('13800138000')
    await client.getPhoneNumber(phoneCode)
    await rejectionOf(client.code2Session(code))
    const token = await client.getAccessToken()

    const text = JSON.stringify(h.logs)
    for (const secret of [h.fake.state.config.appSecret, code, phoneCode, token, s.sessionKey])
      expect(text).not.toContain(secret)
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        obj: expect.objectContaining({
          endpoint: '/sns/jscode2session',
          errcode: 40163,
          durationMs: expect.any(Number),
        }),
      }),
    )
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        obj: expect.objectContaining({ endpoint: '/cgi-bin/stable_token', errcode: 0 }),
      }),
    )
  })
})
