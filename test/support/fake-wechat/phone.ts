import type Router from '@koa/router'
import { badBody, readJson, wxEndpoint, wxError, wxOk, type WxReply } from './http.js'
import { ENDPOINTS, type FakeWechatState } from './state.js'

/** POST /wxa/business/getuserphonenumber: getPhoneNumber button code (one-time, 5 min) → phone_info. */
export function registerPhone(router: Router, state: FakeWechatState): void {
  router.post(
    ENDPOINTS.getuserphonenumber,
    wxEndpoint(state, 'getuserphonenumber', { token: true }, async (ctx): Promise<WxReply> => {
      const b = await readJson(ctx)
      if (!b.ok) return badBody(b)
      const code = b.value.code
      const entry = typeof code === 'string' ? state.phoneCodes.get(code) : undefined
      if (!entry || entry.used || Date.now() >= entry.expiresAt) return wxError(40029)
      entry.used = true
      return wxOk({
        phone_info: {
          phoneNumber: entry.phoneNumber,
          purePhoneNumber: entry.purePhoneNumber,
          countryCode: entry.countryCode,
          watermark: { timestamp: Math.floor(Date.now() / 1000), appid: state.config.appId },
        },
      })
    }),
  )
}
