import type { Logger } from '../../platform/logger.js'
import type { WechatClient } from '../../platform/wechat/client.js'
import type { ContentKindOutput } from './content.contract.js'
import { contentErrors } from './content.errors.js'
import { ContentFeed, type UserAudience } from './content.feed.js'
import {
  ANNOUNCEMENT,
  ContentLifecycle,
  nounOf,
  PATENT,
  staffUploads,
  type AttachmentLookup,
  type ContentDeps,
  type KindSpec,
  type ResolvedContentDeps,
} from './content.lifecycle.js'
import { ContentModel, type ContentDoc } from './content.model.js'
import { presentPushable } from './content.presenter.js'
import { publishDue, type ContentScheduler } from './content.publishing.js'
import { ContentSecCheck } from './content.sec-check.js'

// The domain is cut in three: the console lifecycle (content.lifecycle.ts), the mini-program feed
// (content.feed.ts) and the publishing job (content.publishing.ts). This file puts them together.
export { ContentLifecycle, staffUploads, publishDue }
export type { AttachmentLookup, ContentDeps, ContentScheduler, UserAudience }
export type { SharedInput } from './content.lifecycle.js'

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

type LifecycleOf<S> = S extends KindSpec<infer C, infer U, infer A> ? ContentLifecycle<C, U, A> : never

/** Announcements and patent information: the console lifecycle of each, and what the mini-program sees. */
export class ContentService extends ContentFeed {
  readonly announcements: LifecycleOf<typeof ANNOUNCEMENT>
  readonly patents: LifecycleOf<typeof PATENT>
  private readonly d: ResolvedContentDeps

  constructor(deps: ContentDeps) {
    const d = { ...deps, now: deps.now ?? (() => new Date()) }
    super(d)
    this.d = d
    this.announcements = new ContentLifecycle(ANNOUNCEMENT, this.d)
    this.patents = new ContentLifecycle(PATENT, this.d)
  }

  publishDue(now: Date = this.d.now()) {
    return publishDue(now)
  }

  /** For the campaign module: a push may only be about an item that is published right now. */
  async getPublishedForPush(kind: ContentKindOutput, id: string) {
    const noun = nounOf(kind)
    const c = await ContentModel.findOne({ _id: id, kind }).lean<ContentDoc>()
    if (!c) throw contentErrors.notFound(noun)
    if (c.status !== 'published') throw contentErrors.notPushable(noun)
    return presentPushable(c)
  }
}
