import type { z } from 'zod'
import type { AdminPrincipal } from '../../platform/auth.js'
import { errors } from '../../platform/errors.js'
import { escapeRegex, findPage } from '../../platform/lists.js'
import type { Logger } from '../../platform/logger.js'
import { mayMove, transition } from '../../platform/transitions.js'
import { StoredFileModel, type StoredFileDoc } from '../files/files.model.js'
import {
  ContentMachine,
  type AdminContentQuery,
  type AnnouncementCreate,
  type AnnouncementUpdate,
  type AudienceOutput,
  type ContentKindOutput,
  type ContentMove,
  type PatentCreate,
  type PatentUpdate,
} from './content.contract.js'
import { contentErrors, secCheckErrors } from './content.errors.js'
import {
  ContentModel,
  ContentReadModel,
  type AttachmentDoc,
  type ContentDoc,
  type PatentFieldsDoc,
  type SecCheckDoc,
} from './content.model.js'
import { presentAnnouncementAdmin, presentPatentAdmin } from './content.presenter.js'
import type { ContentScheduler } from './content.publishing.js'
import { plainText, sanitizeBody } from './content.sanitize.js'
import type { ContentSecCheck } from './content.sec-check.js'
import type { UserAudience } from './content.feed.js'

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

export interface ContentDeps {
  secCheck: ContentSecCheck
  audienceOf(userId: string): Promise<UserAudience>
  scheduler: ContentScheduler
  attachments: AttachmentLookup
  log: Logger
  now?: () => Date
}
export type ResolvedContentDeps = Required<Pick<ContentDeps, 'now'>> & ContentDeps

type Actor = Pick<AdminPrincipal, 'id'>
type ListQuery = z.output<typeof AdminContentQuery>
type Fields = Record<string, unknown>
const YEAR_MS = 365 * 24 * 3600_000
const EXCERPT_CHARS = 120

/** The fields both kinds share in create and update inputs. */
export interface SharedInput {
  title?: string | undefined
  body?: string | undefined
  summary?: string | null | undefined
  attachments?: string[] | undefined
}

/** What differs between announcements and patent information; everything else is the shared lifecycle. */
export interface KindSpec<C extends SharedInput, U extends SharedInput, A> {
  kind: ContentKindOutput
  /** '公告' / '专利信息', for messages */
  noun: string
  /** Kind-specific document fields from a create input, or from an update merged over `current`. */
  specific(input: C | U, current?: ContentDoc): Fields
  adminFilter(q: ListQuery & { kind?: string }): Fields
  presentAdmin(c: ContentDoc): A
}

export const ANNOUNCEMENT: KindSpec<
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

export const PATENT: KindSpec<
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

export const nounOf = (kind: ContentKindOutput) => (kind === 'announcement' ? ANNOUNCEMENT.noun : PATENT.noun)

function audienceFields(a: AudienceOutput): Fields {
  const orAny = (xs: string[]) => (xs.length ? xs : ['*'])
  return { audience: a, audienceMatch: { regions: orAny(a.regions), industries: orAny(a.industries) } }
}

/** What the content check reads: everything a reader sees as text. */
const checkedText = (c: Pick<ContentDoc, 'title' | 'summary' | 'body'>) =>
  [c.title, c.summary, plainText(c.body)].filter(Boolean).join('\n')
const sameIds = (ids: string[], current: AttachmentDoc[] | undefined) =>
  !!current && ids.length === current.length && ids.every((id, i) => current[i]!.fileId.toHexString() === id)

/**
 * The console lifecycle both kinds share (ContentMachine): draft → scheduled → published → withdrawn →
 * published… Every move is a `transition()` guarded by the revision the editor saw, so two editors, or an
 * editor and the scheduled publishing, cannot both win; and nothing becomes visible in the mini-program
 * without a content check of its current text.
 */
export class ContentLifecycle<C extends SharedInput, U extends SharedInput, A> {
  constructor(
    private readonly spec: KindSpec<C, U, A>,
    private readonly d: ResolvedContentDeps,
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
   * Edits are allowed in every state (editing is not a move). A scheduled or published item stays so, but
   * its new text is checked first: risky text is refused and the live version stays as it was.
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
    const next = await this.saveUnchanged(doc, set)
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
    this.refuseUnless('schedule', doc)
    const secCheck = await this.check(doc)
    const next = await this.move(doc, 'schedule', { publishAt: at, secCheck, updatedBy: actor.id })
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
    this.refuseUnless('publish', doc)
    const secCheck = await this.check(doc)
    const next = await this.move(doc, 'publish', {
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
    const move = doc.status === 'scheduled' ? 'unschedule' : 'withdraw'
    this.refuseUnless(move, doc)
    const set = move === 'withdraw' ? { withdrawnAt: this.d.now() } : { publishAt: null }
    return this.spec.presentAdmin(await this.move(doc, move, { ...set, updatedBy: actor.id }))
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

  /** Refused before any work (a WeChat check) when the state read does not allow the move. */
  private refuseUnless(move: ContentMove, doc: ContentDoc) {
    if (!mayMove(ContentMachine, move, doc.status))
      throw contentErrors.refused(this.spec.noun)({
        current: doc.status,
        allowedFrom: ContentMachine.moves[move].from,
        move,
        stateAllowed: false,
      })
  }

  /** One move of ContentMachine, only if nobody changed the text since `doc` was read. */
  private move(doc: ContentDoc, move: ContentMove, set: Fields): Promise<ContentDoc> {
    return transition(
      ContentModel,
      ContentMachine,
      move,
      { _id: doc._id, kind: this.spec.kind },
      { $set: set },
      {
        guard: { rev: doc.rev },
        conflict: contentErrors.refused(this.spec.noun),
        notFound: () => contentErrors.notFound(this.spec.noun),
      },
    )
  }

  /** An edit, not a move: applied only if nobody changed the status or the text since `doc` was read. */
  private async saveUnchanged(doc: ContentDoc, set: Fields) {
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
