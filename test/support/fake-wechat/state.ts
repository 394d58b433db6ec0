import { randomBytes } from 'node:crypto'

/** Subscribe-message keyword types (the prefix of a template keyword such as `thing1`). */
export const TEMPLATE_FIELD_TYPES = [
  'thing',
  'number',
  'letter',
  'symbol',
  'character_string',
  'time',
  'date',
  'amount',
  'phone_number',
  'car_number',
  'name',
  'phrase',
] as const
export type TemplateFieldType = (typeof TEMPLATE_FIELD_TYPES)[number]

/** The endpoints the fake serves; errors are injected and calls counted under these names. */
export const ENDPOINTS = {
  jscode2session: '/sns/jscode2session',
  stable_token: '/cgi-bin/stable_token',
  getuserphonenumber: '/wxa/business/getuserphonenumber',
  subscribe_send: '/cgi-bin/message/subscribe/send',
  msg_sec_check: '/wxa/msg_sec_check',
} as const
export type FakeEndpoint = keyof typeof ENDPOINTS

export function endpointName(nameOrPath: string): FakeEndpoint | undefined {
  if (nameOrPath in ENDPOINTS) return nameOrPath as FakeEndpoint
  return (Object.keys(ENDPOINTS) as FakeEndpoint[]).find((k) => ENDPOINTS[k] === nameOrPath)
}

/**
 * Templates registered when the fake starts (and after a reset), shaped like 知产通's real ones.
 * Real template ids are 43-character strings from the MP console; these readable ids stand in for them.
 */
export const DEFAULT_TEMPLATES: Record<string, Record<string, TemplateFieldType>> = {
  /** 业务办理进度通知 */
  'tpl-application-progress': { thing1: 'thing', phrase2: 'phrase', time3: 'time', thing4: 'thing' },
  /** 专利信息推送通知: 标题, 摘要, 发布时间, 发布单位 */
  'tpl-patent-push': { thing1: 'thing', thing2: 'thing', time3: 'time', thing4: 'thing' },
  /** 预约成功通知 */
  'tpl-appointment': { name1: 'name', time2: 'time', thing3: 'thing', character_string4: 'character_string' },
  /** 费用缴纳提醒 */
  'tpl-fee-reminder': { thing1: 'thing', amount2: 'amount', date3: 'date', number4: 'number' },
}

export interface FakeWechatConfig {
  appId: string
  appSecret: string
  /** stable_token lifetime in seconds; default 7200 */
  tokenExpiresIn: number
  /** normal-mode stable_token hands out a new token when less than this remains (seconds); default 300 */
  tokenRenewWindow: number
  /** logins per openid per minute before 45011; default 100 */
  loginRateLimitPerMinute: number
  /** wx.login and getPhoneNumber codes live this long (ms); default 5 min */
  codeTtlMs: number
  /** msg_sec_check: word → label (20001 时政, 20002 色情, 20006 违法犯罪 …) giving suggest 'risky' */
  sensitiveWords: Record<string, number>
  /** msg_sec_check: word → label giving suggest 'review' */
  reviewWords: Record<string, number>
  /** msg_sec_check answers risky content with errcode 87014, as version 1 did, instead of a v2 result */
  secCheckRiskyAsError: boolean
  /** msg_sec_check needs a login by the openid within this window (ms) or answers 61010; default 2 h */
  secCheckAccessWindowMs: number
  /** subscribe/send messages accepted per day before 45009 (reach max api daily quota limit); null: no limit */
  subscribeDailyQuota: number | null
}

export const DEFAULT_CONFIG: Omit<FakeWechatConfig, 'appId' | 'appSecret'> = {
  tokenExpiresIn: 7200,
  tokenRenewWindow: 300,
  loginRateLimitPerMinute: 100,
  codeTtlMs: 5 * 60_000,
  sensitiveWords: { 赌博: 20006, 违禁: 20006, 代开发票: 20008, 色情: 20002 },
  reviewWords: { 加微信: 10001 },
  secCheckRiskyAsError: false,
  secCheckAccessWindowMs: 2 * 60 * 60_000,
  subscribeDailyQuota: null,
}

export interface Injection {
  endpoint: FakeEndpoint
  /** answered instead of the normal handling; omit to only delay */
  errcode?: number
  errmsg?: string
  /** HTTP status of the injected answer; default 200 as WeChat's own errors. A 5xx answers with a non-JSON body. */
  status?: number
  /** wait before answering (to provoke client timeouts) */
  delayMs?: number
  /** how many calls this applies to; default 1 */
  times: number
}

export interface SentMessage {
  msgid: number
  toUser: string
  templateId: string
  page?: string
  miniprogramState?: string
  lang?: string
  data: Record<string, string>
  sentAt: number
}

interface LoginCode {
  openid: string
  unionid?: string
  expiresAt: number
  used: boolean
}

interface PhoneCode {
  phoneNumber: string
  purePhoneNumber: string
  countryCode: string
  expiresAt: number
  used: boolean
}

interface IssuedToken {
  expiresAt: number
  /** replaced by a force refresh (or invalidated through the control API): answers 40001 */
  revoked: boolean
}

interface User {
  unionid?: string
  sessionKey: string
  lastLoginAt: number
  /** successful logins in the last minute, for 45011 */
  recentLogins: number[]
}

export type StatsSnapshot = {
  calls: Partial<Record<FakeEndpoint, number>>
  errors: Partial<Record<FakeEndpoint, Record<string, number>>>
  forceRefreshes: number
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex')

/** Everything the fake remembers, in memory; handlers read and change it, the control API too. */
export class FakeWechatState {
  readonly config: FakeWechatConfig
  users = new Map<string, User>()
  loginCodes = new Map<string, LoginCode>()
  phoneCodes = new Map<string, PhoneCode>()
  tokens = new Map<string, IssuedToken>()
  currentToken: string | undefined
  templates = new Map<string, Record<string, TemplateFieldType>>()
  /** `${openid} ${templateId}` → remaining one-time grants */
  subscriptions = new Map<string, number>()
  messages: SentMessage[] = []
  injections: Injection[] = []
  /** subscribe messages accepted since the day began (see subscribeDailyQuota and newDay) */
  sentToday = 0
  stats: StatsSnapshot = { calls: {}, errors: {}, forceRefreshes: 0 }
  private nextMsgId = 2_000_000_000_000_000
  private readonly initialConfig: FakeWechatConfig

  constructor(config: Partial<FakeWechatConfig> & { appId: string; appSecret: string }) {
    this.initialConfig = structuredClone({ ...DEFAULT_CONFIG, ...config })
    this.config = structuredClone(this.initialConfig)
    this.registerDefaultTemplates()
  }

  /** Back to the state right after start, configuration included. */
  reset(): void {
    Object.assign(this.config, structuredClone(this.initialConfig))
    this.users.clear()
    this.loginCodes.clear()
    this.phoneCodes.clear()
    this.tokens.clear()
    this.currentToken = undefined
    this.templates.clear()
    this.subscriptions.clear()
    this.messages = []
    this.sentToday = 0
    this.injections = []
    this.stats = { calls: {}, errors: {}, forceRefreshes: 0 }
    this.registerDefaultTemplates()
  }

  private registerDefaultTemplates() {
    for (const [id, fields] of Object.entries(DEFAULT_TEMPLATES)) this.templates.set(id, { ...fields })
  }

  // ---- codes -------------------------------------------------------------------------------------

  issueLoginCode(openid: string, unionid?: string): string {
    const code = `lc_${hex(12)}`
    this.loginCodes.set(code, {
      openid,
      ...(unionid ? { unionid } : {}),
      expiresAt: Date.now() + this.config.codeTtlMs,
      used: false,
    })
    return code
  }

  issuePhoneCode(phoneNumber: string): string {
    // '13800138000' or '+8613800138000' (mainland China), '+852 61234567' (others: country code, then a space or dash)
    const m = /^\+(?:(86)|(\d{1,3})[\s-])(\d{4,})$/.exec(phoneNumber)
    const countryCode = m ? (m[1] ?? m[2]!) : '86'
    const purePhoneNumber = m ? m[3]! : phoneNumber
    const code = `pc_${hex(16)}`
    this.phoneCodes.set(code, {
      // WeChat gives mainland numbers without the country code, others with it
      phoneNumber: countryCode === '86' ? purePhoneNumber : `+${countryCode}${purePhoneNumber}`,
      purePhoneNumber,
      countryCode,
      expiresAt: Date.now() + this.config.codeTtlMs,
      used: false,
    })
    return code
  }

  /** The user record as jscode2session leaves it; the control API can also log a user in directly. */
  recordLogin(openid: string, unionid?: string): User {
    const now = Date.now()
    const user = this.users.get(openid) ?? { sessionKey: '', lastLoginAt: now, recentLogins: [] }
    user.sessionKey = randomBytes(16).toString('base64')
    user.lastLoginAt = now
    user.recentLogins = user.recentLogins.filter((t) => now - t < 60_000)
    user.recentLogins.push(now)
    if (unionid) user.unionid = unionid
    this.users.set(openid, user)
    return user
  }

  loginsInLastMinute(openid: string): number {
    const now = Date.now()
    return this.users.get(openid)?.recentLogins.filter((t) => now - t < 60_000).length ?? 0
  }

  // ---- tokens ------------------------------------------------------------------------------------

  issueToken(): { token: string; expiresIn: number } {
    const token = `${hex(20)}_${hex(12)}`
    this.tokens.set(token, { expiresAt: Date.now() + this.config.tokenExpiresIn * 1000, revoked: false })
    this.currentToken = token
    return { token, expiresIn: this.config.tokenExpiresIn }
  }

  /** 0 when fine, else the errcode WeChat answers for this access_token. */
  checkToken(token: string | undefined): 0 | 41001 | 40001 | 42001 {
    if (!token) return 41001
    const t = this.tokens.get(token)
    if (!t || t.revoked) return 40001
    if (Date.now() >= t.expiresAt) return 42001
    return 0
  }

  /** Makes the current token answer 42001 (expire) or 40001 (invalidate) from now on. */
  spoilCurrentToken(mode: 'expire' | 'invalidate'): string | undefined {
    const t = this.currentToken ? this.tokens.get(this.currentToken) : undefined
    if (t) {
      if (mode === 'expire') t.expiresAt = Date.now() - 1
      else t.revoked = true
    }
    return this.currentToken
  }

  // ---- subscriptions and messages ----------------------------------------------------------------

  grant(openid: string, templateId: string, accept: boolean, count = 1): number {
    const key = `${openid} ${templateId}`
    const remaining = accept ? (this.subscriptions.get(key) ?? 0) + count : 0
    this.subscriptions.set(key, remaining)
    return remaining
  }

  /** Uses up one grant; false when none is left. */
  consumeGrant(openid: string, templateId: string): boolean {
    const key = `${openid} ${templateId}`
    const left = this.subscriptions.get(key) ?? 0
    if (left <= 0) return false
    this.subscriptions.set(key, left - 1)
    return true
  }

  recordMessage(m: Omit<SentMessage, 'msgid' | 'sentAt'>): SentMessage {
    const sent = { ...m, msgid: this.nextMsgId++, sentAt: Date.now() }
    this.messages.push(sent)
    this.sentToday++
    return sent
  }

  /** The daily subscribe quota is used up (WeChat answers 45009 until the next day). */
  subscribeQuotaSpent(): boolean {
    return this.config.subscribeDailyQuota !== null && this.sentToday >= this.config.subscribeDailyQuota
  }

  /** Midnight in Beijing: daily quotas start again. */
  newDay(): void {
    this.sentToday = 0
  }

  // ---- injection and stats -----------------------------------------------------------------------

  inject(i: Omit<Injection, 'times'> & { times?: number }): void {
    this.injections.push({ ...i, times: i.times ?? 1 })
  }

  takeInjection(endpoint: FakeEndpoint): Omit<Injection, 'times'> | undefined {
    const idx = this.injections.findIndex((i) => i.endpoint === endpoint && i.times > 0)
    if (idx < 0) return undefined
    const inj = this.injections[idx]!
    inj.times -= 1
    if (inj.times <= 0) this.injections.splice(idx, 1)
    return inj
  }

  /** errcode 0 is a success; other keys (an errcode, or `http_502` for an injected gateway failure) are tallied as errors. */
  countCall(endpoint: FakeEndpoint, errcode: number | string): void {
    this.stats.calls[endpoint] = (this.stats.calls[endpoint] ?? 0) + 1
    if (errcode !== 0) {
      const errs = (this.stats.errors[endpoint] ??= {})
      errs[errcode] = (errs[errcode] ?? 0) + 1
    }
  }
}
