import type Router from '@koa/router'
import { badBody, readJson, rid, wxEndpoint, wxError, wxOk, type WxReply } from './http.js'
import { ENDPOINTS, type FakeWechatState } from './state.js'

const MAX_CONTENT = 2500

/**
 * POST /wxa/msg_sec_check, version 2 only: keyword hits from the configured lists decide the suggestion
 * (risky before review), reported in `result` and `detail` as WeChat does. With `secCheckRiskyAsError` risky
 * content is answered with 87014 instead, as version 1 did.
 */
export function registerSecCheck(router: Router, state: FakeWechatState): void {
  router.post(
    ENDPOINTS.msg_sec_check,
    wxEndpoint(state, 'msg_sec_check', { token: true }, async (ctx): Promise<WxReply> => {
      const b = await readJson(ctx)
      if (!b.ok) return badBody(b)
      const { version, openid, scene, content } = b.value
      const { config } = state
      if (version !== 2) return wxError(40097, 'invalid args, version must be 2')
      if (typeof content !== 'string' || content === '' || [...content].length > MAX_CONTENT)
        return wxError(40097, `invalid args, content must be 1..${MAX_CONTENT} characters`)
      if (scene !== 1 && scene !== 2 && scene !== 3 && scene !== 4)
        return wxError(40097, 'invalid args, scene must be 1..4')
      const user = typeof openid === 'string' ? state.users.get(openid) : undefined
      if (!user) return wxError(40003)
      if (Date.now() - user.lastLoginAt > config.secCheckAccessWindowMs) return wxError(61010)

      const hits = (words: Record<string, number>, suggest: 'risky' | 'review') =>
        Object.entries(words)
          .filter(([word]) => content.includes(word))
          .map(([keyword, label]) => ({
            strategy: 'keyword',
            errcode: 0,
            suggest,
            label,
            level: 20,
            keyword,
          }))
      const risky = hits(config.sensitiveWords, 'risky')
      const review = risky.length ? [] : hits(config.reviewWords, 'review')
      const top = risky[0] ?? review[0]
      if (risky.length && config.secCheckRiskyAsError) return wxError(87014)
      const result = top ? { suggest: top.suggest, label: top.label } : { suggest: 'pass', label: 100 }
      return wxOk({
        result,
        detail: [
          { strategy: 'content_model', errcode: 0, ...result, prob: top ? 90 : 0 },
          ...risky,
          ...review,
        ],
        trace_id: rid(),
      })
    }),
  )
}
