import type { z } from 'zod'
import type { ControlBodies } from './control.js'
import type { FakeWechatConfig, SentMessage, StatsSnapshot, TemplateFieldType } from './state.js'

type In<K extends keyof typeof ControlBodies> = z.input<(typeof ControlBodies)[K]>

/** Typed calls of the fake's control API; works against a fake in this process or another (e.g. the dev start script's). */
export interface FakeWechatControl {
  /** a wx.login code for the openid (a random one when omitted) */
  loginCode(input?: In<'loginCode'>): Promise<{ code: string; openid: string }>
  /** a getPhoneNumber code; '13800138000' (86 assumed) or '+8613800138000' */
  phoneCode(phoneNumber: string): Promise<string>
  /** grant `count` (default 1) one-time sends, or refuse (all grants gone) */
  subscribe(input: In<'subscriptions'>): Promise<{ remaining: number }>
  addTemplate(templateId: string, fields: Record<string, TemplateFieldType>): Promise<void>
  inject(input: In<'inject'>): Promise<void>
  /** the current access_token answers 42001 (expire, default) or 40001 (invalidate) from now on */
  expireToken(mode?: 'expire' | 'invalidate'): Promise<void>
  messages(filter?: { toUser?: string; templateId?: string }): Promise<SentMessage[]>
  /** register many users as logged in, optionally with grants: for load tests and benchmarks */
  seedUsers(input: In<'seedUsers'>): Promise<{ seeded: number }>
  /** messages received so far, without transferring them */
  messageCount(): Promise<{ count: number; distinctUsers: number }>
  stats(): Promise<StatsSnapshot>
  configure(patch: Partial<Omit<FakeWechatConfig, 'appId' | 'appSecret'>>): Promise<void>
  /** midnight in Beijing: the daily subscribe quota starts again */
  newDay(): Promise<void>
  reset(): Promise<void>
}

export function createControlClient(baseUrl: string): FakeWechatControl {
  const base = baseUrl.replace(/\/+$/, '')
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}/__control/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = (await res.json()) as T & { error?: string }
    if (!res.ok) throw new Error(`fake-wechat control ${path}: ${res.status} ${json.error ?? ''}`)
    return json
  }
  return {
    loginCode: (input = {}) => call('POST', 'login-code', input),
    phoneCode: async (phoneNumber) =>
      (await call<{ code: string }>('POST', 'phone-code', { phoneNumber })).code,
    subscribe: (input) => call('POST', 'subscriptions', input),
    seedUsers: (input) => call('POST', 'seed-users', input),
    messageCount: () => call('GET', 'message-count'),
    addTemplate: async (templateId, fields) => void (await call('POST', 'templates', { templateId, fields })),
    inject: async (input) => void (await call('POST', 'inject', input)),
    expireToken: async (mode) => void (await call('POST', 'expire-token', mode ? { mode } : {})),
    messages: async (filter = {}) => {
      const q = new URLSearchParams(
        Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string'),
      )
      return (await call<{ messages: SentMessage[] }>('GET', `messages?${q}`)).messages
    },
    stats: () => call('GET', 'stats'),
    configure: async (patch) => void (await call('POST', 'config', patch)),
    newDay: async () => void (await call('POST', 'new-day', {})),
    reset: async () => void (await call('POST', 'reset', {})),
  }
}
