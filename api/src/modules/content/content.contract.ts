import { z } from 'zod'
import { IdParams, ObjectIdString, PageQuery, UnreadCount, pageOf, text } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
import { machine } from '../machine.contract.js'
import { PUSH_CATEGORY_LABELS, PushCategory } from '../interests/interests.contract.js'
import {
  EnterpriseSize,
  EnterpriseType,
  IndustryCode,
  IpcCode,
  RegionCode,
} from '../taxonomy/taxonomy.contract.js'

/**
 * 通知公告 (announcements) and 专利信息 (patent information) share one lifecycle:
 * draft → scheduled → published → withdrawn (→ published again).
 */
export const ContentStatus = z.enum(['draft', 'scheduled', 'published', 'withdrawn']).meta({ label: '状态' })
export type ContentStatusOutput = z.output<typeof ContentStatus>
export const CONTENT_STATUS_LABELS: Record<ContentStatusOutput, string> = {
  draft: '草稿',
  scheduled: '定时发布',
  published: '已发布',
  withdrawn: '已撤回',
}
/**
 * The lifecycle both kinds share. Editing is not a move (any state may be edited; text is re-checked);
 * deleting is allowed for drafts only. `publishDue` is the worker publishing a scheduled item on time.
 */
export const ContentMachine = machine({
  what: '内容',
  states: CONTENT_STATUS_LABELS,
  moves: {
    schedule: {
      from: ['draft', 'scheduled', 'withdrawn'],
      to: 'scheduled',
      permission: 'content.manage',
      label: '定时发布',
    },
    publish: {
      from: ['draft', 'scheduled', 'withdrawn'],
      to: 'published',
      permission: 'content.manage',
      label: '发布',
    },
    withdraw: { from: ['published'], to: 'withdrawn', permission: 'content.manage', label: '撤回' },
    unschedule: { from: ['scheduled'], to: 'draft', permission: 'content.manage', label: '取消定时' },
    publishDue: { from: ['scheduled'], to: 'published', label: '到时发布' },
  },
})
export type ContentMove = keyof typeof ContentMachine.moves
export const ContentKind = z.enum(['announcement', 'patent'])
export type ContentKindOutput = z.output<typeof ContentKind>

/** 专利导航报告, 专利预警分析, 可许可/转让高价值专利, 政策解读: each also a push category enterprises may opt out of. */
export const PatentKind = PushCategory.exclude(['announcement']).meta({ label: '专利信息类别' })
export type PatentKindOutput = z.output<typeof PatentKind>
/** Exactly the patent kinds: pages list these keys, so 通知公告 (a push category, not a kind) is not offered. */
export const PATENT_KIND_LABELS = Object.fromEntries(
  PatentKind.options.map((k) => [k, PUSH_CATEGORY_LABELS[k]]),
) as Record<PatentKindOutput, string>

const Title = text({ label: '标题', max: 100 })
/** Bytes of `s` in UTF-8, as it travels in a request: 3 per Chinese character. */
export function utf8Bytes(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4 // a surrogate pair: one 4-byte character
      i++
    } else n += 3
  }
  return n
}

/**
 * The largest body, in UTF-8 bytes. It stays below the api's JSON limit (BODY_LIMIT_KB, 256 KB by
 * default) with room for the other fields, so a body the form accepts is not refused whole with 413.
 */
export const BODY_MAX_BYTES = 200 * 1024
/** Rich text; sanitised against an allowlist on the server, so whatever is accepted here is stored safe. */
const Body = z
  .string()
  .superRefine((v, ctx) => {
    const bytes = utf8Bytes(v)
    if (bytes > BODY_MAX_BYTES)
      ctx.addIssue({
        code: 'custom',
        message: `正文不能超过 ${BODY_MAX_BYTES / 1024} KB（现约 ${Math.ceil(bytes / 1024)} KB），请精简正文，或把长文改为附件上传`,
      })
  })
  .meta({ label: '正文' })
/** Used in push messages, hence short. */
const Summary = text({ label: '摘要', max: 120, min: 0 })
const Attachments = z
  .array(ObjectIdString.meta({ label: '附件' }))
  .max(10, '附件最多 10 个')
  .refine((ids) => new Set(ids).size === ids.length, '附件重复')
  .meta({ label: '附件' })
const distinct = <T extends z.ZodType>(item: T, max: number, label: string) =>
  z
    .array(item)
    .max(max, `${label}最多 ${max} 个`)
    .meta({ label })
    .transform((xs) => [...new Set(xs as unknown[])] as z.output<T>[])

/** 'enterprises' = people with an active enterprise membership; 'individuals' = everyone else. */
export const Audience = z.strictObject({
  kind: z.enum(['all', 'enterprises', 'individuals']).meta({ label: '发送对象' }),
  /** Matched against the enterprise's region and its ancestors: 440000 reaches every district of Guangdong. */
  regions: distinct(RegionCode, 50, '地区').default([]),
  /** Matched against the enterprise's industries and their ancestors: C reaches every manufacturing class. */
  industries: distinct(IndustryCode, 50, '行业').default([]),
})
export type AudienceInput = z.input<typeof Audience>
export type AudienceOutput = z.output<typeof Audience>

export const AnnouncementCreate = z.strictObject({
  title: Title,
  body: Body,
  /** Optional for announcements; shown in lists and pushes, otherwise the start of the body is. */
  summary: Summary.optional(),
  attachments: Attachments.default([]),
  audience: Audience.meta({ label: '可见范围' }).default({ kind: 'all', regions: [], industries: [] }),
})
export type AnnouncementCreateInput = z.input<typeof AnnouncementCreate>
export const AnnouncementUpdate = z.strictObject({
  title: Title.optional(),
  body: Body.optional(),
  summary: Summary.optional(),
  attachments: Attachments.optional(),
  audience: Audience.meta({ label: '可见范围' }).optional(),
})
export type AnnouncementUpdateInput = z.input<typeof AnnouncementUpdate>

const Link = z
  .url({ protocol: /^https?$/, error: '链接须以 http:// 或 https:// 开头' })
  .max(500)
  .meta({ label: '原文链接' })
const Source = text({ label: '来源', max: 100, min: 0 })
export const PatentTags = z.strictObject({
  ipcs: distinct(IpcCode, 20, 'IPC 分类号').default([]),
  industries: distinct(IndustryCode, 50, '行业').default([]),
  regions: distinct(RegionCode, 50, '地区').default([]),
  enterpriseTypes: distinct(EnterpriseType, 7, '企业类型').default([]),
  sizes: distinct(EnterpriseSize, 4, '企业规模').default([]),
})
export type PatentTagsInput = z.input<typeof PatentTags>

export const PatentCreate = z.strictObject({
  kind: PatentKind,
  title: Title,
  summary: Summary.min(1, '请填写摘要（用于推送消息）'),
  body: Body,
  attachments: Attachments.default([]),
  link: Link.optional(),
  source: Source.optional(),
  tags: PatentTags.meta({ label: '标签' }).default({
    ipcs: [],
    industries: [],
    regions: [],
    enterpriseTypes: [],
    sizes: [],
  }),
})
export type PatentCreateInput = z.input<typeof PatentCreate>
export const PatentUpdate = z.strictObject({
  kind: PatentKind.optional(),
  title: Title.optional(),
  summary: Summary.min(1, '请填写摘要（用于推送消息）').optional(),
  body: Body.optional(),
  attachments: Attachments.optional(),
  /** null removes the link / source */
  link: Link.nullable().optional(),
  source: Source.nullable().optional(),
  tags: PatentTags.meta({ label: '标签' }).optional(),
})
export type PatentUpdateInput = z.input<typeof PatentUpdate>

/** Future and within a year: checked by the service against its clock. */
export const ScheduleBody = z.strictObject({
  publishAt: z.iso.datetime({ offset: true, error: '请填写有效的发布时间' }).meta({ label: '发布时间' }),
})
export type ScheduleBodyInput = z.input<typeof ScheduleBody>

/** 'pending': WeChat asked for a human look and nobody has confirmed it yet; 'done': someone has. */
export const SecReviewFilter = z.enum(['pending', 'done']).meta({ label: '人工复核状态' })
export const AdminContentQuery = PageQuery.extend({
  status: ContentStatus.optional(),
  review: SecReviewFilter.optional(),
  q: text({ label: '搜索关键词', max: 100, min: 0 }).optional(),
})
export type AdminContentQueryInput = z.input<typeof AdminContentQuery>
export const AdminPatentQuery = AdminContentQuery.extend({ kind: PatentKind.optional() })
export type AdminPatentQueryInput = z.input<typeof AdminPatentQuery>
export const MpPatentQuery = PageQuery.extend({ kind: PatentKind.optional() })
export type MpPatentQueryInput = z.input<typeof MpPatentQuery>

// ── responses ────────────────────────────────────────────────────────────────
export const AttachmentOut = z.object({
  id: z.string(),
  name: z.string(),
  mime: z.string(),
  size: z.number().int(),
})
export type AttachmentOutput = z.output<typeof AttachmentOut>
export const SecCheckOut = z.object({
  suggest: z.enum(['pass', 'review', 'risky']),
  label: z.number().int(),
  labelName: z.string(),
  checkedAt: z.iso.datetime(),
  /** For a 'review' verdict: when and by whom (username) an editor confirmed the text after a human look. */
  reviewedAt: z.iso.datetime().nullable(),
  reviewedBy: z.string().nullable(),
})
export type SecCheckOutput = z.output<typeof SecCheckOut>
const AudienceOut = z.object({
  kind: Audience.shape.kind,
  regions: z.array(z.string()),
  industries: z.array(z.string()),
})
const PatentTagsOut = z.object({
  ipcs: z.array(z.string()),
  industries: z.array(z.string()),
  regions: z.array(z.string()),
  enterpriseTypes: z.array(EnterpriseType),
  sizes: z.array(EnterpriseSize),
})
export type PatentTagsOutput = z.output<typeof PatentTagsOut>

/** What both kinds show the console: lifecycle, pinning, the last content check and read count. */
const AdminCommon = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  body: z.string(),
  attachments: z.array(AttachmentOut),
  status: ContentStatus,
  publishAt: z.iso.datetime().nullable(),
  publishedAt: z.iso.datetime().nullable(),
  withdrawnAt: z.iso.datetime().nullable(),
  pinned: z.boolean(),
  /** null until the text has been checked (at schedule or publish). */
  secCheck: SecCheckOut.nullable(),
  readCount: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})
export const AnnouncementAdminOut = AdminCommon.extend({ audience: AudienceOut })
export type AnnouncementAdminOutput = z.output<typeof AnnouncementAdminOut>
export const AnnouncementAdminPage = pageOf(AnnouncementAdminOut)
export type AnnouncementAdminPageOutput = z.output<typeof AnnouncementAdminPage>
export const PatentAdminOut = AdminCommon.extend({
  kind: PatentKind,
  link: z.string().nullable(),
  source: z.string().nullable(),
  tags: PatentTagsOut,
})
export type PatentAdminOutput = z.output<typeof PatentAdminOut>
export const PatentAdminPage = pageOf(PatentAdminOut)
export type PatentAdminPageOutput = z.output<typeof PatentAdminPage>

const MpCommon = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  pinned: z.boolean(),
  publishedAt: z.iso.datetime(),
  unread: z.boolean(),
})
export const AnnouncementMpItem = MpCommon
export type AnnouncementMpItemOutput = z.output<typeof AnnouncementMpItem>
export const AnnouncementMpPage = pageOf(AnnouncementMpItem)
export type AnnouncementMpPageOutput = z.output<typeof AnnouncementMpPage>
export const AnnouncementMpDetail = MpCommon.extend({
  body: z.string(),
  attachments: z.array(AttachmentOut),
  updatedAt: z.iso.datetime(),
})
export type AnnouncementMpDetailOutput = z.output<typeof AnnouncementMpDetail>

export const PatentMpItem = MpCommon.extend({ kind: PatentKind, kindLabel: z.string(), tags: PatentTagsOut })
export type PatentMpItemOutput = z.output<typeof PatentMpItem>
export const PatentMpPage = pageOf(PatentMpItem)
export type PatentMpPageOutput = z.output<typeof PatentMpPage>
export const PatentMpDetail = PatentMpItem.extend({
  body: z.string(),
  attachments: z.array(AttachmentOut),
  link: z.string().nullable(),
  source: z.string().nullable(),
  updatedAt: z.iso.datetime(),
})
export type PatentMpDetailOutput = z.output<typeof PatentMpDetail>

/**
 * For the campaign module: what a push about a published item needs. `category` is what enterprises opt out
 * of ('announcement' or the patent kind); `tags` are the default targeting: a patent item's tags, or an
 * announcement's audience regions and industries.
 */
export const PushableContent = z.object({
  id: z.string(),
  kind: ContentKind,
  title: z.string(),
  summary: z.string(),
  category: PushCategory,
  tags: PatentTagsOut.extend({ regionMatch: z.enum(['within', 'overlap']) }),
  audience: AudienceOut.optional(),
})
export type PushableContentOutput = z.output<typeof PushableContent>

/** The editor's preview: the body as it will be stored, cleaned by the server's own allowlist. */
export const PreviewBody = z.strictObject({ body: Body })
export type PreviewBodyInput = z.input<typeof PreviewBody>
export const PreviewOut = z.object({ html: z.string() })
export type PreviewOutput = z.output<typeof PreviewOut>

// ── endpoints ────────────────────────────────────────────────────────────────
/** An attachment of a published item, as the mini-program downloads it. */
export const AttachmentParams = IdParams.extend({ fileId: ObjectIdString })

/**
 * The console lifecycle both kinds share, under each kind's own path: the same eleven endpoints, keyed
 * `<kind>List`, `<kind>Get`… in ContentEndpoints (see `consoleLifecycleOf` in the routes).
 */
function consoleLifecycle<
  const K extends string,
  const B extends `/admin/v1/${string}`,
  Q extends z.ZodType,
  C extends z.ZodType,
  U extends z.ZodType,
  I extends z.ZodType,
  P extends z.ZodType,
>(kind: K, base: B, noun: string, s: { query: Q; create: C; update: U; item: I; page: P }) {
  const byId = `${base}/:id` as const
  const table = {
    List: { method: 'get', path: base, query: s.query, response: s.page, summary: `${noun}列表（后台）` },
    Get: { method: 'get', path: byId, params: IdParams, response: s.item, summary: `${noun}详情（后台）` },
    Create: {
      method: 'post',
      path: base,
      body: s.create,
      response: s.item,
      status: 201,
      summary: `新建${noun}（草稿）`,
    },
    Update: {
      method: 'patch',
      path: byId,
      params: IdParams,
      body: s.update,
      response: s.item,
      summary: `修改${noun}`,
    },
    Schedule: {
      method: 'post',
      path: `${byId}/schedule`,
      params: IdParams,
      body: ScheduleBody,
      response: s.item,
      summary: `定时发布${noun}`,
    },
    Publish: {
      method: 'post',
      path: `${byId}/publish`,
      params: IdParams,
      response: s.item,
      summary: `立即发布${noun}`,
    },
    Withdraw: {
      method: 'post',
      path: `${byId}/withdraw`,
      params: IdParams,
      response: s.item,
      summary: `撤回${noun}`,
    },
    Pin: { method: 'post', path: `${byId}/pin`, params: IdParams, response: s.item, summary: `置顶${noun}` },
    Unpin: {
      method: 'post',
      path: `${byId}/unpin`,
      params: IdParams,
      response: s.item,
      summary: `取消置顶${noun}`,
    },
    Review: {
      method: 'post',
      path: `${byId}/review`,
      params: IdParams,
      response: s.item,
      summary: `确认${noun}已人工复核`,
    },
    Remove: { method: 'delete', path: byId, params: IdParams, response: null, summary: `删除${noun}` },
  } as const
  return Object.fromEntries(Object.entries(table).map(([k, e]) => [kind + k, e])) as {
    [A in keyof typeof table as `${K}${A}`]: (typeof table)[A]
  }
}

/**
 * Every content endpoint, declared once: the mini-program's feed (announcements and patent information as
 * members see them) and the console's lifecycle of each kind. The routes, the console's API functions and
 * the mini-program types read this.
 */
export const ContentEndpoints = endpoints({
  feedAnnouncementUnread: {
    method: 'get',
    path: '/mp/v1/announcements/unread-count',
    response: UnreadCount,
    summary: '未读公告数（角标）',
  },
  feedAnnouncements: {
    method: 'get',
    path: '/mp/v1/announcements',
    query: PageQuery,
    response: AnnouncementMpPage,
    summary: '通知公告，置顶的在前',
  },
  feedAnnouncement: {
    method: 'get',
    path: '/mp/v1/announcements/:id',
    params: IdParams,
    response: AnnouncementMpDetail,
    summary: '打开一条公告（记为已读）',
  },
  feedAnnouncementAttachment: {
    method: 'get',
    path: '/mp/v1/announcements/:id/attachments/:fileId',
    params: AttachmentParams,
    response: 'file',
    summary: '下载公告附件',
  },
  feedPatents: {
    method: 'get',
    path: '/mp/v1/patents',
    query: MpPatentQuery,
    response: PatentMpPage,
    summary: '专利信息，可按类别筛选',
  },
  feedPatent: {
    method: 'get',
    path: '/mp/v1/patents/:id',
    params: IdParams,
    response: PatentMpDetail,
    summary: '打开一条专利信息（记为已读）',
  },
  feedPatentAttachment: {
    method: 'get',
    path: '/mp/v1/patents/:id/attachments/:fileId',
    params: AttachmentParams,
    response: 'file',
    summary: '下载专利信息附件',
  },
  preview: {
    method: 'post',
    path: '/admin/v1/content/preview',
    body: PreviewBody,
    response: PreviewOut,
    summary: '正文预览（按服务器的白名单清理后的样子）',
  },
  ...consoleLifecycle('announcement', '/admin/v1/announcements', '公告', {
    query: AdminContentQuery,
    create: AnnouncementCreate,
    update: AnnouncementUpdate,
    item: AnnouncementAdminOut,
    page: AnnouncementAdminPage,
  }),
  ...consoleLifecycle('patent', '/admin/v1/patents', '专利信息', {
    query: AdminPatentQuery,
    create: PatentCreate,
    update: PatentUpdate,
    item: PatentAdminOut,
    page: PatentAdminPage,
  }),
})

/** The content domain's refusals (raised through content.errors.ts). */
export const ContentErrorCode = z.enum([
  'ALREADY_PUBLISHED',
  'NOT_PUBLISHED',
  'NOT_DRAFT',
  'CONTENT_NOT_PUBLISHED',
  'CONTENT_CHANGED',
  'SEC_REVIEW_NOT_PENDING',
  'CONTENT_RISKY',
  'SEC_CHECK_UNAVAILABLE',
])
