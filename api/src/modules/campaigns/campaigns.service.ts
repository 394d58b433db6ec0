import { Types } from 'mongoose'
import type { z } from 'zod'
import type { AdminPrincipal } from '../../platform/auth.js'
import { AppError } from '../../platform/errors.js'
import { findPage } from '../../platform/lists.js'
import { transition, type TransitionOptions } from '../../platform/transitions.js'
import type { Logger } from '../../platform/logger.js'
import { EnterpriseModel, MembershipModel, type EnterpriseDoc } from '../enterprises/enterprises.model.js'
import { InboxItemModel } from '../inbox/inbox.model.js'
import { ProfileModel, type ProfileDoc } from '../interests/interests.model.js'
import type { SettingsService } from '../settings/settings.service.js'
import type { SubscriptionService } from '../subscriptions/subscriptions.service.js'
import {
  CampaignMachine,
  type CampaignMove,
  type CampaignCreate,
  type CampaignListQuery,
  type CampaignUpdate,
  type DryRunQuery,
  type TargetingOutput,
} from './campaigns.contract.js'
import { RESENDABLE_ERRCODES } from './campaigns.delivery.js'
import { campaignErrors } from './campaigns.errors.js'
import { BATCH_SIZE, BatchJob, PlanJob, type BatchPayload, type CampaignQueue } from './campaigns.jobs.js'
import { matchReasons, PROFILE_MATCH_PROJECTION, profileFilter, type Reason } from './campaigns.matching.js'
import {
  BatchResultModel,
  CampaignModel,
  DeliveryModel,
  EnterpriseDeliveryModel,
  type CampaignDoc,
  type DeliveryDoc,
} from './campaigns.model.js'
import { presentCampaign } from './campaigns.presenter.js'

/** What a campaign needs of a content item; the content module provides it. */
export interface PushableContent {
  kind: 'announcement' | 'patent' | 'training'
  id: string
  title: string
  summary: string
  /** opt-out category: 'announcement' or the patent information kind */
  category: string
  tags: TargetingOutput
}
export interface ContentSource {
  getPublishedForPush(kind: 'announcement' | 'patent', id: string): Promise<PushableContent>
}
/** A module after this one whose records can be pushed (trainings): it registers itself at build. */
export interface PushableSource {
  getPublishedForPush(id: string): Promise<PushableContent>
}

export interface Match {
  enterpriseId: Types.ObjectId
  profile: Pick<ProfileDoc, 'region' | 'industries' | 'ipcs' | 'type' | 'size'> | null
}

const WEEK_MS = 7 * 24 * 3600_000
/** How far ahead a send may be scheduled. */
const SEND_AHEAD_MS = 90 * 86_400_000
type Status = CampaignDoc['status']
/** How the console's moves answer a refusal: with the codes clients already branch on. */
const refusals = {
  locked: { conflict: campaignErrors.locked, notFound: campaignErrors.notFound },
  started: { conflict: campaignErrors.started, notFound: campaignErrors.notFound },
} satisfies Record<string, TransitionOptions<Status, CampaignMove>>
/** The worker's moves: a campaign cancelled or moved on meanwhile is simply not moved again. */
const skipRefused = (err: unknown) => {
  if (err instanceof AppError && (err.status === 409 || err.status === 404)) return undefined
  throw err
}
/** Deliveries a resend may pick up: refused by WeChat before anything went out, for a reason that passes. */
const resendableFilter = (campaignIds: Types.ObjectId[]) => ({
  campaignId: { $in: campaignIds },
  status: 'failed',
  errcode: { $in: RESENDABLE_ERRCODES },
})
/** Batch numbers [from, to) a sending campaign waits for: its latest resend's, else the plan's. */
const waitingFor = (c: Pick<CampaignDoc, 'plan' | 'resend'>) =>
  c.resend
    ? { from: c.resend.firstBatch, to: c.resend.firstBatch + c.resend.batches }
    : { from: 0, to: c.plan?.batches ?? 0 }
const hasDimension = (t: TargetingOutput) =>
  t.regions.length + t.industries.length + t.ipcs.length + t.enterpriseTypes.length + t.sizes.length > 0

export class CampaignService {
  constructor(
    private readonly d: {
      content: ContentSource
      settings: SettingsService
      subscriptions: SubscriptionService
      queue: CampaignQueue
      log: Logger
    },
  ) {}

  // ── console CRUD ───────────────────────────────────────────────────────────
  private readonly sources = new Map<'training', PushableSource>()

  /** Lets a later module's records (a training) be the content of a campaign, with the same wizard. */
  registerSource(kind: 'training', source: PushableSource) {
    this.sources.set(kind, source)
  }

  private pushable(kind: PushableContent['kind'], id: string) {
    if (kind === 'announcement' || kind === 'patent') return this.d.content.getPublishedForPush(kind, id)
    const source = this.sources.get(kind)
    if (!source) throw new Error(`no pushable source registered for ${kind}`)
    return source.getPublishedForPush(id)
  }

  async create(input: z.output<typeof CampaignCreate>, actor: AdminPrincipal) {
    const content = await this.pushable(input.content.kind, input.content.id)
    const settings = await this.d.settings.push()
    const doc = await CampaignModel.create({
      name: input.name,
      content: {
        kind: content.kind,
        id: content.id,
        title: content.title,
        summary: content.summary,
        category: content.category,
      },
      targeting: input.targeting ?? content.tags,
      templateId: settings.templateId,
      createdBy: actor.id,
    })
    return presentCampaign(doc.toObject() as CampaignDoc, [], { read: 0, clicked: 0 })
  }

  async update(id: string, input: z.output<typeof CampaignUpdate>) {
    await transition(CampaignModel, CampaignMachine, 'edit', { _id: id }, { $set: input }, refusals.locked)
    return this.detail(id)
  }

  async list(q: z.output<typeof CampaignListQuery>) {
    const filter = q.status ? { status: q.status } : {}
    const { docs: items, ...page } = await findPage<CampaignDoc>(CampaignModel, filter, q, { createdAt: -1 })
    const ids = items.map((c) => c._id)
    const [results, resendable] = await Promise.all([
      BatchResultModel.find({ campaignId: { $in: ids } }).lean(),
      DeliveryModel.aggregate<{ _id: Types.ObjectId; n: number }>([
        { $match: resendableFilter(ids) },
        { $group: { _id: '$campaignId', n: { $sum: 1 } } },
      ]),
    ])
    const resendableOf = new Map(resendable.map((r) => [String(r._id), r.n]))
    return {
      ...page,
      items: items.map((c) =>
        presentCampaign(
          c,
          results.filter((r) => r.campaignId.equals(c._id)),
          { read: 0, clicked: 0 },
          resendableOf.get(String(c._id)) ?? 0,
        ),
      ),
    }
  }

  /** Campaign with live progress: the sum of written batch results plus inbox read/click counts. */
  async detail(id: string) {
    const c = await CampaignModel.findById(id).lean<CampaignDoc>()
    if (!c) throw campaignErrors.notFound()
    const [results, read, clicked, resendable] = await Promise.all([
      BatchResultModel.find({ campaignId: c._id }).lean(),
      InboxItemModel.countDocuments({ campaignId: c._id, readAt: { $ne: null } }),
      InboxItemModel.countDocuments({ campaignId: c._id, clickedAt: { $ne: null } }),
      DeliveryModel.countDocuments(resendableFilter([c._id])),
    ])
    return presentCampaign(c, results, { read, clicked }, resendable)
  }

  async cancel(id: string) {
    await transition(CampaignModel, CampaignMachine, 'cancel', { _id: id }, {}, refusals.started)
    return this.detail(id)
  }

  // ── matching ───────────────────────────────────────────────────────────────
  /** Every enterprise the targeting reaches (opt-outs removed), with the profile fields reasons need. */
  async match(
    t: TargetingOutput,
    category: string,
    opts: { profiles: boolean } = { profiles: true },
  ): Promise<Match[]> {
    if (hasDimension(t)) {
      // Fan-out needs only ids; the dry run also reads the profile fields its reasons quote.
      const projection = opts.profiles ? PROFILE_MATCH_PROJECTION : { enterpriseId: 1, _id: 0 }
      const profiles = await ProfileModel.find(profileFilter(t, category), projection).lean<ProfileDoc[]>()
      return profiles.map((p) => ({ enterpriseId: p.enterpriseId, profile: opts.profiles ? p : null }))
    }
    // No constraint: every enterprise, including those that never set interests, less those opted out.
    const [all, optedOut] = await Promise.all([
      EnterpriseModel.find({}, { _id: 1 }).lean<{ _id: Types.ObjectId }[]>(),
      ProfileModel.distinct('enterpriseId', { optOut: category }),
    ])
    const out = new Set(optedOut.map(String))
    return all.filter((e) => !out.has(String(e._id))).map((e) => ({ enterpriseId: e._id, profile: null }))
  }

  /** Enterprises already at the weekly cap, not counting this campaign's own deliveries. */
  async capped(
    enterpriseIds: Types.ObjectId[],
    campaignId: Types.ObjectId,
    cap: number,
    now = new Date(),
  ): Promise<Set<string>> {
    const rows = await EnterpriseDeliveryModel.aggregate<{ _id: Types.ObjectId }>([
      { $match: { at: { $gte: new Date(now.getTime() - WEEK_MS) }, campaignId: { $ne: campaignId } } },
      { $group: { _id: '$enterpriseId', n: { $sum: 1 } } },
      { $match: { n: { $gte: cap } } },
    ])
    const wanted = new Set(enterpriseIds.map(String))
    return new Set(rows.map((r) => String(r._id)).filter((id) => wanted.has(id)))
  }

  /** Active members of the given enterprises, read in slices so 100k enterprises stay one query each 5,000. */
  async members(enterpriseIds: Types.ObjectId[]) {
    const out: { userId: Types.ObjectId; enterpriseId: Types.ObjectId }[] = []
    for (let i = 0; i < enterpriseIds.length; i += 5000) {
      const rows = await MembershipModel.find(
        { enterpriseId: { $in: enterpriseIds.slice(i, i + 5000) }, status: 'active' },
        { userId: 1, enterpriseId: 1, _id: 0 },
      ).lean<{ userId: Types.ObjectId; enterpriseId: Types.ObjectId }[]>()
      out.push(...rows)
    }
    return out
  }

  /** The dry run: who would receive it, why, who is reachable on WeChat now, and whom the cap holds back. */
  async dryRun(id: string, q: z.output<typeof DryRunQuery>) {
    const c = await CampaignModel.findById(id).lean<CampaignDoc>()
    if (!c) throw campaignErrors.notFound()
    const settings = await this.d.settings.push()
    const matches = await this.match(c.targeting, c.content.category)
    const ids = matches.map((m) => m.enterpriseId)
    const [capped, members, optedOut] = await Promise.all([
      this.capped(ids, c._id, settings.weeklyCap),
      this.members(ids),
      ProfileModel.countDocuments({ optOut: c.content.category }),
    ])
    const reachable = await this.d.subscriptions.reachable(
      members.map((m) => m.userId),
      c.templateId,
    )
    const perEnterprise = new Map<string, { members: number; reachable: number }>()
    for (const m of members) {
      const k = String(m.enterpriseId)
      const e = perEnterprise.get(k) ?? { members: 0, reachable: 0 }
      e.members++
      if (reachable.has(String(m.userId))) e.reachable++
      perEnterprise.set(k, e)
    }
    let cappedMembers = 0
    let reachableSendable = 0
    let sendable = 0
    for (const [k, e] of perEnterprise) {
      if (capped.has(k)) cappedMembers += e.members
      else {
        sendable += e.members
        reachableSendable += e.reachable
      }
    }
    const rows = matches.filter((m) => {
      const k = String(m.enterpriseId)
      if (q.filter === 'capped') return capped.has(k)
      if (q.filter === 'reachable') return (perEnterprise.get(k)?.reachable ?? 0) > 0 && !capped.has(k)
      return true
    })
    const pageRows = rows.slice((q.page - 1) * q.pageSize, q.page * q.pageSize)
    // Without a targeting dimension the match reads no profiles: the page's rows still show their regions.
    const unprofiled = pageRows.filter((r) => !r.profile).map((r) => r.enterpriseId)
    const [names, profiles] = await Promise.all([
      EnterpriseModel.find({ _id: { $in: pageRows.map((r) => r.enterpriseId) } }, { name: 1 }).lean<
        EnterpriseDoc[]
      >(),
      unprofiled.length
        ? ProfileModel.find({ enterpriseId: { $in: unprofiled } }, { enterpriseId: 1, region: 1 }).lean<
            Pick<ProfileDoc, 'enterpriseId' | 'region'>[]
          >()
        : [],
    ])
    const nameOf = new Map(names.map((n) => [String(n._id), n.name]))
    const regionOf = new Map(profiles.map((p) => [String(p.enterpriseId), p.region]))
    return {
      summary: {
        enterprises: matches.length,
        members: sendable,
        reachable: reachableSendable,
        inboxOnly: sendable - reachableSendable,
        cappedEnterprises: capped.size,
        cappedMembers,
        optedOut,
        weeklyCap: settings.weeklyCap,
      },
      rows: {
        items: pageRows.map((m) => {
          const k = String(m.enterpriseId)
          const reasons: Reason[] = m.profile
            ? matchReasons(m.profile, c.targeting)
            : [{ dimension: 'all', text: '面向全部企业' }]
          return {
            enterpriseId: k,
            name: nameOf.get(k) ?? '',
            region: m.profile?.region ?? regionOf.get(k) ?? null,
            members: perEnterprise.get(k)?.members ?? 0,
            reachable: perEnterprise.get(k)?.reachable ?? 0,
            capped: capped.has(k),
            reasons,
          }
        }),
        total: rows.length,
        page: q.page,
        pageSize: q.pageSize,
      },
    }
  }

  // ── sending ────────────────────────────────────────────────────────────────
  async send(id: string, at: Date | undefined) {
    const now = new Date()
    if (at && (at.getTime() < now.getTime() - 60_000 || at.getTime() > now.getTime() + SEND_AHEAD_MS))
      throw campaignErrors.sendAtOutOfRange()
    const scheduled = !!at && at.getTime() > now.getTime()
    const c: CampaignDoc = await transition(
      CampaignModel,
      CampaignMachine,
      scheduled ? 'schedule' : 'send',
      { _id: id },
      { $set: { scheduledAt: scheduled ? at : null } },
      refusals.started,
    )
    // A still-published check now, so a withdrawn item is refused before anything is queued.
    await this.pushable(c.content.kind, c.content.id.toHexString())
    const planAt = scheduled ? at! : now
    await CampaignModel.updateOne({ _id: c._id }, { $set: { planJobId: PlanJob.id(id, planAt) } })
    await this.d.queue.plan(id, planAt)
    return this.detail(id)
  }

  /**
   * Runs in a worker: matches at send time, applies the weekly cap and enqueues one job per batch of
   * members. Safe to run again after a crash: batch job ids are stable, so nothing is added twice.
   */
  async plan(campaignId: string, jobId?: string) {
    // A cancelled (or vanished) campaign is skipped, not retried: the refusal is the answer. So is one
    // rescheduled since this job was queued: its current plan job carries another id (and time).
    const c = await transition<CampaignDoc['status'], CampaignMove, CampaignDoc>(
      CampaignModel,
      CampaignMachine,
      'plan',
      { _id: campaignId },
      {},
      jobId ? { guard: { planJobId: jobId } } : {},
    ).catch(skipRefused)
    if (!c) return { skipped: true }
    // First start only ($min would keep null: null sorts before any date).
    if (!c.startedAt)
      await CampaignModel.updateOne({ _id: c._id, startedAt: null }, { $set: { startedAt: new Date() } })
    if (c.plan) {
      // Planned before a crash: the batches are queued already (their ids are taken); just finish the bookkeeping.
      await this.finishIfComplete(c._id)
      return { skipped: false, ...c.plan }
    }
    const settings = await this.d.settings.push()
    const matches = await this.match(c.targeting, c.content.category, { profiles: false })
    const capped = await this.capped(
      matches.map((m) => m.enterpriseId),
      c._id,
      settings.weeklyCap,
    )
    const sendTo = matches.filter((m) => !capped.has(String(m.enterpriseId))).map((m) => m.enterpriseId)
    const members = await this.members(sendTo)
    members.sort((a, b) =>
      String(a.enterpriseId) < String(b.enterpriseId)
        ? -1
        : String(a.enterpriseId) > String(b.enterpriseId)
          ? 1
          : 0,
    )
    const batches: BatchPayload[] = []
    for (let i = 0; i < members.length; i += BATCH_SIZE)
      batches.push({
        campaignId,
        batch: batches.length,
        recipients: members
          .slice(i, i + BATCH_SIZE)
          .map((m) => [String(m.userId), String(m.enterpriseId)] as [string, string]),
      })
    await this.d.queue.batches(campaignId, batches)
    const plan = {
      enterprises: sendTo.length,
      members: members.length,
      capped: capped.size,
      batches: batches.length,
    }
    await CampaignModel.updateOne({ _id: c._id }, { $set: { plan } })
    await this.finishIfComplete(c._id)
    this.d.log.info({ campaignId, ...plan }, 'campaign planned')
    return { skipped: false, ...plan }
  }

  /**
   * Marks a campaign done once every batch it waits for has written its result, failed ones included:
   * failures show in its figures, and a campaign never stays sending because a batch gave up.
   */
  async finishIfComplete(campaignId: Types.ObjectId) {
    const c = await CampaignModel.findById(campaignId, { plan: 1, status: 1, resend: 1 }).lean<CampaignDoc>()
    if (!c?.plan || c.status !== 'sending') return false
    const { from, to } = waitingFor(c)
    const done = await BatchResultModel.countDocuments({ campaignId, batch: { $gte: from, $lt: to } })
    if (done < to - from) return false
    const now = new Date()
    await transition(
      CampaignModel,
      CampaignMachine,
      'finish',
      { _id: campaignId },
      { $set: { finishedAt: now, ...(c.resend ? { 'resend.finishedAt': now } : {}) } },
    ).catch(skipRefused)
    return true
  }

  /**
   * onFailed of the plan job: bull gave up on matching and enqueueing, so the campaign is failed with a
   * reason the operator reads, instead of queued or sending for ever. A campaign already planned is left to
   * its batches.
   */
  async failPlan(campaignId: string, err: Error) {
    const now = new Date()
    const c = await transition(
      CampaignModel,
      CampaignMachine,
      'failPlan',
      { _id: campaignId },
      {
        $set: {
          finishedAt: now,
          failure: {
            reason:
              '生成发送名单时出错，多次重试仍未成功，没有发出任何消息。请检查推送的定向条件后新建推送，或联系技术支持查看日志。',
            error: err.message,
            at: now,
          },
        },
      },
      // A campaign already planned is left to its batches.
      { guard: { plan: null } },
    ).catch(skipRefused)
    if (c) this.d.log.error({ campaignId, err: err.message }, 'campaign planning gave up; campaign failed')
    else await this.finishIfComplete(new Types.ObjectId(campaignId)).catch(() => false)
  }

  /**
   * Sends again to the members WeChat refused for its daily quota or for being busy (see
   * RESENDABLE_ERRCODES): the same delivery records go back to pending and new batches carry them, so the
   * unique (member, campaign, channel) key still allows one message each, and those sent are untouched.
   */
  async resendFailed(id: string) {
    const c = await CampaignModel.findById(id).lean<CampaignDoc>()
    if (!c) throw campaignErrors.notFound()
    if (c.status === 'queued' || c.status === 'sending') throw campaignErrors.stillSending(c.status)
    const failed =
      c.status === 'done'
        ? await DeliveryModel.find(resendableFilter([c._id]), { userId: 1, enterpriseId: 1, errcode: 1 })
            .sort({ enterpriseId: 1 })
            .lean<DeliveryDoc[]>()
        : []
    if (!failed.length) throw campaignErrors.nothingToResend(c.status)

    const round = (c.resend?.round ?? 0) + 1
    // Numbers never used before, not even by a resend whose enqueueing failed half-way (bull keeps job ids).
    const firstBatch = c.nextBatch ?? waitingFor(c).to
    const batches: BatchPayload[] = []
    for (let i = 0; i < failed.length; i += BATCH_SIZE) {
      const slice = failed.slice(i, i + BATCH_SIZE)
      const before: Record<string, number> = {}
      for (const d of slice) before[String(d.errcode)] = (before[String(d.errcode)] ?? 0) + 1
      batches.push({
        campaignId: id,
        batch: firstBatch + batches.length,
        recipients: slice.map((d) => [String(d.userId), String(d.enterpriseId)] as [string, string]),
        resend: { round, before },
      })
    }
    // The guarded move: of two clicks, one resends and the other hears the campaign is sending.
    await transition(
      CampaignModel,
      CampaignMachine,
      'resend',
      { _id: c._id },
      {
        $set: {
          finishedAt: null,
          nextBatch: firstBatch + batches.length,
          resend: {
            round,
            members: failed.length,
            firstBatch,
            batches: batches.length,
            startedAt: new Date(),
            finishedAt: null,
          },
        },
      },
      {
        guard: { 'resend.round': c.resend?.round ?? { $exists: false } },
        conflict: () => campaignErrors.stillSending('sending'),
      },
    )
    const ids = failed.map((d) => d._id)
    await DeliveryModel.updateMany({ _id: { $in: ids }, status: 'failed' }, { $set: { status: 'pending' } })
    try {
      await this.d.queue.batches(id, batches)
    } catch (err) {
      // Nothing queued: back to how it was, so the operator can try again.
      await DeliveryModel.updateMany({ _id: { $in: ids }, status: 'pending' }, { $set: { status: 'failed' } })
      await transition(
        CampaignModel,
        CampaignMachine,
        'finish',
        { _id: c._id },
        { $set: { finishedAt: c.finishedAt, resend: c.resend ?? null } },
      ).catch(skipRefused)
      throw err
    }
    this.d.log.info({ campaignId: id, round, members: failed.length }, 'campaign resend queued')
    return this.detail(id)
  }

  /**
   * The safety net behind onFailed: a worker that died after bull gave up on a job but before its onFailed
   * ran would leave a campaign sending for ever. Finds such jobs and finishes their work the same way.
   */
  async sweep(failBatch: (p: BatchPayload, err: Error) => Promise<void>) {
    const open = await CampaignModel.find(
      { status: { $in: ['queued', 'scheduled', 'sending'] } },
      { plan: 1, planJobId: 1, resend: 1, status: 1 },
    ).lean<CampaignDoc[]>()
    let finished = 0
    for (const c of open) {
      const id = String(c._id)
      if (!c.plan) {
        const [gaveUp] = c.planJobId ? await this.d.queue.failedJobs([c.planJobId]) : []
        if (gaveUp) {
          await this.failPlan(id, new Error(gaveUp.reason))
          finished++
        }
        continue
      }
      const written = new Set(
        (await BatchResultModel.distinct('batch', { campaignId: c._id })).map((b) => Number(b)),
      )
      const { from, to } = waitingFor(c)
      const missing = Array.from({ length: to - from }, (_, i) => from + i).filter((b) => !written.has(b))
      for (const job of await this.d.queue.failedJobs(missing.map((b) => BatchJob.id(id, b)))) {
        const payload = BatchJob.payload.safeParse(job.data)
        if (payload.success) await failBatch(payload.data, new Error(job.reason))
      }
      if (await this.finishIfComplete(c._id)) finished++
    }
    return { open: open.length, finished }
  }
}
