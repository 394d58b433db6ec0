import type Router from '@koa/router'
import { wxEndpoint, wxError, type WxReply } from './http.js'
import { ENDPOINTS, type FakeWechatState } from './state.js'

const str = (v: unknown) => (typeof v === 'string' ? v : undefined)

/** GET /sns/jscode2session: wx.login code → openid + session_key. WeChat answers it as text/plain JSON. */
export function registerSns(router: Router, state: FakeWechatState): void {
  router.get(
    ENDPOINTS.jscode2session,
    wxEndpoint(state, 'jscode2session', { contentType: 'text/plain' }, (ctx): WxReply => {
      const { config } = state
      const appid = str(ctx.query.appid)
      const secret = str(ctx.query.secret)
      const code = str(ctx.query.js_code)
      if (appid !== config.appId) return wxError(40013)
      if (secret !== config.appSecret) return wxError(40125)
      if (str(ctx.query.grant_type) !== 'authorization_code') return wxError(40002)
      if (!code) return wxError(41008)
      const entry = state.loginCodes.get(code)
      if (!entry || Date.now() >= entry.expiresAt) return wxError(40029)
      if (entry.used) return wxError(40163)
      // the rate limit refuses the login without using the code up: it can be tried again next minute
      if (state.loginsInLastMinute(entry.openid) >= config.loginRateLimitPerMinute) return wxError(45011)
      entry.used = true
      const user = state.recordLogin(entry.openid, entry.unionid)
      // success carries no errcode at all
      return {
        body: {
          session_key: user.sessionKey,
          openid: entry.openid,
          ...(user.unionid ? { unionid: user.unionid } : {}),
        },
      }
    }),
  )
}
