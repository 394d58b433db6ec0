import type Router from '@koa/router'
import { badBody, readJson, wxEndpoint, wxError, wxOk, type WxReply } from './http.js'
import { ENDPOINTS, type FakeWechatState, type TemplateFieldType } from './state.js'

const DAY = String.raw`\d{4}[年\-/.]\d{1,2}[月\-/.]\d{1,2}日?`
const CLOCK = String.raw`\d{1,2}:\d{2}(?::\d{2})?`
const range = (point: string) => new RegExp(`^${point}(?:\\s*~\\s*${point})?$`, 'u')
const TIME = range(`(?:${DAY}\\s*)?${CLOCK}`)
const DATE = range(`${DAY}(?:\\s*${CLOCK})?`)
const HAN = /^\p{Script=Han}+$/u

/**
 * The keyword rules of subscribe messages (数据类型说明 in the WeChat docs): undefined when the value is fine,
 * else what is wrong with it. Lengths count characters, not bytes.
 */
export function checkKeyword(type: TemplateFieldType, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return 'is empty'
  const len = [...value].length
  const within = (max: number) => (len <= max ? undefined : `exceeds ${max} characters`)
  switch (type) {
    case 'thing':
      return within(20)
    case 'number':
      return /^[+-]?\d+(?:\.\d+)?$/.test(value) ? within(32) : 'must be a number'
    case 'letter':
      return /^[A-Za-z]+$/.test(value) ? within(32) : 'must be letters'
    case 'symbol':
      return /^[^\p{L}\p{N}\s]+$/u.test(value) ? within(5) : 'must be symbols'
    case 'character_string':
      return /^[\x21-\x7e]+$/.test(value) ? within(32) : 'must be digits, letters or symbols'
    case 'time':
      return TIME.test(value) ? undefined : 'must be a 24-hour time, optionally with a date'
    case 'date':
      return DATE.test(value) ? undefined : 'must be a date, optionally with a time'
    case 'amount':
      return /^[¥￥$€£]?\d{1,10}(?:\.\d{1,2})?元?$/.test(value)
        ? undefined
        : 'must be an amount of at most 10 digits'
    case 'phone_number':
      return /^[\d+\-() ]+$/.test(value) ? within(17) : 'must be a phone number'
    case 'car_number':
      return /^[\p{Script=Han}A-Za-z0-9][A-Za-z0-9]*[\p{Script=Han}A-Za-z0-9]?$/u.test(value)
        ? within(8)
        : 'must be a plate number'
    case 'name':
      if (HAN.test(value.replace(/·/g, ''))) return within(10)
      return /^[A-Za-z\p{P}\p{S} ]+$/u.test(value)
        ? within(20)
        : 'must be at most 10 Chinese characters or 20 letters'
    case 'phrase':
      return HAN.test(value) ? within(5) : 'must be Chinese characters'
  }
}

/**
 * POST /cgi-bin/message/subscribe/send. The user must have logged in (40003), the template must exist (40037),
 * every keyword must satisfy its type (47003), and each send uses up one grant from wx.requestSubscribeMessage
 * (43101 when none is left). Parameters are checked before a grant is used.
 */
export function registerSubscribe(router: Router, state: FakeWechatState): void {
  router.post(
    ENDPOINTS.subscribe_send,
    wxEndpoint(state, 'subscribe_send', { token: true }, async (ctx): Promise<WxReply> => {
      const b = await readJson(ctx)
      if (!b.ok) return badBody(b)
      if (state.subscribeQuotaSpent()) return wxError(45009)
      const { touser, template_id, page, data, miniprogram_state, lang } = b.value
      if (typeof touser !== 'string' || !state.users.has(touser)) return wxError(40003)
      const fields = typeof template_id === 'string' ? state.templates.get(template_id) : undefined
      if (!fields) return wxError(40037)
      if (
        miniprogram_state !== undefined &&
        !['developer', 'trial', 'formal'].includes(miniprogram_state as string)
      )
        return wxError(47003, 'argument invalid! miniprogram_state invalid')

      const given = (data && typeof data === 'object' ? data : {}) as Record<
        string,
        { value?: unknown } | undefined
      >
      const values: Record<string, string> = {}
      for (const [key, type] of Object.entries(fields)) {
        const value = given[key]?.value
        const problem = checkKeyword(type, value)
        if (problem) return wxError(47003, `argument invalid! data.${key}.value ${problem}`)
        values[key] = value as string
      }
      if (!state.consumeGrant(touser, template_id as string)) return wxError(43101)
      const sent = state.recordMessage({
        toUser: touser,
        templateId: template_id as string,
        data: values,
        ...(typeof page === 'string' ? { page } : {}),
        ...(typeof miniprogram_state === 'string' ? { miniprogramState: miniprogram_state } : {}),
        ...(typeof lang === 'string' ? { lang } : {}),
      })
      return wxOk({ msgid: sent.msgid })
    }),
  )
}
