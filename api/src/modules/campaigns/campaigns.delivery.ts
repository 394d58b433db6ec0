import { Types, type Model } from 'mongoose'
import type { Redis } from 'ioredis'
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { isDuplicateKey } from '../../platform/errors.js'
import type { Logger } from '../../platform/logger.js'
import type { SubscribeMessage } from '../../platform/wechat/client.js'
import { isTransientErrcode, LOCAL_ERRCODES, WechatError } from '../../platform/wechat/errors.js'
import { InboxItemModel, type InboxItemDoc } from '../inbox/inbox.model.js'
import { ProfileModel, type ProfileDoc } from '../interests/interests.model.js'
import { MpUserModel } from '../mp-accounts/mp-accounts.model.js'
import type { SettingsService } from '../settings/settings.service.js'
import { GrantModel } from '../subscriptions/subscriptions.model.js'
import type { SubscriptionService } from '../subscriptions/subscriptions.service.js'
import type { BatchPayload } from './campaigns.jobs.js'
import { industrySections } from './campaigns.matching.js'
import {
  BatchResultModel,
  CampaignModel,
  DeliveryModel,
  EnterpriseDeliveryModel,
  type CampaignDoc,
  type DeliveryDoc,
} from './campaigns.model.js'
import type { CampaignService } from './campaigns.service.js'

export interface WechatSender {
  sendSubscribeMessage(m: SubscribeMessage): Promise<{ msgid?: string }>
}

/** Thrown to make bull retry the batch later; everything done so far is recorded and will be skipped. */
export class RetryBatch extends Error {}

/**
 * Errcodes of a send WeChat refused before any message went out, where a later try may pass: the daily
 * quota (45009), system busy (-1), and our own wait for a token (WeChat never called). Timeouts and broken
 * connections are left out: that message may have gone out, and a resend on another grant would repeat it.
 */
export const RESENDABLE_ERRCODES: readonly number[] = [45009, -1, LOCAL_ERRCODES.tokenBusy]

interface Outcome {
  status: 'sent' | 'spent' | 'failed' | 'pending'
  msgid?: string | null
  errcode?: number
  recovered?: boolean
  /** what becomes of the reserved grant; absent = stays reserved */
  grant?: 'consumed' | 'spent' | 'available'
}

/**
 * Writes send outcomes in bulk, every FLUSH_EVERY sends: two round trips per hundred deliveries instead
 * of four per delivery, while bounding how many "sending" records a crash can leave behind.
 */
class OutcomeRecorder {
  private static readonly FLUSH_EVERY = 100
  private pending: { deliveryId: Types.ObjectId; grantId: Types.ObjectId; outcome: Outcome }[] = []
  private flushing: Promise<void> = Promise.resolve()

  constructor(private readonly subscriptions: SubscriptionService) {}

  async add(deliveryId: Types.ObjectId, grantId: Types.ObjectId, outcome: Outcome) {
    this.pending.push({ deliveryId, grantId, outcome })
    if (this.pending.length >= OutcomeRecorder.FLUSH_EVERY) await this.flush()
  }

  flush(): Promise<void> {
    const rows = this.pending
    this.pending = []
    this.flushing = this.flushing.then(async () => {
      if (!rows.length) return
      await DeliveryModel.bulkWrite(
        rows.map(({ deliveryId, outcome: { grant: _g, ...fields } }) => ({
          updateOne: { filter: { _id: deliveryId }, update: { $set: fields } },
        })),
        { ordered: false },
      )
      await this.subscriptions.settleMany(
        rows.flatMap((r) => (r.outcome.grant ? [{ grantId: r.grantId, to: r.outcome.grant }] : [])),
      )
    })
    return this.flushing
  }
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0)
/** now − before per key, zeros left out */
function difference(now: Record<string, number>, before: Record<string, number>) {
  const out: Record<string, number> = {}
  for (const k of new Set([...Object.keys(now), ...Object.keys(before)])) {
    const n = (now[k] ?? 0) - (before[k] ?? 0)
    if (n) out[k] = n
  }
  return out
}

const clip = (s: string, n: number) =>
  (Array.from(s).length > n
    ? `${Array.from(s)
        .slice(0, n - 1)
        .join('')}…`
    : s) || '—'
const fmtTime = (d: Date) => {
  const p = (n: number) => String(n).padStart(2, '0')
  // Beijing time, as the message reads it.
  const b = new Date(d.getTime() + 8 * 3600_000)
  return `${b.getUTCFullYear()}-${p(b.getUTCMonth() + 1)}-${p(b.getUTCDate())} ${p(b.getUTCHours())}:${p(b.getUTCMinutes())}`
}

/**
 * Delivers one batch: the inbox item for every member (idempotent by unique key), then a WeChat message
 * to each member holding a subscription grant, through a send-rate limit shared by all workers.
 * A crashed worker's batch is simply run again: delivered items are skipped; a delivery caught between
 * "sent to WeChat" and "recorded" is resent on the same one-time grant, which WeChat answers with 43101
 * if the first attempt went through, and that is recorded as sent.
 */
const SEND_BLOCK = 20

/**
 * Idempotent bulk insert for fan-out records: complete documents (lean, so no per-document mongoose
 * overhead at 500 a batch), unordered, and rows already written by an earlier run are skipped.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any of the fan-out models
async function insertIgnoringDuplicates(model: Model<any>, docs: object[]) {
  try {
    await model.insertMany(docs, { ordered: false, lean: true })
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors
    const allDuplicates = writeErrors?.every((w) => (w.code ?? w.err?.code) === 11000)
    if (!isDuplicateKey(err) && !allDuplicates) throw err
  }
}

export class CampaignDelivery {
  private readonly limiter: RateLimiterRedis
  private allowance = 0
  private refill: Promise<void> | undefined

  constructor(
    private readonly d: {
      campaigns: CampaignService
      subscriptions: SubscriptionService
      settings: SettingsService
      wechat: WechatSender
      redis: Redis
      prefix: string
      sendsPerSecond: number
      concurrency: number
      log: Logger
    },
  ) {
    this.limiter = new RateLimiterRedis({
      storeClient: d.redis,
      keyPrefix: `${d.prefix}:rl:wx-send`,
      points: d.sendsPerSecond,
      duration: 1,
    })
  }

  /**
   * On the last attempt (`lastAttempt`), sends WeChat still refuses transiently (45009 …) are recorded as
   * failed and their grants go back to the members, so the batch ends with a result instead of a retry.
   */
  async processBatch(p: BatchPayload, opts: { lastAttempt?: boolean } = {}) {
    const campaign = await CampaignModel.findById(p.campaignId).lean<CampaignDoc>()
    if (!campaign || campaign.status !== 'sending') return { skipped: true }
    if (await BatchResultModel.exists({ campaignId: campaign._id, batch: p.batch })) return { skipped: true }
    const settings = await this.d.settings.push()
    const users = p.recipients.map(([u]) => new Types.ObjectId(u))

    const inbox = await this.writeInbox(campaign, p)
    await this.recordEnterpriseDeliveries(campaign, p)

    // WeChat channel: one delivery record per member, created once; later runs pick up what is unfinished.
    const now = new Date()
    await insertIgnoringDuplicates(
      DeliveryModel,
      p.recipients.map(([u, e]) => ({
        campaignId: campaign._id,
        userId: new Types.ObjectId(u),
        enterpriseId: new Types.ObjectId(e),
        channel: 'wechat',
        status: 'pending',
        attempts: 0,
        errcode: null,
        msgid: null,
        recovered: false,
        createdAt: now,
        updatedAt: now,
      })),
    )
    const [deliveries, openids] = await Promise.all([
      DeliveryModel.find({ campaignId: campaign._id, userId: { $in: users }, channel: 'wechat' }).lean<
        DeliveryDoc[]
      >(),
      MpUserModel.find({ _id: { $in: users } }, { openid: 1 }).lean<
        { _id: Types.ObjectId; openid: string }[]
      >(),
    ])
    const openidOf = new Map(openids.map((u) => [String(u._id), u.openid]))
    const todo = deliveries.filter((d) => d.status === 'pending' || d.status === 'sending')
    const grants = await this.d.subscriptions.reserveMany(
      todo.map((d) => ({ deliveryId: d._id, userId: d.userId })),
      campaign.templateId,
    )
    const sendable = todo.filter(
      (d) => grants.has(String(d._id)) && openidOf.has(String(d.userId)) && inbox.has(String(d.userId)),
    )
    const noGrant = todo.filter((d) => !sendable.includes(d))
    if (noGrant.length)
      await DeliveryModel.updateMany(
        { _id: { $in: noGrant.map((d) => d._id) } },
        { $set: { status: 'no_grant' } },
      )
    // From here until an outcome is recorded, a delivery is "sending": a crash leaves it so, and the
    // retried batch resends on the same one-time grant (see the class comment).
    await DeliveryModel.updateMany(
      { _id: { $in: sendable.map((d) => d._id) } },
      { $set: { status: 'sending' }, $inc: { attempts: 1 } },
    )

    const recorder = new OutcomeRecorder(this.d.subscriptions)
    let transient = 0
    const queue = [...sendable]
    const worker = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) {
        let outcome = await this.sendOne(
          campaign,
          settings,
          d,
          openidOf.get(String(d.userId))!,
          inbox.get(String(d.userId))!,
        )
        if (outcome.status === 'pending') {
          if (opts.lastAttempt) outcome = { status: 'failed', errcode: outcome.errcode, grant: 'available' }
          else transient++
        }
        await recorder.add(d._id, grants.get(String(d._id))!, outcome)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.d.concurrency, sendable.length) }, worker))
    await recorder.flush()
    if (transient) throw new RetryBatch(`${transient} WeChat sends failed transiently; batch will be retried`)

    // Every member's outcome is final now: write the batch result once and count it toward progress.
    const result = await this.writeResult(campaign, p, { inbox: inbox.size })
    return { skipped: false, ...result }
  }

  /**
   * onFailed of a batch that exhausted its attempts for any other reason (a crash, the database away):
   * every member's delivery becomes final and a failed batch result is written, so the campaign can end.
   * Idempotent; the sweep calls it again for a batch whose onFailed never ran.
   */
  async failBatch(p: BatchPayload, err: Error) {
    const campaign = await CampaignModel.findById(p.campaignId).lean<CampaignDoc>()
    if (!campaign || campaign.status !== 'sending') return
    if (await BatchResultModel.exists({ campaignId: campaign._id, batch: p.batch })) {
      await this.d.campaigns.finishIfComplete(campaign._id)
      return
    }
    this.d.log.error(
      { campaignId: p.campaignId, batch: p.batch, err: err.message },
      'push batch gave up; its unfinished deliveries are recorded as failed',
    )
    // The inbox is the channel every member should have: try once more, but count what is there.
    let inbox = 0
    try {
      inbox = (await this.writeInbox(campaign, p)).size
      await this.recordEnterpriseDeliveries(campaign, p)
    } catch (e) {
      this.d.log.warn(
        { campaignId: p.campaignId, batch: p.batch, err: (e as Error).message },
        'inbox not written',
      )
    }
    const users = p.recipients.map(([u]) => new Types.ObjectId(u))
    const now = new Date()
    // Members whose delivery record was never made get one, failed without an errcode.
    await insertIgnoringDuplicates(
      DeliveryModel,
      p.recipients.map(([u, e]) => ({
        campaignId: campaign._id,
        userId: new Types.ObjectId(u),
        enterpriseId: new Types.ObjectId(e),
        channel: 'wechat',
        status: 'failed',
        attempts: 0,
        errcode: null,
        msgid: null,
        recovered: false,
        createdAt: now,
        updatedAt: now,
      })),
    )
    const open = await DeliveryModel.find(
      { campaignId: campaign._id, userId: { $in: users }, status: { $in: ['pending', 'sending'] } },
      { status: 1 },
    ).lean<DeliveryDoc[]>()
    const pending = open.filter((d) => d.status === 'pending').map((d) => d._id)
    const sending = open.filter((d) => d.status === 'sending').map((d) => d._id)
    // pending: nothing went out (errcode kept, so a quota refusal can be resent); the grant goes back.
    if (pending.length) {
      await DeliveryModel.updateMany(
        { _id: { $in: pending }, status: 'pending' },
        { $set: { status: 'failed' } },
      )
      const held = await GrantModel.find(
        { deliveryId: { $in: pending }, status: 'reserved' },
        { _id: 1 },
      ).lean<{ _id: Types.ObjectId }[]>()
      await this.d.subscriptions.settleMany(held.map((g) => ({ grantId: g._id, to: 'available' as const })))
    }
    // sending: the message may have gone out, so failed without an errcode and never resent.
    if (sending.length)
      await DeliveryModel.updateMany(
        { _id: { $in: sending }, status: 'sending' },
        { $set: { status: 'failed', errcode: null } },
      )
    await this.writeResult(campaign, p, { inbox, error: err.message })
  }

  /**
   * Counts the batch's final delivery outcomes into its write-once result and lets the campaign finish.
   * A resend batch's figures are the changes to what its members had counted before (failed → sent …), so
   * the campaign's sums stay one outcome per member. A batch is failed when its attempts ran out with
   * members WeChat kept refusing, or it crashed for good (`error`).
   */
  private async writeResult(c: CampaignDoc, p: BatchPayload, run: { inbox: number; error?: string }) {
    const final = await DeliveryModel.find(
      { campaignId: c._id, userId: { $in: p.recipients.map(([u]) => new Types.ObjectId(u)) } },
      { status: 1, errcode: 1 },
    ).lean<DeliveryDoc[]>()
    const failedByErrcode: Record<string, number> = {}
    const exhausted: Record<string, number> = {}
    let wechatSent = 0
    let wechatFailed = 0
    for (const d of final) {
      if (d.status === 'sent') wechatSent++
      else if (d.status === 'failed' || d.status === 'spent') {
        wechatFailed++
        const code = String(d.errcode ?? 'unknown')
        failedByErrcode[code] = (failedByErrcode[code] ?? 0) + 1
        if (d.status === 'failed' && d.errcode !== null && isTransientErrcode(d.errcode))
          exhausted[code] = (exhausted[code] ?? 0) + 1
      }
    }
    const commonest = (counts: Record<string, number>) =>
      Object.entries(counts).sort((a, b) => b[1] - a[1])[0]?.[0]
    const cause = commonest(exhausted) ?? (run.error ? commonest(failedByErrcode) : undefined)
    const outcome = {
      status: run.error || Object.keys(exhausted).length ? ('failed' as const) : ('done' as const),
      errcode: cause && cause !== 'unknown' ? Number(cause) : null,
      error: run.error ?? null,
    }
    const figures = p.resend
      ? {
          processed: 0,
          wechatSent,
          wechatFailed: wechatFailed - sum(p.resend.before),
          inboxOnly: -wechatSent,
          failedByErrcode: difference(failedByErrcode, p.resend.before),
          round: p.resend.round,
          resent: p.recipients.length,
        }
      : {
          processed: p.recipients.length,
          wechatSent,
          wechatFailed,
          inboxOnly: run.error ? Math.max(0, run.inbox - wechatSent) : p.recipients.length - wechatSent,
          failedByErrcode,
        }
    try {
      await BatchResultModel.create({ campaignId: c._id, batch: p.batch, ...figures, ...outcome })
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
    }
    await this.d.campaigns.finishIfComplete(c._id)
    return { processed: p.recipients.length, wechatSent, wechatFailed, status: outcome.status }
  }

  private async writeInbox(c: CampaignDoc, p: BatchPayload) {
    const now = new Date()
    await insertIgnoringDuplicates(
      InboxItemModel,
      p.recipients.map(([u, e]) => ({
        userId: new Types.ObjectId(u),
        campaignId: c._id,
        enterpriseId: new Types.ObjectId(e),
        content: { kind: c.content.kind, id: c.content.id },
        title: c.content.title,
        summary: c.content.summary,
        readAt: null,
        clickedAt: null,
        createdAt: now,
      })),
    )
    const items = await InboxItemModel.find(
      { campaignId: c._id, userId: { $in: p.recipients.map(([u]) => new Types.ObjectId(u)) } },
      { userId: 1 },
    ).lean<Pick<InboxItemDoc, '_id' | 'userId'>[]>()
    return new Map(items.map((i) => [String(i.userId), i._id]))
  }

  /** One enterprise-delivery per enterprise per campaign, with region and industry for the yearly statistics. */
  private async recordEnterpriseDeliveries(c: CampaignDoc, p: BatchPayload) {
    const ids = [...new Set(p.recipients.map(([, e]) => e))].map((e) => new Types.ObjectId(e))
    const profiles = await ProfileModel.find(
      { enterpriseId: { $in: ids } },
      { enterpriseId: 1, region: 1, industries: 1 },
    ).lean<ProfileDoc[]>()
    const byId = new Map(profiles.map((pr) => [String(pr.enterpriseId), pr]))
    const at = new Date()
    const bj = new Date(at.getTime() + 8 * 3600_000)
    await insertIgnoringDuplicates(
      EnterpriseDeliveryModel,
      ids.map((id) => {
        const pr = byId.get(String(id))
        return {
          campaignId: c._id,
          enterpriseId: id,
          at,
          year: bj.getUTCFullYear(),
          month: bj.getUTCMonth() + 1,
          region: pr?.region ? `${pr.region.slice(0, 4)}00` : null,
          sections: industrySections(pr?.industries ?? []),
        }
      }),
    )
  }

  /** One WeChat send; returns the delivery's new state without writing it (the recorder batches writes). */
  private async sendOne(
    c: CampaignDoc,
    settings: { publisher: string },
    d: DeliveryDoc,
    openid: string,
    inboxItemId: Types.ObjectId,
  ): Promise<Outcome> {
    await this.takeSendToken()
    try {
      const res = await this.d.wechat.sendSubscribeMessage({
        toUser: openid,
        templateId: c.templateId,
        page: `pages/inbox/detail?id=${inboxItemId.toHexString()}`,
        data: {
          thing1: clip(c.content.title, 20),
          thing2: clip(c.content.summary || c.name, 20),
          time3: fmtTime(new Date()),
          thing4: clip(settings.publisher, 20),
        },
      })
      return { status: 'sent', msgid: res.msgid ? String(res.msgid) : null, grant: 'consumed' }
    } catch (err) {
      if (!(err instanceof WechatError)) throw err
      // On a resumed delivery the grant was used by the attempt a crash interrupted: that one went out.
      if (err.errcode === 43101)
        return d.status === 'sending'
          ? { status: 'sent', recovered: true, grant: 'consumed' }
          : { status: 'spent', errcode: 43101, grant: 'spent' }
      // Busy or over quota: keep the reservation; the batch is retried later with backoff.
      if (err.transient) return { status: 'pending', errcode: err.errcode }
      // Refused for good (47003, 40003, …): the message never went out, so the grant is still the user's.
      this.d.log.warn({ campaignId: String(c._id), errcode: err.errcode }, 'wechat send refused')
      return { status: 'failed', errcode: err.errcode, grant: 'available' }
    }
  }

  /**
   * The shared send rate: tokens come from Redis in blocks of SEND_BLOCK, so a worker pays one Redis round
   * trip per block rather than per message. A worker may run at most one block ahead of the others.
   */
  private async takeSendToken(): Promise<void> {
    if (this.allowance > 0) {
      this.allowance--
      return
    }
    this.refill ??= this.refillAllowance().finally(() => (this.refill = undefined))
    await this.refill
    return this.takeSendToken()
  }

  private async refillAllowance() {
    const block = Math.max(1, Math.min(SEND_BLOCK, Math.floor(this.d.sendsPerSecond / 10)))
    for (;;) {
      try {
        await this.limiter.consume('all', block)
        this.allowance += block
        return
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) {
          this.allowance += block // Redis trouble: do not stall the batch on the limiter
          return
        }
        await new Promise((r) => setTimeout(r, Math.max(5, e.msBeforeNext)))
      }
    }
  }
}
