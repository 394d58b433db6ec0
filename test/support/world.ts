import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { startFakeWechat, type FakeWechatControl, type FakeWechatState } from './fake-wechat/index.js'
import { startTestApi, type TestApi } from './api.js'

export interface World {
  api: TestApi
  wechatUrl: string
  /** The fake WeChat server's control API (codes, grants, injected errors, messages received). */
  wx: FakeWechatControl
  wxState: FakeWechatState
  /** Asks the fake WeChat server for a one-time wx.login code for this openid. */
  loginCode(openid: string): Promise<string>
  phoneCode(phoneNumber: string): Promise<string>
  /** A seeded member known to the fake WeChat, holding one grant of the push template there. */
  registerAtFake(openid: string): void
}

/** The push template of 知产通 (registered at the fake by default, as in the MP console). */
export const PUSH_TEMPLATE = { id: 'tpl-patent-push' } as const
/** The operator account msg_sec_check runs under; it has opened the mini-program recently. */
export const SEC_CHECK_OPENID = 'o-operator-sec-check'

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
    // The operator opens the mini-program, so msg_sec_check v2 accepts their openid.
    const operatorCode = await wx.control.loginCode({ openid: SEC_CHECK_OPENID })
    await fetch(
      `${wx.url}/sns/jscode2session?appid=wx-test-appid&secret=test-secret&js_code=${operatorCode.code}&grant_type=authorization_code`,
    )
    w.wechatUrl = wx.url
    w.wx = wx.control
    w.wxState = wx.state
    w.api = await startTestApi({
      WECHAT_API_BASE: wx.url,
      WECHAT_APP_ID: 'wx-test-appid',
      WECHAT_APP_SECRET: 'test-secret',
      WECHAT_SEC_CHECK_OPENID: SEC_CHECK_OPENID,
      ...overrides,
    })
    w.loginCode = async (openid) => (await wx.control.loginCode({ openid })).code
    w.phoneCode = (phoneNumber) => wx.control.phoneCode(phoneNumber)
    w.registerAtFake = (openid) => {
      wx.state.recordLogin(openid)
      wx.state.grant(openid, PUSH_TEMPLATE.id, true)
    }
  })
  afterAll(async () => {
    await w.api?.close()
    await closeWechat?.()
  })
  return w
}

export const uniqueOpenid = () => `o${randomBytes(12).toString('base64url')}`
