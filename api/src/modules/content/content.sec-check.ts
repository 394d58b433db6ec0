import type { SecCheckResult, WechatClient } from '../../platform/wechat/client.js'
import { WechatError } from '../../platform/wechat/errors.js'
import { secCheckErrors } from './content.errors.js'
import { chunkText } from './content.sanitize.js'

/** msg_sec_check v2 reads at most 2500 characters per call. */
const CHUNK = 2500
/** 论坛: closest of the v2 scenes to a published article. */
const SCENE = 3

export const SEC_LABELS: Record<number, string> = {
  100: '正常',
  10001: '广告',
  20001: '时政',
  20002: '色情',
  20003: '辱骂',
  20006: '违法犯罪',
  20008: '欺诈',
  20012: '低俗',
  20013: '版权',
  21000: '其他',
  87014: '违法违规',
}
export const labelName = (label: number) => SEC_LABELS[label] ?? `类别 ${label}`

export type SecVerdict = Pick<SecCheckResult, 'suggest' | 'label'>

/**
 * Runs text through WeChat's content security check before anything is shown in the mini-program. It never
 * answers "pass" without WeChat having said so: an unreachable WeChat or a missing check account is a 503.
 */
export class ContentSecCheck {
  constructor(
    private readonly wechat: Pick<WechatClient, 'msgSecCheck'>,
    /** v2 needs the openid of someone who opened the mini-program in the last 2 hours (an operator's). */
    private readonly openid: string | undefined,
  ) {}

  /** The worst verdict over all chunks: risky stops at the first risky chunk, review outranks pass. */
  async check(text: string): Promise<SecVerdict> {
    if (!this.openid)
      throw secCheckErrors.unavailable(
        '未配置内容安全检测账号（WECHAT_SEC_CHECK_OPENID），内容未发布，请联系系统管理员',
      )
    let worst: SecVerdict = { suggest: 'pass', label: 100 }
    for (const content of chunkText(text, CHUNK)) {
      const r = await this.wechat
        .msgSecCheck({ openid: this.openid, content, scene: SCENE })
        .catch(toVerdictOrError)
      if (r.suggest === 'risky') return { suggest: 'risky', label: r.label }
      if (r.suggest === 'review' && worst.suggest === 'pass') worst = { suggest: 'review', label: r.label }
    }
    return worst
  }
}

function toVerdictOrError(e: unknown): SecVerdict {
  if (!(e instanceof WechatError)) throw e
  // Version 1 (and some gateways) answer risky text with an error instead of a verdict.
  if (e.errcode === 87014) return { suggest: 'risky', label: 87014 }
  if (e.errcode === 61010)
    throw secCheckErrors.unavailable(
      '内容安全检测账号近两小时未访问小程序，微信拒绝检测；请用该微信号打开一次小程序后重试发布',
      e.errcode,
    )
  if (e.errcode === 40003)
    throw secCheckErrors.unavailable(
      '内容安全检测账号无效或从未访问过本小程序，请联系系统管理员检查 WECHAT_SEC_CHECK_OPENID',
      e.errcode,
    )
  throw secCheckErrors.unavailable(
    `微信内容安全检测暂时不可用（${e.explanation}），内容未发布，请稍后重试`,
    e.errcode,
  )
}
