/**
 * WeChat errcodes the api meets, with what they mean in words an operator (or a user) can act on.
 * Codes below -1000 are ours: failures that never reached, or never came back from, WeChat.
 */
export const LOCAL_ERRCODES = {
  network: -1001,
  timeout: -1002,
  badResponse: -1003,
  tokenBusy: -1004,
} as const

export const WECHAT_ERRCODES: Readonly<Record<number, string>> = {
  [-1]: '微信系统繁忙，请稍后重试',
  40001: 'access_token 无效或不是最新（可能已被其他服务刷新）',
  40002: '不合法的凭证类型（grant_type）',
  40003: '不合法的 openid（用户未访问过小程序或不属于本小程序）',
  40013: '不合法的 AppID，请检查小程序配置',
  40014: '不合法的 access_token',
  40029: '无效的登录 code（已过期或不属于本小程序），请重新调用 wx.login',
  40037: '订阅消息模板 ID 不正确',
  40097: '参数错误',
  40125: 'AppSecret 不正确，请检查小程序配置',
  40163: 'code 已被使用，请重新调用 wx.login 获取新的 code',
  40066: '不合法的接口地址',
  41001: '缺少 access_token 参数',
  41008: '缺少 code 参数',
  42001: 'access_token 已过期',
  43101: '用户拒绝接受消息，或一次性订阅次数已用完',
  44002: '请求体为空',
  45009: '接口调用超过限额（每日/每分钟）',
  45011: '频率限制：每个用户每分钟最多调用 100 次，请稍后再试',
  47001: '请求数据格式错误（不是合法的 JSON）',
  47003: '模板参数不准确，可能为空或不满足规则（例如 thing 超过 20 个字符）',
  61010: '用户访问记录超时（用户需在近两小时内访问过小程序）',
  87014: '内容含有违法违规内容',
  [LOCAL_ERRCODES.network]: '无法连接微信服务器',
  [LOCAL_ERRCODES.timeout]: '调用微信接口超时',
  [LOCAL_ERRCODES.badResponse]: '微信接口返回了无法识别的数据',
  [LOCAL_ERRCODES.tokenBusy]: '等待其他进程刷新 access_token 超时',
}

/** Worth another attempt after a pause: the platform was busy or over quota, or the call never made it. */
const TRANSIENT = new Set<number>([
  -1,
  45009,
  LOCAL_ERRCODES.network,
  LOCAL_ERRCODES.timeout,
  LOCAL_ERRCODES.tokenBusy,
])

/** The access_token itself was refused: fetch a new one and try the call once more. */
export const TOKEN_INVALID_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001])

export function isTransientErrcode(errcode: number): boolean {
  return TRANSIENT.has(errcode)
}

export function explainErrcode(errcode: number): string {
  return WECHAT_ERRCODES[errcode] ?? `微信接口错误（errcode ${errcode}）`
}

export class WechatError extends Error {
  override readonly name = 'WechatError'
  readonly transient: boolean
  /** Chinese explanation from WECHAT_ERRCODES, for messages shown to people. */
  readonly explanation: string

  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly endpoint: string,
    options?: { cause?: unknown; transient?: boolean },
  ) {
    super(
      `${endpoint}: ${errcode} ${errmsg}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    )
    this.transient = options?.transient ?? isTransientErrcode(errcode)
    this.explanation = explainErrcode(errcode)
  }
}
