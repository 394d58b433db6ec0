import { describe, expect, it } from 'vitest'
import { LOCAL_ERRCODES, WECHAT_ERRCODES, WechatError } from '@zct/api/internal/platform/wechat/errors'
import { rejectionOf, useWechatHarness } from './harness.js'

const h = useWechatHarness()

const calls = async (endpoint: 'msg_sec_check' | 'subscribe_send' | 'getuserphonenumber') =>
  (await h.fake.control.stats()).calls[endpoint] ?? 0

describe('transient errors and retries', () => {
  it('retries -1 (system busy) twice and then succeeds', async () => {
    await h.login('o-busy')
    await h.fake.control.inject({ endpoint: 'msg_sec_check', errcode: -1, times: 2 })
    const r = await h.client().msgSecCheck({ openid: 'o-busy', content: '商标注册流程', scene: 1 })
    expect(r.suggest).toBe('pass')
    expect(await calls('msg_sec_check')).toBe(3)
  })

  it('gives up after the configured attempts on a lasting 45009 and says it was transient', async () => {
    await h.login('o-quota')
    await h.fake.control.inject({ endpoint: 'msg_sec_check', errcode: 45009, times: 5 })
    const e = await rejectionOf(h.client().msgSecCheck({ openid: 'o-quota', content: '你好', scene: 1 }))
    expect(e).toBeInstanceOf(WechatError)
    expect(e).toMatchObject({ errcode: 45009, transient: true, explanation: WECHAT_ERRCODES[45009] })
    expect(await calls('msg_sec_check')).toBe(3)
  })

  it.each([
    [87014, 'msg_sec_check'],
    [43101, 'subscribe_send'],
  ] as const)('surfaces %i at once as a non-transient WechatError', async (errcode, endpoint) => {
    await h.login('o-final')
    await h.fake.control.inject({ endpoint, errcode })
    const client = h.client()
    const e = await rejectionOf(
      endpoint === 'msg_sec_check'
        ? client.msgSecCheck({ openid: 'o-final', content: '你好', scene: 1 })
        : client.sendSubscribeMessage({
            toUser: 'o-final',
            templateId: 'tpl-application-progress',
            data: {},
          }),
    )
    expect(e).toBeInstanceOf(WechatError)
    expect(e).toMatchObject({ errcode, transient: false, errmsg: expect.stringContaining('rid:') })
    expect((e as WechatError).explanation).toBe(WECHAT_ERRCODES[errcode])
    expect(await calls(endpoint)).toBe(1)
  })

  it('retries a timed-out call and succeeds when WeChat answers in time', async () => {
    await h.login('o-timeout')
    await h.fake.control.inject({ endpoint: 'msg_sec_check', delayMs: 600 })
    const client = h.client({ timeoutMs: 250 })
    expect((await client.msgSecCheck({ openid: 'o-timeout', content: '你好', scene: 1 })).suggest).toBe(
      'pass',
    )
    expect(await calls('msg_sec_check')).toBe(2)
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        obj: expect.objectContaining({ errcode: LOCAL_ERRCODES.timeout }),
      }),
    )
  })

  it('does not repeat a timed-out phone-code exchange, since the one-time code may be used up', async () => {
    const code = await h.fake.control.phoneCode('13800138000')
    await h.fake.control.inject({ endpoint: 'getuserphonenumber', delayMs: 600 })
    const client = h.client({ timeoutMs: 250 })
    await client.getAccessToken()
    await expect(client.getPhoneNumber(code)).rejects.toMatchObject({
      errcode: LOCAL_ERRCODES.timeout,
      transient: true,
    })
    expect(await calls('getuserphonenumber')).toBe(1)
  })

  it('does not repeat a subscribe send that timed out, since it may have been delivered', async () => {
    await h.login('o-slow')
    await h.fake.control.subscribe({
      openid: 'o-slow',
      templateId: 'tpl-application-progress',
      accept: true,
      count: 2,
    })
    await h.fake.control.inject({ endpoint: 'subscribe_send', delayMs: 600 })
    const client = h.client({ timeoutMs: 250 })
    await client.getAccessToken()
    const e = await rejectionOf(
      client.sendSubscribeMessage({
        toUser: 'o-slow',
        templateId: 'tpl-application-progress',
        data: { thing1: '专利年费', phrase2: '待缴纳', time3: '2025年3月1日 09:30', thing4: '请及时缴费' },
      }),
    )
    expect(e).toMatchObject({ errcode: LOCAL_ERRCODES.timeout, transient: true })
    await new Promise((r) => setTimeout(r, 600))
    expect(await h.fake.control.messages({ toUser: 'o-slow' })).toHaveLength(1)
  })

  it('retries a gateway failure whose body is not JSON', async () => {
    await h.login('o-502')
    await h.fake.control.inject({ endpoint: 'msg_sec_check', status: 502 })
    const r = await h.client().msgSecCheck({ openid: 'o-502', content: '你好', scene: 1 })
    expect(r.suggest).toBe('pass')
    expect(await calls('msg_sec_check')).toBe(2)
  })

  it('reports an unreachable server as a transient network error after retrying', async () => {
    const client = h.client({ baseUrl: 'http://127.0.0.1:1' })
    const e = await rejectionOf(client.code2Session('any'))
    expect(e).toMatchObject({ errcode: LOCAL_ERRCODES.network, transient: true })
    expect(h.logs.filter((l) => l.level === 'warn')).toHaveLength(3)
  })
})
