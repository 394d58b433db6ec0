import type {
  AnnouncementAdminOutput,
  AnnouncementMpDetailOutput,
  AnnouncementMpItemOutput,
  AttachmentOutput,
  PatentAdminOutput,
  PatentMpDetailOutput,
  PatentMpItemOutput,
  PatentTagsOutput,
  PushableContentOutput,
} from './content.contract.js'
import { PATENT_KIND_LABELS } from './content.contract.js'
import type { AudienceDoc, ContentDoc, PatentFieldsDoc } from './content.model.js'
import { labelName } from './content.sec-check.js'
import { iso } from '../../platform/time.js'

const NO_AUDIENCE: AudienceDoc = { kind: 'all', regions: [], industries: [] }

function attachments(c: ContentDoc): AttachmentOutput[] {
  return c.attachments.map((a) => ({ id: a.fileId.toHexString(), name: a.name, mime: a.mime, size: a.size }))
}

function tags(p: PatentFieldsDoc | undefined): PatentTagsOutput {
  return {
    ipcs: p?.ipcs ?? [],
    industries: p?.industries ?? [],
    regions: p?.regions ?? [],
    enterpriseTypes: (p?.enterpriseTypes ?? []) as PatentTagsOutput['enterpriseTypes'],
    sizes: (p?.sizes ?? []) as PatentTagsOutput['sizes'],
  }
}

function audience(c: ContentDoc): AnnouncementAdminOutput['audience'] {
  const a = c.audience?.kind ? c.audience : NO_AUDIENCE
  return { kind: a.kind, regions: a.regions ?? [], industries: a.industries ?? [] }
}

/** The shown summary: the editor's, or the start of the body (announcements need not have one). */
export const summaryOf = (c: ContentDoc) => c.summary || c.excerpt

function adminCommon(c: ContentDoc): Omit<AnnouncementAdminOutput, 'audience'> {
  return {
    id: c._id.toHexString(),
    title: c.title,
    summary: c.summary,
    body: c.body,
    attachments: attachments(c),
    status: c.status,
    publishAt: iso(c.publishAt),
    publishedAt: iso(c.publishedAt),
    withdrawnAt: iso(c.withdrawnAt),
    pinned: c.pinned,
    secCheck: c.secCheck
      ? {
          suggest: c.secCheck.suggest,
          label: c.secCheck.label,
          labelName: labelName(c.secCheck.label),
          checkedAt: iso(c.secCheck.checkedAt),
          reviewedAt: iso(c.secCheck.reviewedAt),
          reviewedBy: c.secCheck.reviewerName ?? null,
        }
      : null,
    readCount: c.readCount,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  }
}

export function presentAnnouncementAdmin(c: ContentDoc): AnnouncementAdminOutput {
  return { ...adminCommon(c), audience: audience(c) }
}

export function presentPatentAdmin(c: ContentDoc): PatentAdminOutput {
  return {
    ...adminCommon(c),
    kind: c.patent!.kind,
    link: c.patent?.link ?? null,
    source: c.patent?.source ?? null,
    tags: tags(c.patent),
  }
}

function mpCommon(c: ContentDoc, unread: boolean): AnnouncementMpItemOutput {
  return {
    id: c._id.toHexString(),
    title: c.title,
    summary: summaryOf(c),
    pinned: c.pinned,
    // Only published items reach the mini-program, and publishing always sets publishedAt.
    publishedAt: iso(c.publishedAt ?? c.updatedAt),
    unread,
  }
}

export const presentAnnouncementMp = mpCommon

export function presentAnnouncementMpDetail(c: ContentDoc, unread: boolean): AnnouncementMpDetailOutput {
  return {
    ...mpCommon(c, unread),
    body: c.body,
    attachments: attachments(c),
    updatedAt: iso(c.updatedAt),
  }
}

export function presentPatentMp(c: ContentDoc, unread: boolean): PatentMpItemOutput {
  const kind = c.patent!.kind
  return { ...mpCommon(c, unread), kind, kindLabel: PATENT_KIND_LABELS[kind], tags: tags(c.patent) }
}

export function presentPatentMpDetail(c: ContentDoc, unread: boolean): PatentMpDetailOutput {
  return {
    ...presentPatentMp(c, unread),
    body: c.body,
    attachments: attachments(c),
    link: c.patent?.link ?? null,
    source: c.patent?.source ?? null,
    updatedAt: iso(c.updatedAt),
  }
}

export function presentPushable(c: ContentDoc): PushableContentOutput {
  const base = { id: c._id.toHexString(), kind: c.kind, title: c.title, summary: summaryOf(c) }
  if (c.kind === 'patent')
    return { ...base, category: c.patent!.kind, tags: { ...tags(c.patent), regionMatch: 'within' } }
  const a = audience(c)
  return {
    ...base,
    category: 'announcement',
    tags: { ...tags(undefined), regions: a.regions, industries: a.industries, regionMatch: 'within' },
    audience: a,
  }
}
