import type { Types } from 'mongoose'
import type { z } from 'zod'
import type { MpPrincipal } from '../../platform/auth.js'
import { isDuplicateKey } from '../../platform/errors.js'
import { findPage } from '../../platform/lists.js'
import { ancestorsIndustry, ancestorsRegion } from '../taxonomy/taxonomy.contract.js'
import type { PageQuery } from '../common.contract.js'
import type { ContentKindOutput, MpPatentQuery } from './content.contract.js'
import { contentErrors } from './content.errors.js'
import { ANNOUNCEMENT, PATENT } from './content.lifecycle.js'
import { ContentModel, ContentReadModel, type ContentDoc } from './content.model.js'
import {
  presentAnnouncementMp,
  presentAnnouncementMpDetail,
  presentPatentMp,
  presentPatentMpDetail,
} from './content.presenter.js'

/** Who a mini-program user is for announcement targeting (their enterprise's profile, if any). */
export interface UserAudience {
  hasEnterprise: boolean
  region?: string
  industries: string[]
}

export interface FeedDeps {
  audienceOf(userId: string): Promise<UserAudience>
  now: () => Date
}

type Page = z.output<typeof PageQuery>
type Fields = Record<string, unknown>
/** Pinned first (most recently pinned on top), then newest. */
const MP_ORDER = { pinned: -1, pinnedAt: -1, publishedAt: -1, _id: -1 } as const

/** A user's announcement filter: their audience kind, and region/industry filters that name their codes or broader ones. */
function audienceFilter(a: UserAudience): Fields {
  return {
    'audience.kind': { $in: ['all', a.hasEnterprise ? 'enterprises' : 'individuals'] },
    'audienceMatch.regions': { $in: ['*', ...(a.region ? ancestorsRegion(a.region) : [])] },
    'audienceMatch.industries': { $in: ['*', ...new Set(a.industries.flatMap(ancestorsIndustry))] },
  }
}

/**
 * What the mini-program reads: published items only, announcements within the reader's audience, each open
 * recorded once. Not published, withdrawn or outside the audience all answer the same 404.
 */
export class ContentFeed {
  constructor(protected readonly feed: FeedDeps) {}

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

  private async announcementFilter(user: MpPrincipal): Promise<Fields> {
    return {
      kind: 'announcement',
      status: 'published',
      ...audienceFilter(await this.feed.audienceOf(user.id)),
    }
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
        { $setOnInsert: { readAt: this.feed.now() } },
        { upsert: true },
      )
      if (r.upsertedCount) await ContentModel.updateOne({ _id: contentId }, { $inc: { readCount: 1 } })
    } catch (e) {
      if (!isDuplicateKey(e)) throw e
    }
  }
}
