import { Types } from 'mongoose'
import { insertIgnoringDuplicates } from '../../platform/db.js'
import { isDuplicateKey } from '../../platform/errors.js'
import type { Logger } from '../../platform/logger.js'
import { isTransientErrcode } from '../../platform/wechat/errors.js'
import { InboxItemModel, type InboxItemDoc } from '../inbox/inbox.model.js'
import { ProfileModel, type ProfileDoc } from '../interests/interests.model.js'
import { MpUserModel } from '../mp-accounts/mp-accounts.model.js'
import type { SendOutcome } from '../notifications/notifications.sender.js'
import type { NotificationService } from '../notifications/notifications.service.js'
import type { SettingsService } from '../settings/settings.service.js'
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

export { RESENDABLE_ERRCODES } from '../notifications/notifications.sender.js'

/** Thrown to make bull retry the batch later; everything done so far is recorded and will be skipped. */
export class RetryBatch extends Error {}

type Outcome = SendOutcome

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

/**
 * Delivers one batch: the inbox item for every member (idempotent by unique key), then a WeChat message
 * to each member holding a subscription grant who has not turned pushes off, through the notifications
 * sender (its send rate is shared by all workers) and the push kind's template mapping.
 * A crashed worker's batch is simply run again: delivered items are skipped; a delivery caught between
 * "sent to WeChat" and "recorded" is resent on the same one-time grant, which WeChat answers with 43101
 * if the first attempt went through, and that is recorded as sent.
 */
export class CampaignDelivery {
  constructor(
    private readonly d: {
      campaigns: CampaignService
      subscriptions: SubscriptionService
      settings: SettingsService
      /** its sender (shared send rate, WeChat's answers read into grant outcomes), templates, preferences */
      notifications: NotificationService
      log: Logger
    },
  ) {}

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
    const open = deliveries.filter((d) => d.status === 'pending' || d.status === 'sending')
    // Members who turned pushes off get the inbox item only; a send a crash interrupted is finished.
    const muted = await this.d.notifications.mutedAmong(
      'campaign.push',
      open.filter((d) => d.status === 'pending').map((d) => d.userId),
    )
    const off = open.filter((d) => d.status === 'pending' && muted.has(String(d.userId)))
    if (off.length)
      await DeliveryModel.updateMany({ _id: { $in: off.map((d) => d._id) } }, { $set: { status: 'muted' } })
    const todo = open.filter((d) => !off.includes(d))
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
    const render = await this.d.notifications.renderer('campaign.push', campaign.templateId)
    const vars = {
      title: campaign.content.title,
      summary: campaign.content.summary || campaign.name,
      publisher: settings.publisher,
    }
    await this.d.notifications.sender.sendAll(
      sendable,
      (d) => ({
        resumed: d.status === 'sending',
        message: {
          toUser: openidOf.get(String(d.userId))!,
          templateId: campaign.templateId,
          page: `pages/inbox/detail?id=${inbox.get(String(d.userId))!.toHexString()}`,
          data: render({ ...vars, sentAt: new Date() }),
        },
      }),
      async (d, sent) => {
        let outcome = sent
        if (outcome.status === 'pending') {
          if (opts.lastAttempt) outcome = { status: 'failed', errcode: outcome.errcode, grant: 'available' }
          else transient++
        } else if (outcome.status === 'failed')
          this.d.log.warn(
            { campaignId: String(campaign._id), errcode: outcome.errcode },
            'wechat send refused',
          )
        await recorder.add(d._id, grants.get(String(d._id))!, outcome)
      },
    )
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
      await this.d.subscriptions.releaseReserved(pending)
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
}
