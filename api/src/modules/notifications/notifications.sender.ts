import type { Logger } from '../../platform/logger.js'
import type { SubscribeMessage } from '../../platform/wechat/client.js'
import { LOCAL_ERRCODES, WechatError } from '../../platform/wechat/errors.js'
import type { SendRateLimiter } from '../../platform/wechat/send-rate.js'

export interface WechatSender {
  sendSubscribeMessage(m: SubscribeMessage): Promise<{ msgid?: string }>
}

/**
 * Errcodes of a send WeChat refused before any message went out, where a later try may pass: the daily
 * quota (45009), system busy (-1), and our own wait for a token (WeChat never called). Timeouts and broken
 * connections are left out: that message may have gone out, and a resend on another grant would repeat it.
 */
export const RESENDABLE_ERRCODES: readonly number[] = [45009, -1, LOCAL_ERRCODES.tokenBusy]

/** What became of one send; written by the caller (in bulk), never here. */
export interface SendOutcome {
  status: 'sent' | 'spent' | 'failed' | 'pending'
  msgid?: string | null
  errcode?: number
  recovered?: boolean
  /** what becomes of the reserved grant; absent = stays reserved */
  grant?: 'consumed' | 'spent' | 'available'
}

export interface OutgoingMessage {
  message: SubscribeMessage
  /** a crash interrupted an earlier attempt on the same grant (the record was left "sending") */
  resumed: boolean
}

/**
 * The one WeChat send path of every notification, campaign fan-out included: the shared send rate, the
 * client's own retries, and the reading of WeChat's answer into what happens to the member's grant.
 */
export class SubscribeSender {
  constructor(
    private readonly d: { wechat: WechatSender; rate: SendRateLimiter; concurrency: number; log: Logger },
  ) {}

  /** One send. A 43101 on a resumed send means the interrupted attempt went out: it counts as sent. */
  async send(m: OutgoingMessage): Promise<SendOutcome> {
    await this.d.rate.take()
    try {
      const res = await this.d.wechat.sendSubscribeMessage(m.message)
      return { status: 'sent', msgid: res.msgid ? String(res.msgid) : null, grant: 'consumed' }
    } catch (err) {
      if (!(err instanceof WechatError)) throw err
      if (err.errcode === 43101)
        return m.resumed
          ? { status: 'sent', recovered: true, grant: 'consumed' }
          : { status: 'spent', errcode: 43101, grant: 'spent' }
      // Busy or over quota: keep the reservation; the caller's job is retried later with backoff.
      if (err.transient) return { status: 'pending', errcode: err.errcode }
      // Refused for good (47003, 40003, …): the message never went out, so the grant is still the member's.
      this.d.log.warn({ templateId: m.message.templateId, errcode: err.errcode }, 'wechat send refused')
      return { status: 'failed', errcode: err.errcode, grant: 'available' }
    }
  }

  /** Sends many with the configured number in flight; `done` records each outcome as it comes. */
  async sendAll<T>(
    items: readonly T[],
    message: (item: T) => OutgoingMessage,
    done: (item: T, outcome: SendOutcome) => Promise<void> | void,
  ) {
    const queue = [...items]
    const worker = async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift())
        await done(item, await this.send(message(item)))
    }
    await Promise.all(Array.from({ length: Math.min(this.d.concurrency, items.length) }, worker))
  }
}
