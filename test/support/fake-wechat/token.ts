import type Router from '@koa/router'
import { badBody, readJson, wxEndpoint, wxError, type WxReply } from './http.js'
import { ENDPOINTS, type FakeWechatState } from './state.js'

/**
 * POST /cgi-bin/stable_token. Normal mode returns the current token (expires_in = what is left of it) until it
 * nears its end, then a new one while the old stays valid to its expiry. force_refresh issues a new token and
 * invalidates the previous one at once.
 */
export function registerToken(router: Router, state: FakeWechatState): void {
  router.post(
    ENDPOINTS.stable_token,
    wxEndpoint(state, 'stable_token', {}, async (ctx): Promise<WxReply> => {
      const b = await readJson(ctx)
      if (!b.ok) return badBody(b)
      const { grant_type, appid, secret, force_refresh } = b.value
      const { config } = state
      if (grant_type !== 'client_credential') return wxError(40002)
      if (appid !== config.appId) return wxError(40013)
      if (secret !== config.appSecret) return wxError(40125)

      if (force_refresh === true) {
        state.stats.forceRefreshes += 1
        state.spoilCurrentToken('invalidate')
      } else if (state.currentToken && state.checkToken(state.currentToken) === 0) {
        const left = state.tokens.get(state.currentToken)!.expiresAt - Date.now()
        const renewWindowMs = Math.min(config.tokenRenewWindow, config.tokenExpiresIn / 2) * 1000
        if (left > renewWindowMs)
          return { body: { access_token: state.currentToken, expires_in: Math.floor(left / 1000) } }
      }
      const { token, expiresIn } = state.issueToken()
      return { body: { access_token: token, expires_in: expiresIn } }
    }),
  )
}
