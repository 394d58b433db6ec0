import { createControlClient } from './control-client.js'

export interface OperatorOptions {
  /** the fake WeChat's base url */
  baseUrl: string
  /** the operator's openid (WECHAT_SEC_CHECK_OPENID) */
  openid: string
  appId: string
  appSecret: string
  /** how often the operator "opens the mini-program"; default 30 minutes, well inside WeChat's 2 hours */
  everyMs?: number
  /** told when a login fails; the next one is tried on schedule */
  onError?: (e: Error) => void
}

/**
 * msg_sec_check v2 runs under the openid of someone who opened the mini-program in the last two hours, so
 * content security stops working two hours after the last visit. In development an operator "opens the
 * mini-program" on a timer, exactly as a real one would: a wx.login code, then jscode2session.
 * Resolves after the first login; `stop()` ends the timer.
 */
export async function keepOperatorActive(opts: OperatorOptions): Promise<{ stop(): void }> {
  const control = createControlClient(opts.baseUrl)
  const login = async () => {
    const { code } = await control.loginCode({ openid: opts.openid })
    const q = new URLSearchParams({
      appid: opts.appId,
      secret: opts.appSecret,
      js_code: code,
      grant_type: 'authorization_code',
    })
    const res = (await (await fetch(`${opts.baseUrl}/sns/jscode2session?${q}`)).json()) as {
      openid?: string
      errcode?: number
      errmsg?: string
    }
    if (res.openid !== opts.openid) throw new Error(`jscode2session: ${res.errcode} ${res.errmsg}`)
  }
  await login()
  const timer = setInterval(
    () => void login().catch((e: Error) => opts.onError?.(e)),
    opts.everyMs ?? 30 * 60_000,
  )
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
