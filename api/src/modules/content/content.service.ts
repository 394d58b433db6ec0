import type { Types } from 'mongoose'
import type { z } from 'zod'
import type { AdminPrincipal, MpPrincipal } from '../../platform/auth.js'
import { errors, isDuplicateKey } from '../../platform/errors.js'
import { escapeRegex, findPage } from '../../platform/lists.js'
import type { Logger } from '../../platform/logger.js'
import type { WechatClient } from '../../platform/wechat/client.js'
import { StoredFileModel, type StoredFileDoc } from '../files/files.model.js'
import { ancestorsIndustry, ancestorsRegion } from '../taxonomy/taxonomy.contract.js'
import type {
  AdminContentQuery,
  AnnouncementCreate,
  AnnouncementUpdate,
  AudienceOutput,
  ContentKindOutput,
  MpPatentQuery,
  PatentCreate,
  PatentUpdate,
} from './content.contract.js'
import type { PageQuery } from '../common.contract.js'
import {
  ContentModel,
  ContentReadModel,
  type AttachmentDoc,
  type ContentDoc,
  type PatentFieldsDoc,
  type SecCheckDoc,
} from './content.model.js'
import {
  presentAnnouncementAdmin,
  presentAnnouncementMp,
  presentAnnouncementMpDetail,
  presentPatentAdmin,
  presentPatentMp,
  presentPatentMpDetail,
  presentPushable,
} from './content.presenter.js'
import { plainText, sanitizeBody } from './content.sanitize.js'
import { ContentSecCheck, secCheckErrors } from './content.sec-check.js'

/** Enqueues the delayed job that calls `publishDue` at `at`; a stale job (after a reschedule) finds nothing to do. */
export interface ContentScheduler {
  schedulePublish(kind: ContentKindOutput, id: string, at: Date): Promise<void>
}

/** Who a mini-program user is for announcement targeting (their enterprise's profile, if any). */
export interface UserAudience {
  hasEnterprise: boolean
  region?: string
  industries: string[]
}

/** Resolves an attachment id to an upload made by console staff, or undefined. */
export interface AttachmentLookup {
  staffAttachment(fileId: string): Promise<AttachmentDoc | undefined>
}

/** Reads the files collection directly until the files module exports its own check for staff uploads. */
export const staffUploads: AttachmentLookup = {
  async staffAttachment(fileId) {
    const f = await StoredFileModel.findOne({
      _id: fileId,
      'owner.kind': 'admin',
      purpose: 'attachment',
    }).lean<StoredFileDoc>()
    return f ? { fileId: f._id, name: f.originalName, mime: f.mime, size: f.size } : undefined
  },
}

export interface ContentModuleDeps {
  wechat: Pick<WechatClient, 'msgSecCheck'>
  /** openid msg_sec_check v2 runs as: an operator's WeChat that opens the mini-program at least every 2 hours. */
  secCheckOpenid: string | undefined
  audienceOf(userId: string): Promise<UserAudience>
  scheduler: ContentScheduler
  log: Logger
  /** defaults to reading staff uploads from the files collection */
  attachments?: AttachmentLookup
}

export function createContentService(deps: ContentModuleDeps) {
  return new ContentService({
    secCheck: new ContentSecCheck(deps.wechat, deps.secCheckOpenid),
    audienceOf: deps.audienceOf,
    scheduler: deps.scheduler,
    attachments: deps.attachments ?? staffUploads,
    log: deps.log.child({ module: 'content' }),
  })
}

export interface ContentDeps {
  secCheck: ContentSecCheck
  audienceOf(userId: string): Promise<UserAudience>
  scheduler: ContentScheduler
  attachments: AttachmentLookup
  log: Logger
  now?: () => Date
}

type Actor = Pick<AdminPrincipal, 'id'>
type Page = z.output<typeof PageQuery>
type ListQuery = z.output<typeof AdminContentQuery>
type Fields = Record<string, unknown>
const YEAR_MS = 365 * 24 * 3600_000
const EXCERPT_CHARS = 120
/** Pinned first (most recently pinned on top), then newest. */
const MP_ORDER = { pinned: -1, pinnedAt: -1, publishedAt: -1, _id: -1 } as const

export const contentErrors = {
  notFound: (noun: string) => errors.notFound(noun),
  alreadyPublished: (noun: string) =>
    errors.conflict('ALREADY_PUBLISHED', `该${noun}已发布；如需修改请直接编辑，或先撤回`),
  notPublished: (noun: string) => errors.conflict('NOT_PUBLISHED', `该${noun}未发布，无需撤回`),
  notDraft: (noun: string) => errors.conflict('NOT_DRAFT', `只能删除草稿；已发布或定时发布的${noun}请先撤回`),
  notPushable: (noun: string) =>
    errors.conflict('CONTENT_NOT_PUBLISHED', `该${noun}尚未发布或已撤回，不能推送`),
  changed: () => errors.conflict('CONTENT_CHANGED', '内容刚被修改或状态已变化，请刷新后重试'),
  publishAt: (message: string) => errors.validation([{ path: 'publishAt', message }]),
  noReviewPending: (noun: string) =>
    errors.conflict(
      'SEC_REVIEW_NOT_PENDING',
      `该${noun}没有待人工复核的内容安全结果：微信检测未要求复核，或已有人确认过`,
    ),
}

/** The fields both kinds share in create and update inputs. */
export interface SharedInput {
  title?: string | undefined
  body?: string | undefined
  summary?: string | null | undefined
  attachments?: string[] | undefined
}

/** What differs between announcements and patent information; everything else is the shared lifecycle. */
interface KindSpec<C extends SharedInput, U extends SharedInput, A> {
  kind: ContentKindOutput
  /** '公告' / '专利信息', for messages */
  noun: string
  /** Kind-specific document fields from a create input, or from an update merged over `current`. */
  specific(input: C | U, current?: ContentDoc): Fields
  adminFilter(q: ListQuery & { kind?: string }): Fields
  presentAdmin(c: ContentDoc): A
}

const ANNOUNCEMENT: KindSpec<
  z.output<typeof AnnouncementCreate>,
  z.output<typeof AnnouncementUpdate>,
  ReturnType<typeof presentAnnouncementAdmin>
> = {
  kind: 'announcement',
  noun: '公告',
  specific: (input) => (input.audience ? audienceFields(input.audience) : {}),
  adminFilter: () => ({}),
  presentAdmin: presentAnnouncementAdmin,
}

const PATENT: KindSpec<
  z.output<typeof PatentCreate>,
  z.output<typeof PatentUpdate>,
  ReturnType<typeof presentPatentAdmin>
> = {
  kind: 'patent',
  noun: '专利信息',
  specific(input, current) {
    const p: Partial<PatentFieldsDoc> = { ...current?.patent }
    if (input.kind) p.kind = input.kind
    if (input.link !== undefined) p.link = input.link ?? null
    if (input.source !== undefined) p.source = input.source ?? null
    if (input.tags) Object.assign(p, input.tags)
    return input.kind || input.link !== undefined || input.source !== undefined || input.tags
      ? { patent: p }
      : {}
  },
  adminFilter: (q) => (q.kind ? { 'patent.kind': q.kind } : {}),
  presentAdmin: presentPatentAdmin,
}

function audienceFields(a: AudienceOutput): Fields {
  const orAny = (xs: string[]) => (xs.length ? xs : ['*'])
  return { audience: a, audienceMatch: { regions: orAny(a.regions), industries: orAny(a.industries) } }
}

/** A user's announcement filter: their audience kind, and region/industry filters that name their codes or broader ones. */
function audienceFilter(a: UserAudience): Fields {
  return {
    'audience.kind': { $in: ['all', a.hasEnterprise ? 'enterprises' : 'individuals'] },
    'audienceMatch.regions': { $in: ['*', ...(a.region ? ancestorsRegion(a.region) : [])] },
    'audienceMatch.industries': { $in: ['*', ...new Set(a.industries.flatMap(ancestorsIndustry))] },
  }
}

/** What the content check reads: everything a reader sees as text. */
const checkedText = (c: Pick<ContentDoc, 'title' | 'summary' | 'body'>) =>
  [c.title, c.summary, plainText(c.body)].filter(Boolean).join('\n')
const sameIds = (ids: string[], current: AttachmentDoc[] | undefined) =>
  !!current && ids.length === current.length && ids.every((id, i) => current[i]!.fileId.toHexString() === id)

/**
 * The lifecycle both kinds share: draft → scheduled → published → withdrawn → published… Every transition
 * is a conditional update on (status, rev), so two editors, or an editor and the scheduled sweep, cannot
 * both win; and nothing becomes visible in the mini-program without a content check of its current text.
 */
export class ContentLifecycle<C extends SharedInput, U extends SharedInput, A> {
  constructor(
    private readonly spec: KindSpec<C, U, A>,
    private readonly d: Required<Pick<ContentDeps, 'now'>> & ContentDeps,
  ) {}

  async list(q: ListQuery & { kind?: string }) {
    const filter: Fields = { kind: this.spec.kind, ...this.spec.adminFilter(q) }
    if (q.status) filter.status = q.status
    if (q.q) filter.title = { $regex: escapeRegex(q.q), $options: 'i' }
    if (q.review)
      Object.assign(filter, {
        'secCheck.suggest': 'review',
        'secCheck.reviewedAt': q.review === 'pending' ? null : { $ne: null },
      })
    const { docs, ...page } = await findPage<ContentDoc>(ContentModel, filter, q, { createdAt: -1 })
    return { ...page, items: docs.map((c) => this.spec.presentAdmin(c)) }
  }

  async get(id: string) {
    return this.spec.presentAdmin(await this.find(id))
  }

  async create(input: C, actor: Actor) {
    const doc = await ContentModel.create({
      kind: this.spec.kind,
      status: 'draft',
      ...(await this.sharedFields(input)),
      ...this.spec.specific(input),
      createdBy: actor.id,
      updatedBy: actor.id,
    })
    return this.spec.presentAdmin(doc.toObject<ContentDoc>())
  }

  /**
   * Edits are allowed in every state. A scheduled or published item stays so, but its new text is checked
   * first: risky text is refused and the live version stays as it was.
   */
  async update(id: string, input: U, actor: Actor) {
    const doc = await this.find(id)
    const set: Fields = {
      ...(await this.sharedFields(input, doc)),
      ...this.spec.specific(input, doc),
      updatedBy: actor.id,
    }
    const textChanged = (['title', 'summary', 'body'] as const).some((k) => k in set && set[k] !== doc[k])
    if (textChanged) {
      set.rev = doc.rev + 1
      if (doc.status === 'scheduled' || doc.status === 'published')
        set.secCheck = await this.check({ ...doc, ...set } as ContentDoc, { persistRisky: false })
    }
    const next = await this.transition(doc, set)
    return {
      item: this.spec.presentAdmin(next),
      changed: Object.keys(input).filter((k) => input[k as keyof U] !== undefined),
    }
  }

  /** Checked now, published by the delayed job (or the sweep) at `publishAt`; rescheduling just moves the time. */
  async schedule(id: string, publishAt: string, actor: Actor) {
    const at = new Date(publishAt)
    const now = this.d.now()
    if (at.getTime() <= now.getTime()) throw contentErrors.publishAt('定时发布时间须晚于当前时间')
    if (at.getTime() > now.getTime() + YEAR_MS) throw contentErrors.publishAt('定时发布时间不能晚于一年之后')
    const doc = await this.find(id)
    if (doc.status === 'published') throw contentErrors.alreadyPublished(this.spec.noun)
    const secCheck = await this.check(doc)
    const next = await this.transition(doc, {
      status: 'scheduled',
      publishAt: at,
      secCheck,
      updatedBy: actor.id,
    })
    // The sweep over {status, publishAt} publishes it even if this enqueue is lost, so a failure is only logged.
    await this.d.scheduler
      .schedulePublish(this.spec.kind, id, at)
      .catch((err: unknown) =>
        this.d.log.error({ err, kind: this.spec.kind, id }, 'could not enqueue scheduled publish'),
      )
    return this.spec.presentAdmin(next)
  }

  async publish(id: string, actor: Actor) {
    const doc = await this.find(id)
    if (doc.status === 'published') throw contentErrors.alreadyPublished(this.spec.noun)
    const secCheck = await this.check(doc)
    const next = await this.transition(doc, {
      status: 'published',
      publishedAt: doc.publishedAt ?? this.d.now(),
      publishAt: null,
      withdrawnAt: null,
      secCheck,
      updatedBy: actor.id,
    })
    return this.spec.presentAdmin(next)
  }

  /** Hides a published item from the mini-program (it can be republished); a scheduled one goes back to draft. */
  async withdraw(id: string, actor: Actor) {
    const doc = await this.find(id)
    const set =
      doc.status === 'published'
        ? { status: 'withdrawn', withdrawnAt: this.d.now() }
        : doc.status === 'scheduled'
          ? { status: 'draft', publishAt: null }
          : undefined
    if (!set) throw contentErrors.notPublished(this.spec.noun)
    return this.spec.presentAdmin(await this.transition(doc, { ...set, updatedBy: actor.id }))
  }

  async pin(id: string, pinned: boolean, actor: Actor) {
    const next = await ContentModel.findOneAndUpdate(
      { _id: id, kind: this.spec.kind },
      { $set: { pinned, pinnedAt: pinned ? this.d.now() : null, updatedBy: actor.id } },
      { new: true },
    ).lean<ContentDoc>()
    if (!next) throw contentErrors.notFound(this.spec.noun)
    return this.spec.presentAdmin(next)
  }

  /**
   * An editor confirms, after a human look, text that WeChat's check asked to have reviewed. The item stays
   * as it is (published or not); only the flag clears. A later edit is checked again and may ask again.
   */
  async confirmReview(id: string, actor: Pick<AdminPrincipal, 'id' | 'username'>) {
    const doc = await this.find(id)
    if (doc.secCheck?.suggest !== 'review' || doc.secCheck.reviewedAt)
      throw contentErrors.noReviewPending(this.spec.noun)
    const next = await ContentModel.findOneAndUpdate(
      {
        _id: doc._id,
        kind: this.spec.kind,
        rev: doc.rev,
        'secCheck.suggest': 'review',
        'secCheck.reviewedAt': null,
      },
      {
        $set: {
          'secCheck.reviewedAt': this.d.now(),
          'secCheck.reviewedBy': actor.id,
          'secCheck.reviewerName': actor.username,
        },
      },
      { new: true },
    ).lean<ContentDoc>()
    if (!next) throw contentErrors.changed()
    return this.spec.presentAdmin(next)
  }

  async remove(id: string) {
    const r = await ContentModel.deleteOne({ _id: id, kind: this.spec.kind, status: 'draft' })
    if (r.deletedCount) return void (await ContentReadModel.deleteMany({ contentId: id }))
    await this.find(id)
    throw contentErrors.notDraft(this.spec.noun)
  }

  private async find(id: string) {
    const doc = await ContentModel.findOne({ _id: id, kind: this.spec.kind }).lean<ContentDoc>()
    if (!doc) throw contentErrors.notFound(this.spec.noun)
    return doc
  }

  /** Applies `set` only if nobody changed the status or the text since `doc` was read. */
  private async transition(doc: ContentDoc, set: Fields) {
    const next = await ContentModel.findOneAndUpdate(
      { _id: doc._id, kind: this.spec.kind, status: doc.status, rev: doc.rev },
      { $set: set },
      { new: true },
    ).lean<ContentDoc>()
    if (!next) throw contentErrors.changed()
    return next
  }

  /**
   * WeChat's verdict on the item's text; risky is refused (and, for stored text, kept on the item so the
   * console shows why), review is allowed and kept as a flag.
   */
  private async check(doc: ContentDoc, { persistRisky = true } = {}): Promise<SecCheckDoc> {
    const verdict = await this.d.secCheck.check(checkedText(doc))
    const secCheck: SecCheckDoc = { ...verdict, checkedAt: this.d.now(), rev: doc.rev }
    if (verdict.suggest === 'risky') {
      if (persistRisky) await ContentModel.updateOne({ _id: doc._id, rev: doc.rev }, { $set: { secCheck } })
      throw secCheckErrors.risky(verdict.label)
    }
    return secCheck
  }

  private async sharedFields(input: SharedInput, current?: ContentDoc): Promise<Fields> {
    const set: Fields = {}
    if (input.title !== undefined) set.title = input.title
    if (input.summary !== undefined) set.summary = input.summary ?? ''
    if (input.body !== undefined) {
      const body = sanitizeBody(input.body)
      set.body = body
      set.excerpt = [...plainText(body).replace(/\s+/g, ' ')].slice(0, EXCERPT_CHARS).join('')
    }
    if (input.attachments !== undefined && !sameIds(input.attachments, current?.attachments))
      set.attachments = await this.resolveAttachments(input.attachments)
    return set
  }

  private async resolveAttachments(ids: string[]): Promise<AttachmentDoc[]> {
    const found = await Promise.all(ids.map((id) => this.d.attachments.staffAttachment(id)))
    const missing = found.flatMap((f, i) =>
      f ? [] : [{ path: `attachments.${i}`, message: '文件不存在或不是后台上传的附件，请重新上传' }],
    )
    if (missing.length) throw errors.validation(missing)
    return found as AttachmentDoc[]
  }
}

/**
 * Publishes every scheduled item whose time has come. Idempotent: each item is moved by a conditional
 * update, so overlapping runs (several workers, a stale delayed job) publish it once.
 */
export async function publishDue(now: Date = new Date()): Promise<{ kind: ContentKindOutput; id: string }[]> {
  const published: { kind: ContentKindOutput; id: string }[] = []
  for (;;) {
    const due = await ContentModel.find(
      { status: 'scheduled', publishAt: { $lte: now } },
      { kind: 1, publishAt: 1, publishedAt: 1 },
    )
      .sort({ publishAt: 1 })
      .limit(200)
      .lean<Pick<ContentDoc, '_id' | 'kind' | 'publishAt' | 'publishedAt'>[]>()
    let moved = 0
    for (const c of due) {
      const r = await ContentModel.updateOne(
        { _id: c._id, status: 'scheduled', publishAt: c.publishAt },
        {
          $set: {
            status: 'published',
            publishedAt: c.publishedAt ?? c.publishAt,
            publishAt: null,
            withdrawnAt: null,
          },
        },
      )
      if (r.modifiedCount) {
        moved++
        published.push({ kind: c.kind, id: c._id.toHexString() })
      }
    }
    if (due.length < 200 || moved === 0) return published
  }
}

type LifecycleOf<S> = S extends KindSpec<infer C, infer U, infer A> ? ContentLifecycle<C, U, A> : never

/** Announcements and patent information: the console lifecycle of each, and what the mini-program sees. */
export class ContentService {
  readonly announcements: LifecycleOf<typeof ANNOUNCEMENT>
  readonly patents: LifecycleOf<typeof PATENT>
  private readonly d: Required<Pick<ContentDeps, 'now'>> & ContentDeps

  constructor(deps: ContentDeps) {
    this.d = { ...deps, now: deps.now ?? (() => new Date()) }
    this.announcements = new ContentLifecycle(ANNOUNCEMENT, this.d)
    this.patents = new ContentLifecycle(PATENT, this.d)
  }

  publishDue(now: Date = this.d.now()) {
    return publishDue(now)
  }

  /** For the campaign module: a push may only be about an item that is published right now. */
  async getPublishedForPush(kind: ContentKindOutput, id: string) {
    const noun = kind === 'announcement' ? ANNOUNCEMENT.noun : PATENT.noun
    const c = await ContentModel.findOne({ _id: id, kind }).lean<ContentDoc>()
    if (!c) throw contentErrors.notFound(noun)
    if (c.status !== 'published') throw contentErrors.notPushable(noun)
    return presentPushable(c)
  }

  // ── mini-program ─────────────────────────────────────────────────────────────
  async announcementsFor(user: MpPrincipal, q: Page) {
    return this.mpPage(user, await this.announcementFilter(user), q, presentAnnouncementMp)
  }

  async announcementFor(user: MpPrincipal, id: string) {
    return this.mpDetail(
      user,
      id,
      await this.announcementFilter(user),
      ANNOUNCEMENT.noun,
      presentAnnouncementMpDetail,
    )
  }

  async unreadAnnouncements(user: MpPrincipal) {
    const visible = await ContentModel.find(await this.announcementFilter(user), { _id: 1 }).lean<
      Pick<ContentDoc, '_id'>[]
    >()
    const read = visible.length
      ? await ContentReadModel.countDocuments({
          userId: user.id,
          contentId: { $in: visible.map((c) => c._id) },
        })
      : 0
    return { unread: visible.length - read }
  }

  patentsFor(user: MpPrincipal, q: z.output<typeof MpPatentQuery>) {
    return this.mpPage(
      user,
      { kind: 'patent', status: 'published', ...(q.kind ? { 'patent.kind': q.kind } : {}) },
      q,
      presentPatentMp,
    )
  }

  patentFor(user: MpPrincipal, id: string) {
    return this.mpDetail(
      user,
      id,
      { kind: 'patent', status: 'published' },
      PATENT.noun,
      presentPatentMpDetail,
    )
  }

  private async announcementFilter(user: MpPrincipal): Promise<Fields> {
    return { kind: 'announcement', status: 'published', ...audienceFilter(await this.d.audienceOf(user.id)) }
  }

  private async mpPage<T>(
    user: MpPrincipal,
    filter: Fields,
    q: Page,
    present: (c: ContentDoc, unread: boolean) => T,
  ) {
    const { docs, ...page } = await findPage<ContentDoc>(ContentModel, filter, q, MP_ORDER, { body: 0 })
    const read = await this.readAmong(
      user.id,
      docs.map((c) => c._id),
    )
    return { ...page, items: docs.map((c) => present(c, !read.has(c._id.toHexString()))) }
  }

  /** Not published, withdrawn or outside the user's audience all answer the same 404. */
  /**
   * An attachment the mini-program user may download: it belongs to a published item of this kind that
   * they can see (announcements by audience). Anything else is 404, so file ids cannot be probed.
   */
  async visibleAttachment(user: MpPrincipal, kind: ContentKindOutput, id: string, fileId: string) {
    const filter =
      kind === 'announcement' ? await this.announcementFilter(user) : { kind: 'patent', status: 'published' }
    const found = await ContentModel.exists({ _id: id, ...filter, 'attachments.fileId': fileId })
    if (!found) throw contentErrors.notFound('附件')
    return fileId
  }

  private async mpDetail<T>(
    user: MpPrincipal,
    id: string,
    filter: Fields,
    noun: string,
    present: (c: ContentDoc, unread: boolean) => T,
  ) {
    const c = await ContentModel.findOne({ _id: id, ...filter }).lean<ContentDoc>()
    if (!c) throw contentErrors.notFound(noun)
    await this.recordRead(c._id, user.id)
    return present(c, false)
  }

  private async readAmong(userId: string, ids: Types.ObjectId[]) {
    if (!ids.length) return new Set<string>()
    const reads = await ContentReadModel.find({ userId, contentId: { $in: ids } }, { contentId: 1 }).lean<
      { contentId: Types.ObjectId }[]
    >()
    return new Set(reads.map((r) => r.contentId.toHexString()))
  }

  /** The first open inserts the receipt and counts it; later opens (and a racing duplicate) change nothing. */
  private async recordRead(contentId: Types.ObjectId, userId: string) {
    try {
      const r = await ContentReadModel.updateOne(
        { contentId, userId },
        { $setOnInsert: { readAt: this.d.now() } },
        { upsert: true },
      )
      if (r.upsertedCount) await ContentModel.updateOne({ _id: contentId }, { $inc: { readCount: 1 } })
    } catch (e) {
      if (!isDuplicateKey(e)) throw e
    }
  }
}
