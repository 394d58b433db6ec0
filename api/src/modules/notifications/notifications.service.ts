import type { Queue } from 'bull'
import type { Redis } from 'ioredis'
import { Types } from 'mongoose'
import { insertIgnoringDuplicates } from '../../platform/db.js'
import type { Logger } from '../../platform/logger.js'
import { enqueue } from '../../platform/tasks.js'
import { iso } from '../../platform/time.js'
import { SendRateLimiter } from '../../platform/wechat/send-rate.js'
import { InboxItemModel } from '../inbox/inbox.model.js'
import { MpUserModel } from '../mp-accounts/mp-accounts.model.js'
import type { SettingsService } from '../settings/settings.service.js'
import type { SubscriptionService } from '../subscriptions/subscriptions.service.js'
import {
  NOTIFICATION_KIND_NAMES,
  NOTIFICATION_KINDS,
  templateIssues,
  type NotificationKind,
  type NotificationKindOutput,
  type PreferencesOutput,
  type TemplateConfigOutput,
} from './notifications.contract.js'
import { notificationErrors } from './notifications.errors.js'
import { NotificationSendTask, ReminderTask, type NotifyItem } from './notifications.jobs.js'
import {
  NotificationModel,
  NotificationPreferenceModel,
  NotificationTemplateModel,
  ReminderModel,
  type NotificationDoc,
  type PreferenceDoc,
  type ReminderDoc,
  type TemplateDoc,
} from './notifications.model.js'
import { PUSH_FIELDS, render, type VarValue } from './notifications.render.js'
import { SubscribeSender, type SendOutcome, type WechatSender } from './notifications.sender.js'

export type { NotifyItem } from './notifications.jobs.js'

/** What became of one notification: the first send's result for every later send with the same key. */
export interface NotificationResult {
  userId: string
  key: string
  status: NotificationDoc['status']
  errcode: number | null
  inboxItemId: string | null
}

/** A kind's template as it applies now. */
export interface ResolvedTemplate {
  config: TemplateConfigOutput | null
  source: 'saved' | 'default' | 'none'
  updatedAt: Date | null
}

export interface ReminderInput {
  kind: NotificationKind
  /** the booking, training … the reminder is about; one reminder per subject and kind */
  subjectId: string
  memberId: string
  at: Date
  vars: Record<string, string | number>
  inbox: NotifyItem['inbox']
}

/** Re-reads a reminder's subject when it is due: false when it was cancelled or no longer takes place. */
export type SubjectCheck = (subjectId: string) => Promise<boolean>

/** How long a send run keeps its records from others: well beyond a batch's sends at the WeChat rate. */
const LEASE_MS = 2 * 60_000
const UNLEASED = { lease: null, leaseUntil: null }

const pairKey = (userId: Types.ObjectId | string, key: string) => `${String(userId)}\u0000${key}`

/**
 * Sends a member a templated WeChat subscribe message, once per (member, key): an inbox item always, the
 * WeChat message when the kind has a template, the member has not turned the kind off, and holds a grant
 * from the subscription ledger. Campaign fan-out uses its sender and templates; claims, bookings and
 * trainings call `notify` (a job) or `sendMany` (inside their own job), and `scheduleReminder`.
 */
export class NotificationService {
  /** The one send path (rate, retries, grant outcomes), shared with campaign delivery. */
  readonly sender: SubscribeSender
  private readonly subjects = new Map<NotificationKind, SubjectCheck>()

  constructor(
    private readonly d: {
      subscriptions: SubscriptionService
      settings: SettingsService
      wechat: WechatSender
      redis: Redis
      prefix: string
      sendsPerSecond: number
      concurrency: number
      /** the notifications queue: `notify` jobs and delayed reminders */
      queue: Queue
      log: Logger
    },
  ) {
    this.sender = new SubscribeSender({
      wechat: d.wechat,
      rate: new SendRateLimiter({ redis: d.redis, prefix: d.prefix, sendsPerSecond: d.sendsPerSecond }),
      concurrency: d.concurrency,
      log: d.log,
    })
  }

  // ---- templates ------------------------------------------------------------------------------------

  /**
   * The saved template of a kind, or its default: pushes use the push settings' template with the standard
   * mapping; other kinds have none until configured (their members get the inbox item only).
   */
  async template(kind: NotificationKind): Promise<ResolvedTemplate> {
    const saved = await NotificationTemplateModel.findById(kind).lean<TemplateDoc>()
    if (saved)
      return {
        config: { templateId: saved.templateId, fields: saved.fields.map(cleanField) },
        source: 'saved',
        updatedAt: saved.updatedAt,
      }
    if (kind === 'campaign.push')
      return {
        config: { templateId: (await this.d.settings.push()).templateId, fields: PUSH_FIELDS },
        source: 'default',
        updatedAt: null,
      }
    return { config: null, source: 'none', updatedAt: null }
  }

  async listTemplates(): Promise<{ items: NotificationKindOutput[] }> {
    return { items: await Promise.all(NOTIFICATION_KIND_NAMES.map((k) => this.presentKind(k))) }
  }

  /**
   * Saves a kind's template after WeChat's keyword rules; a bad mapping is a field error. The push kind's
   * template id is the push settings' one, so saving it here changes that too (campaigns keep theirs).
   */
  async saveTemplate(kind: NotificationKind, config: TemplateConfigOutput) {
    const issues = templateIssues(kind, config)
    if (issues.length) throw notificationErrors.templateInvalid(issues)
    await NotificationTemplateModel.updateOne(
      { _id: kind },
      { $set: { templateId: config.templateId, fields: config.fields } },
      { upsert: true },
    )
    if (kind === 'campaign.push') {
      const push = await this.d.settings.push()
      if (push.templateId !== config.templateId)
        await this.d.settings.updatePush({ ...push, templateId: config.templateId })
    }
    return this.presentKind(kind)
  }

  /** Every template id a member may be asked to subscribe to: what the subscription ledger accepts. */
  async knownTemplates(): Promise<string[]> {
    const saved = await NotificationTemplateModel.distinct('templateId')
    return [...new Set([(await this.d.settings.push()).templateId, ...saved.map(String)])]
  }

  /**
   * How a kind's variables become a message's data for `templateId`: the saved mapping when it is for this
   * template, else the kind's standard one (a campaign keeps the template id it was created with).
   */
  async renderer(kind: NotificationKind, templateId: string) {
    const { config } = await this.template(kind)
    const template = config && config.templateId === templateId ? config : { templateId, fields: PUSH_FIELDS }
    return (vars: Record<string, VarValue | undefined>) => render(kind, template, vars)
  }

  private async presentKind(kind: NotificationKind): Promise<NotificationKindOutput> {
    const def = NOTIFICATION_KINDS[kind]
    const t = await this.template(kind)
    return {
      kind,
      label: def.label,
      description: def.description,
      vars: Object.entries(def.vars).map(([name, v]) => ({ name, label: v.label, type: v.type })),
      template: t.config,
      source: t.source,
      updatedAt: iso(t.updatedAt),
    }
  }

  // ---- preferences ----------------------------------------------------------------------------------

  async preferences(userId: string): Promise<PreferencesOutput> {
    const doc = await NotificationPreferenceModel.findById(userId).lean<PreferenceDoc>()
    const off = new Set(doc?.off ?? [])
    return {
      items: NOTIFICATION_KIND_NAMES.map((kind) => ({
        kind,
        label: NOTIFICATION_KINDS[kind].label,
        description: NOTIFICATION_KINDS[kind].description,
        wechat: !off.has(kind),
      })),
    }
  }

  /** Turns WeChat messages of the given kinds on or off; kinds not named keep their setting. */
  async savePreferences(userId: string, wechat: Partial<Record<NotificationKind, boolean>>) {
    const entries = Object.entries(wechat) as [NotificationKind, boolean][]
    const on = entries.filter(([, v]) => v).map(([k]) => k)
    const off = entries.filter(([, v]) => !v).map(([k]) => k)
    const uid = new Types.ObjectId(userId)
    if (on.length) await NotificationPreferenceModel.updateOne({ _id: uid }, { $pullAll: { off: on } })
    if (off.length)
      await NotificationPreferenceModel.updateOne(
        { _id: uid },
        { $addToSet: { off: { $each: off } } },
        { upsert: true },
      )
    return this.preferences(userId)
  }

  /** Members among `userIds` who turned the kind's WeChat messages off: one query per batch. */
  async mutedAmong(kind: NotificationKind, userIds: Types.ObjectId[]): Promise<Set<string>> {
    if (!userIds.length) return new Set()
    const rows = await NotificationPreferenceModel.find(
      { _id: { $in: userIds }, off: kind },
      { _id: 1 },
    ).lean<{ _id: Types.ObjectId }[]>()
    return new Set(rows.map((r) => String(r._id)))
  }

  // ---- sending --------------------------------------------------------------------------------------

  /** Hands the sends to a job: retried with backoff while WeChat is busy, final once attempts run out. */
  async notify(kind: NotificationKind, items: NotifyItem[]) {
    if (items.length) await enqueue(this.d.queue, NotificationSendTask, { kind, items })
  }

  /**
   * Sends one kind to many members in a few round trips: records (unique per member and key), inbox items,
   * preferences, grants reserved in bulk, then WeChat at the shared rate, outcomes written in bulk. A key
   * already sent answers its first result. A send WeChat refused transiently stays `pending` (its grant
   * reserved) for the next attempt; on the last attempt (`lastAttempt`) it fails and the grant goes back.
   */
  async sendMany(
    kind: NotificationKind,
    items: NotifyItem[],
    opts: { lastAttempt?: boolean } = {},
  ): Promise<NotificationResult[]> {
    if (!items.length) return []
    const now = new Date()
    await insertIgnoringDuplicates(
      NotificationModel,
      items.map((i) => ({
        _id: new Types.ObjectId(),
        userId: new Types.ObjectId(i.memberId),
        key: i.key,
        kind,
        status: 'pending',
        templateId: null,
        attempts: 0,
        errcode: null,
        msgid: null,
        inboxItemId: null,
        ...UNLEASED,
        createdAt: now,
        updatedAt: now,
      })),
    )
    let records = await this.recordsOf(items)
    const itemOf = new Map(items.map((i) => [pairKey(i.memberId, i.key), i]))

    // The inbox item is the channel every member has: its _id is the notification's, so it is written once.
    const noInbox = records.filter((r) => !r.inboxItemId)
    if (noInbox.length) {
      await insertIgnoringDuplicates(
        InboxItemModel,
        noInbox.map((r) => {
          const { inbox } = itemOf.get(pairKey(r.userId, r.key))!
          return {
            _id: r._id,
            userId: r.userId,
            // The source of the item, unique per member: the campaign for pushes, this notification here.
            campaignId: r._id,
            enterpriseId: null,
            content: { kind: inbox.content.kind, id: new Types.ObjectId(inbox.content.id) },
            title: inbox.title,
            summary: inbox.summary,
            readAt: null,
            clickedAt: null,
            createdAt: now,
          }
        }),
      )
      await NotificationModel.updateMany({ _id: { $in: noInbox.map((r) => r._id) } }, [
        { $set: { inboxItemId: '$_id' } },
      ])
    }

    const { open, run } = await this.lease(records)
    if (open.length) {
      try {
        await this.deliver(kind, open, itemOf, opts)
      } finally {
        // Whatever this run left unfinished (it threw) is free for the next attempt at once.
        await NotificationModel.updateMany(
          { _id: { $in: open.map((r) => r._id) }, lease: run },
          { $set: UNLEASED },
        )
      }
      records = await this.recordsOf(items)
    }
    const byPair = new Map(records.map((r) => [pairKey(r.userId, r.key), r]))
    return items.map((i) => {
      const r = byPair.get(pairKey(i.memberId, i.key))!
      return {
        userId: i.memberId,
        key: i.key,
        status: r.status,
        errcode: r.errcode,
        inboxItemId: (r.inboxItemId ?? r._id).toHexString(),
      }
    })
  }

  /** One notification; see sendMany. */
  async send(kind: NotificationKind, item: NotifyItem, opts: { lastAttempt?: boolean } = {}) {
    return (await this.sendMany(kind, [item], opts))[0]!
  }

  /**
   * After the send job's last attempt failed for another reason: nothing stays pending. A send that may
   * have gone out ("sending") is failed without an errcode and never repeated.
   */
  async giveUp(items: NotifyItem[]) {
    const records = await this.recordsOf(items)
    const pending = records.filter((r) => r.status === 'pending').map((r) => r._id)
    const sending = records.filter((r) => r.status === 'sending').map((r) => r._id)
    if (pending.length) {
      await NotificationModel.updateMany(
        { _id: { $in: pending }, status: 'pending' },
        { $set: { status: 'failed', ...UNLEASED } },
      )
      await this.d.subscriptions.releaseReserved(pending)
    }
    if (sending.length)
      await NotificationModel.updateMany(
        { _id: { $in: sending }, status: 'sending' },
        { $set: { status: 'failed', errcode: null, ...UNLEASED } },
      )
  }

  /**
   * Takes the unfinished records for this run: a concurrent send of the same keys (a double click, a
   * retried job) finds them leased and leaves them alone, so one grant and one message per key. A lease
   * outlives a crashed run by LEASE_MS at most.
   */
  private async lease(records: NotificationDoc[]) {
    const ids = records.filter((r) => r.status === 'pending' || r.status === 'sending').map((r) => r._id)
    const run = new Types.ObjectId().toHexString()
    if (!ids.length) return { open: [], run }
    const now = new Date()
    await NotificationModel.updateMany(
      {
        _id: { $in: ids },
        status: { $in: ['pending', 'sending'] },
        $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }],
      },
      { $set: { lease: run, leaseUntil: new Date(now.getTime() + LEASE_MS) } },
    )
    return {
      open: await NotificationModel.find({ _id: { $in: ids }, lease: run }).lean<NotificationDoc[]>(),
      run,
    }
  }

  private async recordsOf(items: NotifyItem[]) {
    const wanted = new Set(items.map((i) => pairKey(i.memberId, i.key)))
    const rows = await NotificationModel.find({
      userId: { $in: [...new Set(items.map((i) => i.memberId))].map((u) => new Types.ObjectId(u)) },
      key: { $in: [...new Set(items.map((i) => i.key))] },
    }).lean<NotificationDoc[]>()
    return rows.filter((r) => wanted.has(pairKey(r.userId, r.key)))
  }

  private async deliver(
    kind: NotificationKind,
    open: NotificationDoc[],
    itemOf: Map<string, NotifyItem>,
    opts: { lastAttempt?: boolean },
  ) {
    const setStatus = (ids: Types.ObjectId[], status: NotificationDoc['status']) =>
      ids.length
        ? NotificationModel.updateMany({ _id: { $in: ids } }, { $set: { status, ...UNLEASED } })
        : undefined

    // Turned off by the member: the inbox item is all they get (a send under way is finished, not muted).
    const muted = await this.mutedAmong(
      kind,
      open.map((r) => r.userId),
    )
    const off = open.filter((r) => r.status === 'pending' && muted.has(String(r.userId)))
    await setStatus(
      off.map((r) => r._id),
      'muted',
    )
    let todo = open.filter((r) => !off.includes(r))
    const { config } = await this.template(kind)
    if (!config) {
      await setStatus(
        todo.map((r) => r._id),
        'no_template',
      )
      return
    }
    const [openids, grants] = await Promise.all([
      MpUserModel.find({ _id: { $in: todo.map((r) => r.userId) } }, { openid: 1 }).lean<
        { _id: Types.ObjectId; openid: string }[]
      >(),
      this.d.subscriptions.reserveMany(
        todo.map((r) => ({ deliveryId: r._id, userId: r.userId })),
        config.templateId,
      ),
    ])
    const openidOf = new Map(openids.map((u) => [String(u._id), u.openid]))
    const noGrant = todo.filter((r) => !grants.has(String(r._id)) || !openidOf.has(String(r.userId)))
    await setStatus(
      noGrant.map((r) => r._id),
      'no_grant',
    )
    todo = todo.filter((r) => !noGrant.includes(r))
    if (!todo.length) return
    await NotificationModel.updateMany(
      { _id: { $in: todo.map((r) => r._id) } },
      { $set: { status: 'sending', templateId: config.templateId }, $inc: { attempts: 1 } },
    )

    const outcomes: { r: NotificationDoc; o: SendOutcome }[] = []
    await this.sender.sendAll(
      todo,
      (r) => ({
        resumed: r.status === 'sending',
        message: {
          toUser: openidOf.get(String(r.userId))!,
          templateId: config.templateId,
          page: `pages/inbox/detail?id=${r._id.toHexString()}`,
          data: render(kind, config, itemOf.get(pairKey(r.userId, r.key))!.vars),
        },
      }),
      (r, o) => {
        outcomes.push({
          r,
          o:
            o.status === 'pending' && opts.lastAttempt
              ? { status: 'failed', errcode: o.errcode, grant: 'available' }
              : o,
        })
      },
    )
    await NotificationModel.bulkWrite(
      outcomes.map(({ r, o }) => ({
        updateOne: {
          filter: { _id: r._id },
          update: {
            $set: { status: o.status, errcode: o.errcode ?? null, msgid: o.msgid ?? null, ...UNLEASED },
          },
        },
      })),
      { ordered: false },
    )
    await this.d.subscriptions.settleMany(
      outcomes.flatMap(({ r, o }) => (o.grant ? [{ grantId: grants.get(String(r._id))!, to: o.grant }] : [])),
    )
  }

  // ---- reminders ------------------------------------------------------------------------------------

  /**
   * How a domain says whether a reminder's subject still takes place; checked when the reminder is due,
   * in the process that runs the job, so every process's build must register it.
   */
  registerSubject(kind: NotificationKind, stillDue: SubjectCheck) {
    this.subjects.set(kind, stillDue)
  }

  /**
   * Schedules (or moves) the one reminder of a subject: a delayed job whose id derives from subject, kind
   * and time. Moving replaces the job; the reminder record is what the job checks, so a job that could not
   * be removed sends nothing.
   */
  async scheduleReminder(r: ReminderInput) {
    const _id = `${r.kind}:${r.subjectId}`
    const jobId = `reminder:${_id}:${r.at.getTime()}`
    const before = await ReminderModel.findOneAndUpdate(
      { _id },
      {
        $set: {
          kind: r.kind,
          subjectId: r.subjectId,
          userId: new Types.ObjectId(r.memberId),
          at: r.at,
          vars: r.vars,
          inbox: r.inbox,
          status: 'scheduled',
          jobId,
        },
      },
      { upsert: true },
    ).lean<ReminderDoc>()
    if (before?.jobId && before.jobId !== jobId) await this.removeJob(before.jobId)
    await enqueue(
      this.d.queue,
      ReminderTask,
      { kind: r.kind, subjectId: r.subjectId, at: r.at.getTime() },
      { jobId, delay: Math.max(0, r.at.getTime() - Date.now()) },
    )
  }

  /** Cancels a subject's reminder (the subject was cancelled): its job is removed, and would send nothing. */
  async cancelReminder(kind: NotificationKind, subjectId: string) {
    const r = await ReminderModel.findOneAndUpdate(
      { _id: `${kind}:${subjectId}`, status: 'scheduled' },
      { $set: { status: 'cancelled' } },
    ).lean<ReminderDoc>()
    if (r?.jobId) await this.removeJob(r.jobId)
  }

  /** The reminder's job is due: sends only if the reminder still stands at this time and its subject still takes place. */
  async fireReminder(
    p: { kind: NotificationKind; subjectId: string; at: number },
    opts: { lastAttempt?: boolean } = {},
  ) {
    const filter = { _id: `${p.kind}:${p.subjectId}`, status: 'scheduled', at: new Date(p.at) }
    const r = await ReminderModel.findOne(filter).lean<ReminderDoc>()
    if (!r) return { sent: false, reason: 'cancelled or moved' as const }
    const stillDue = this.subjects.get(p.kind)
    if (stillDue && !(await stillDue(p.subjectId))) {
      await ReminderModel.updateOne(filter, { $set: { status: 'cancelled' } })
      return { sent: false, reason: 'subject cancelled' as const }
    }
    const result = await this.send(
      p.kind,
      { memberId: String(r.userId), key: `reminder:${r._id}:${p.at}`, vars: r.vars, inbox: r.inbox },
      opts,
    )
    if (result.status === 'pending') throw new Error('WeChat is busy; the reminder is retried')
    await ReminderModel.updateOne(filter, { $set: { status: 'sent' } })
    return { sent: true, status: result.status }
  }

  /** The reminder's job gave up: the reminder says so, and its notification is final. */
  async failReminder(p: { kind: NotificationKind; subjectId: string; at: number }) {
    const filter = { _id: `${p.kind}:${p.subjectId}`, status: 'scheduled', at: new Date(p.at) }
    const r = await ReminderModel.findOneAndUpdate(filter, { $set: { status: 'failed' } }).lean<ReminderDoc>()
    if (r)
      await this.giveUp([
        { memberId: String(r.userId), key: `reminder:${r._id}:${p.at}`, vars: r.vars, inbox: r.inbox },
      ])
  }

  private async removeJob(jobId: string) {
    try {
      await (await this.d.queue.getJob(jobId))?.remove()
    } catch (err) {
      // Running or locked: the reminder record, not the job, decides whether anything is sent.
      this.d.log.debug?.({ jobId, err: (err as Error).message }, 'reminder job not removed')
    }
  }
}

/** Stored subdocuments come back with empty optional fields; the contract's shape has them absent. */
function cleanField(f: { key: string; var?: string | null; text?: string | null }) {
  return { key: f.key, ...(f.var ? { var: f.var } : {}), ...(f.text ? { text: f.text } : {}) }
}
