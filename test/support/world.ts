import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { startFakeWechat } from './fake-wechat/index.js'
import { startTestApi, type TestApi } from './api.js'

export interface World {
  api: TestApi
  wechatUrl: string
  /** Asks the fake WeChat server for a one-time wx.login code for this openid. */
  loginCode(openid: string): Promise<string>
  phoneCode(phoneNumber: string): Promise<string>
}

/**
 * One api + one fake WeChat per test file, started before and closed after its tests.
 * `world()` must be called at the top level of a test file.
 */
export function world(overrides: Record<string, string> = {}): World {
  const w = {} as World
  let closeWechat: (() => Promise<void>) | undefined
  beforeAll(async () => {
    const wx = await startFakeWechat({ port: 0, appId: 'wx-test-appid', appSecret: 'test-secret' })
    closeWechat = () => wx.close()
    w.wechatUrl = wx.url
    w.api = await startTestApi({
      WECHAT_API_BASE: wx.url,
      WECHAT_APP_ID: 'wx-test-appid',
      WECHAT_APP_SECRET: 'test-secret',
      ...overrides,
    })
    const control = async (path: string, body: unknown) => {
      const res = await fetch(`${wx.url}/__control/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      if (!res.ok) throw new Error(`fake wechat ${path}: ${res.status} ${await res.text()}`)
      return (await res.json()) as { code: string }
    }
    w.loginCode = async (openid) => (await control('login-code', { openid })).code
    w.phoneCode = async (phoneNumber) => (await control('phone-code', { phoneNumber })).code
  })
  afterAll(async () => {
    await w.api?.close()
    await closeWechat?.()
  })
  return w
}

export const uniqueOpenid = () => `o${randomBytes(12).toString('base64url')}`
