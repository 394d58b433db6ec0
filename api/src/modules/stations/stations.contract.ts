import { z } from 'zod'
import { IdParams, ObjectIdString, PageQuery, pageOf, text } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
import { machine } from '../machine.contract.js'
import { RegionCode } from '../taxonomy/taxonomy.contract.js'

// ─────────────────────────────────────────────────────────────────────────────────────────────────────
// Stations: 商标品牌培育指导站 and 知识产权服务站 publish consultation slots; enterprises and individuals
// book them in the mini-program. Times travel as ISO 8601 instants (stored in UTC); times a person types
// into a rule (09:00) and calendar dates (2026-03-02) are Beijing wall time. Ledger, statistics and the
// export: stations.ledger.contract.ts.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────

// ── Vocabulary ──────────────────────────────────────────────────────────────────────────────────────

export const StationType = z.enum(['brand', 'service']).meta({ label: '指导站类型' })
export type StationTypeOutput = z.output<typeof StationType>
export const STATION_TYPE_LABELS: Record<StationTypeOutput, string> = {
  brand: '商标品牌培育指导站',
  service: '知识产权服务站',
}

/** What a station advises on; a booking's topic and a service record's topic are one of these. */
export const StationService = z
  .enum(['registration', 'geo_indication', 'well_known', 'use_management', 'enforcement', 'patent', 'other'])
  .meta({ label: '服务事项' })
export type StationServiceOutput = z.output<typeof StationService>
export const STATION_SERVICE_LABELS: Record<StationServiceOutput, string> = {
  registration: '商标注册',
  geo_indication: '地理标志',
  well_known: '驰名商标保护',
  use_management: '商标运用与管理',
  enforcement: '维权咨询',
  patent: '专利咨询',
  other: '其他知识产权咨询',
}

export const SlotMode = z.enum(['onsite', 'video', 'phone']).meta({ label: '咨询方式' })
export type SlotModeOutput = z.output<typeof SlotMode>
export const SLOT_MODE_LABELS: Record<SlotModeOutput, string> = {
  onsite: '现场咨询',
  video: '视频咨询',
  phone: '电话咨询',
}

/** Beijing calendar date. */
export const DateOnly = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, '请填写日期，格式如 2026-03-02')
  .meta({ label: '日期' })
/** Beijing wall-clock time of day. */
export const ClockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, '请填写时间，格式如 09:30')
  .meta({ label: '时间' })
/** An instant, with its offset: 2026-03-03T09:00:00+08:00 or …Z. */
export const Instant = z.iso.datetime({ offset: true }).meta({ label: '时间' })

const Phone = z
  .string()
  .trim()
  .regex(/^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$/, '请填写手机号或带区号的固定电话')
  .meta({ label: '联系电话' })

// ── Stations ────────────────────────────────────────────────────────────────────────────────────────

export const GeoPoint = z
  .strictObject({
    lng: z.number().min(73).max(136).meta({ label: '经度' }),
    lat: z.number().min(3).max(54).meta({ label: '纬度' }),
  })
  .meta({ label: '地图坐标' })

export const StationContact = z
  .strictObject({
    name: text({ label: '联系人', max: 30, min: 0 }).default(''),
    phone: Phone,
  })
  .meta({ label: '联系方式' })

/** `POST /admin/v1/stations`, `PUT /admin/v1/stations/:id`: what the bureau sets. */
export const StationInput = z.strictObject({
  name: text({ label: '指导站名称', max: 60 }),
  type: StationType,
  regionCode: RegionCode.meta({ label: '所在区县' }),
  address: text({ label: '地址', max: 120 }),
  location: GeoPoint.nullable().default(null),
  contact: StationContact.nullable().default(null),
  services: z.array(StationService).min(1).max(7).meta({ label: '服务事项' }),
  /** in words, e.g. 周一至周五 9:00–12:00、14:00–17:30（法定节假日除外） */
  openingHours: text({ label: '开放时间', max: 200, min: 0 }).default(''),
  intro: text({ label: '简介', max: 1000, min: 0, multiline: true }).default(''),
  /** bookings wait as `pending` (holding their seat) until staff confirm them */
  requiresConfirmation: z.boolean().meta({ label: '预约需工作人员确认' }).default(false),
  /** cancelling later than this before the start costs the booker credit points */
  cancelCutoffMinutes: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 60)
    .meta({ label: '取消截止（开始前分钟数）' })
    .default(120),
  /** inactive stations are not listed in the mini-program and take no bookings */
  active: z.boolean().meta({ label: '是否启用' }).default(true),
})
export type StationInputInput = z.input<typeof StationInput>
export type StationInputOutput = z.output<typeof StationInput>

export const StationOut = z.object({
  id: z.string(),
  name: z.string(),
  type: StationType,
  typeLabel: z.string(),
  regionCode: z.string(),
  regionLabel: z.string(),
  address: z.string(),
  location: z.object({ lng: z.number(), lat: z.number() }).nullable(),
  contact: z.object({ name: z.string(), phone: z.string() }).nullable(),
  services: z.array(StationService),
  serviceLabels: z.array(z.string()),
  openingHours: z.string(),
  intro: z.string(),
  requiresConfirmation: z.boolean(),
  cancelCutoffMinutes: z.number().int(),
  active: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})
export type StationOutput = z.output<typeof StationOut>
export const StationList = z.object({ items: z.array(StationOut) })
export type StationListOutput = z.output<typeof StationList>

export const StationListQuery = z.object({
  regionCode: RegionCode.optional(),
  service: StationService.optional(),
  type: StationType.optional(),
  q: text({ label: '搜索关键词', max: 50, min: 0 }).optional(),
})
export type StationListQueryInput = z.input<typeof StationListQuery>

/** `GET /mp/v1/stations?regionCode=&service=`: active stations, by district and service. */
export const MpStationQuery = z.object({
  regionCode: RegionCode.optional(),
  service: StationService.optional(),
})
export type MpStationQueryInput = z.input<typeof MpStationQuery>
export const MpStationOut = StationOut.omit({ active: true, createdAt: true, updatedAt: true }).extend({
  /** the next slot with a free seat, if any in the next 60 days */
  nextAvailableAt: z.iso.datetime().nullable(),
})
export type MpStationOutput = z.output<typeof MpStationOut>
export const MpStationList = z.object({ items: z.array(MpStationOut) })

// ── Slots ───────────────────────────────────────────────────────────────────────────────────────────

export const Weekday = z.number().int().min(1).max(7).meta({ label: '星期' })

/**
 * A weekly rule: on the given weekdays (1 = Monday … 7 = Sunday) between `from` and `to` (Beijing dates,
 * inclusive), slots of `slotMinutes` from `startTime` until `endTime` (Beijing wall time). Public holidays
 * are skipped. 调休 working Saturdays and Sundays are skipped too unless `adjustedWorkdays` is `open`: then
 * the station opens on them with the rule's times (staff work that day), whatever weekdays the rule names.
 */
export const SlotRule = z
  .strictObject({
    from: DateOnly.meta({ label: '开始日期' }),
    to: DateOnly.meta({ label: '结束日期' }),
    weekdays: z.array(Weekday).min(1).max(7).meta({ label: '每周哪几天' }),
    startTime: ClockTime.meta({ label: '每天开始时间' }),
    endTime: ClockTime.meta({ label: '每天结束时间' }),
    slotMinutes: z.number().int().min(10).max(480).meta({ label: '每个时段分钟数' }),
    /** a pause between consecutive slots */
    gapMinutes: z.number().int().min(0).max(120).meta({ label: '时段间隔分钟数' }).default(0),
    adjustedWorkdays: z.enum(['skip', 'open']).meta({ label: '调休上班日' }).default('skip'),
  })
  .refine((r) => r.from <= r.to, { message: '结束日期不能早于开始日期', path: ['to'] })
  .refine((r) => r.startTime < r.endTime, { message: '每天结束时间须晚于开始时间', path: ['endTime'] })
  .refine((r) => Date.parse(r.to) - Date.parse(r.from) <= 366 * 86_400_000, {
    message: '一条规则最长一年，请缩短日期范围',
    path: ['to'],
  })
  .meta({ label: '重复规则' })
export type SlotRuleInput = z.input<typeof SlotRule>
export type SlotRuleOutput = z.output<typeof SlotRule>

/**
 * `POST /admin/v1/stations/:id/slots`: one slot (`startAt`, `endAt`) or a weekly `rule`, with the capacity,
 * mode and services every slot made gets. All or nothing: a slot in the past, an overlap with another open
 * slot of the station (or within the rule) or a rule of more than 500 slots writes nothing.
 */
export const SlotPublish = z
  .strictObject({
    startAt: Instant.meta({ label: '开始时间' }).optional(),
    endAt: Instant.meta({ label: '结束时间' }).optional(),
    rule: SlotRule.optional(),
    capacity: z.number().int().min(1).max(200).meta({ label: '可预约人数' }),
    mode: SlotMode,
    services: z.array(StationService).min(1).max(7).meta({ label: '可咨询事项' }),
  })
  .superRefine((b, ctx) => {
    if (b.rule && (b.startAt || b.endAt))
      ctx.addIssue({ code: 'custom', message: '请在单个时段与重复规则中选择一种', path: ['rule'] })
    else if (!b.rule && !b.startAt)
      ctx.addIssue({ code: 'custom', message: '请填写开始时间', path: ['startAt'] })
    else if (!b.rule && !b.endAt) ctx.addIssue({ code: 'custom', message: '请填写结束时间', path: ['endAt'] })
    else if (b.startAt && b.endAt) {
      const ms = Date.parse(b.endAt) - Date.parse(b.startAt)
      if (ms <= 0) ctx.addIssue({ code: 'custom', message: '结束时间须晚于开始时间', path: ['endAt'] })
      else if (ms > 8 * 3600_000)
        ctx.addIssue({ code: 'custom', message: '一个时段不能超过 8 小时', path: ['endAt'] })
    }
  })
export type SlotPublishInput = z.input<typeof SlotPublish>
export type SlotPublishOutput = z.output<typeof SlotPublish>

export const SlotStatus = z.enum(['open', 'closed']).meta({ label: '时段状态' })
export type SlotStatusOutput = z.output<typeof SlotStatus>

/** A slot as the mini-program shows it: remaining seats, never who holds them. */
export const SlotOut = z.object({
  id: z.string(),
  stationId: z.string(),
  startAt: z.iso.datetime(),
  endAt: z.iso.datetime(),
  mode: SlotMode,
  services: z.array(StationService),
  capacity: z.number().int(),
  seatsLeft: z.number().int(),
  status: SlotStatus,
  /** open, not started, a seat free */
  bookable: z.boolean(),
})
export type SlotOutput = z.output<typeof SlotOut>
export const SlotList = z.object({ items: z.array(SlotOut) })
export type SlotListOutput = z.output<typeof SlotList>

/** A slot in the console's calendar: its fill level by booking state. */
export const AdminSlotOut = SlotOut.extend({
  /** seats held: pending + confirmed (+ completed and no-shows once past) */
  booked: z.number().int(),
  pending: z.number().int(),
  closeReason: z.string().nullable(),
  /** the rule publish that made it, shared by its siblings */
  batchId: z.string(),
  createdAt: z.iso.datetime(),
})
export type AdminSlotOutput = z.output<typeof AdminSlotOut>
export const AdminSlotList = z.object({ items: z.array(AdminSlotOut) })
export type AdminSlotListOutput = z.output<typeof AdminSlotList>

/** A day a rule passed over, and why (a public holiday, a 调休 working day, a time already past). */
export const SkippedDay = z.object({ date: z.string(), reason: z.string() })
export const SlotPublishOut = z.object({
  items: z.array(AdminSlotOut),
  skipped: z.array(SkippedDay),
})
export type SlotPublishResultOutput = z.output<typeof SlotPublishOut>

export const SlotRangeQuery = z
  .object({
    from: Instant.meta({ label: '开始时间' }).optional(),
    to: Instant.meta({ label: '结束时间' }).optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: '结束时间须晚于开始时间',
    path: ['to'],
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= 93 * 86_400_000, {
    message: '一次最多查询 93 天的时段',
    path: ['to'],
  })
export type SlotRangeQueryInput = z.input<typeof SlotRangeQuery>

export const SlotCapacity = z.strictObject({
  capacity: z.number().int().min(1).max(200).meta({ label: '可预约人数' }),
})
export const SlotClose = z.strictObject({
  reason: text({ label: '关闭原因', max: 200, multiline: true }),
})
export const SlotCloseOut = z.object({ slot: AdminSlotOut, cancelled: z.number().int() })
export type SlotCloseOutput = z.output<typeof SlotCloseOut>

// ── Bookings ────────────────────────────────────────────────────────────────────────────────────────

export const BookingStatus = z
  .enum(['pending', 'confirmed', 'cancelled', 'no_show', 'completed'])
  .meta({ label: '预约状态' })
export type BookingStatusOutput = z.output<typeof BookingStatus>
export const BOOKING_STATUS_LABELS: Record<BookingStatusOutput, string> = {
  pending: '待确认',
  confirmed: '已确认',
  cancelled: '已取消',
  no_show: '爽约',
  completed: '已完成',
}
/** States holding a seat of an upcoming slot and a place among the booker's upcoming bookings. */
export const ACTIVE_BOOKING_STATUSES = ['pending', 'confirmed'] as const satisfies BookingStatusOutput[]

/**
 * A booking's lifecycle. Staff moves carry `station.manage`; the booker's own cancellation (`withdraw`)
 * and the system's (`lapse`: a pending booking nobody confirmed before the start; `close`: its slot was
 * closed) carry none. `excuse` is a no-show reversed on appeal: it counts as cancelled, the points return.
 */
export const BookingMachine = machine({
  what: '预约',
  states: BOOKING_STATUS_LABELS,
  moves: {
    confirm: { from: ['pending'], to: 'confirmed', permission: 'station.manage', label: '确认预约' },
    cancel: {
      from: ['pending', 'confirmed'],
      to: 'cancelled',
      permission: 'station.manage',
      label: '取消预约',
    },
    noShow: { from: ['confirmed'], to: 'no_show', permission: 'station.manage', label: '登记爽约' },
    complete: { from: ['confirmed'], to: 'completed', permission: 'station.manage', label: '完成服务' },
    excuse: { from: ['no_show'], to: 'cancelled', permission: 'station.manage', label: '撤销爽约' },
    withdraw: { from: ['pending', 'confirmed'], to: 'cancelled', label: '取消预约' },
    lapse: { from: ['pending'], to: 'cancelled', label: '未确认自动取消' },
    close: { from: ['pending', 'confirmed'], to: 'cancelled', label: '时段关闭' },
  },
})
export type BookingMoveName = keyof typeof BookingMachine.moves

const FileIds = (label: string) => z.array(ObjectIdString.meta({ label })).max(5).meta({ label })

/** `POST /mp/v1/bookings`. */
export const BookingCreate = z.strictObject({
  slotId: ObjectIdString.meta({ label: '预约时段' }),
  topic: StationService.meta({ label: '咨询事项' }),
  note: text({ label: '问题描述', max: 500, min: 0, multiline: true }).optional(),
  /** the booker's uploads with purpose `booking-material` (the mark's image …) */
  fileIds: FileIds('咨询材料').optional(),
  /** who comes, and how staff reach them; the name is masked in the ledger for individuals */
  contact: z
    .strictObject({
      name: text({ label: '联系人姓名', max: 30 }),
      phone: Phone,
    })
    .meta({ label: '联系人' })
    .optional(),
})
export type BookingCreateInput = z.input<typeof BookingCreate>
export type BookingCreateOutput = z.output<typeof BookingCreate>

export const BookingCancelMine = z.strictObject({
  reason: text({ label: '取消原因', max: 200, min: 0, multiline: true }).optional(),
})
export const BookingReschedule = z.strictObject({ slotId: ObjectIdString.meta({ label: '新的预约时段' }) })
export const BookingFeedback = z.strictObject({
  rating: z.number().int().min(1).max(5).meta({ label: '评分' }),
  comment: text({ label: '评价内容', max: 500, min: 0, multiline: true }).optional(),
})
export const BookingAppeal = z.strictObject({
  reason: text({ label: '申诉理由', max: 500, multiline: true }),
})

/** `POST /admin/v1/bookings/:id/cancel`: staff say why; the booker reads it. */
export const BookingCancel = z.strictObject({
  reason: text({ label: '取消原因', max: 200, multiline: true }),
})
/** `POST /admin/v1/bookings/:id/complete`: the service record, the ledger's row. */
export const ServiceRecordInput = z.strictObject({
  topic: StationService.meta({ label: '服务事项' }),
  advice: text({ label: '咨询意见', max: 2000, multiline: true }),
  followUp: text({ label: '后续跟进事项', max: 1000, min: 0, multiline: true }).optional(),
  durationMinutes: z.number().int().min(1).max(600).meta({ label: '服务时长（分钟）' }),
  fileIds: FileIds('服务记录附件').optional(),
})
export type ServiceRecordInputInput = z.input<typeof ServiceRecordInput>
/** `PUT /admin/v1/bookings/:id/letter`: the written advice letter (服务建议书) the booker reads. */
export const AdviceLetterInput = z.strictObject({
  title: text({ label: '建议书标题', max: 60 }),
  body: text({ label: '建议书正文', max: 5000, multiline: true }),
  fileIds: FileIds('建议书附件').optional(),
})
export type AdviceLetterInputInput = z.input<typeof AdviceLetterInput>
export const AppealDecision = z.strictObject({
  /** reverse: the no-show is excused (counts as cancelled, points return); uphold: it stands */
  decision: z.enum(['reverse', 'uphold']).meta({ label: '处理结果' }),
  note: text({ label: '处理意见', max: 500, multiline: true }),
})
export type AppealDecisionInput = z.input<typeof AppealDecision>

export const FileBrief = z.object({ id: z.string(), name: z.string(), mime: z.string(), size: z.number() })

export const ServiceRecordOut = z.object({
  topic: StationService,
  topicLabel: z.string(),
  advice: z.string(),
  followUp: z.string(),
  durationMinutes: z.number().int(),
  files: z.array(FileBrief),
  by: z.string(),
  at: z.iso.datetime(),
})
export const AdviceLetterOut = z.object({
  title: z.string(),
  body: z.string(),
  files: z.array(FileBrief),
  issuedAt: z.iso.datetime(),
  by: z.string(),
})
export const FeedbackOut = z.object({ rating: z.number().int(), comment: z.string(), at: z.iso.datetime() })
export const AppealOut = z.object({
  reason: z.string(),
  at: z.iso.datetime(),
  status: z.enum(['pending', 'reversed', 'upheld']),
  note: z.string().nullable(),
  decidedAt: z.iso.datetime().nullable(),
})
export const CancellationOut = z.object({
  at: z.iso.datetime(),
  by: z.enum(['booker', 'station', 'system']),
  reason: z.string(),
  /** after the station's cut-off: cost the booker points */
  late: z.boolean(),
})

export const BookingOut = z.object({
  id: z.string(),
  /** the number quoted on the phone and in messages: BK2026000123 */
  no: z.string(),
  status: BookingStatus,
  statusLabel: z.string(),
  station: z.object({ id: z.string(), name: z.string(), address: z.string(), phone: z.string().nullable() }),
  slot: z.object({ id: z.string(), startAt: z.iso.datetime(), endAt: z.iso.datetime(), mode: SlotMode }),
  topic: StationService,
  topicLabel: z.string(),
  note: z.string(),
  files: z.array(FileBrief),
  /** booked in an enterprise's name (its member) or as an individual */
  bookedAs: z.enum(['enterprise', 'individual']),
  enterpriseName: z.string().nullable(),
  contact: z.object({ name: z.string(), phone: z.string() }).nullable(),
  /** cancelling after this costs points */
  cancelCutoffAt: z.iso.datetime(),
  cancellation: CancellationOut.nullable(),
  record: ServiceRecordOut.nullable(),
  letter: AdviceLetterOut.nullable(),
  feedback: FeedbackOut.nullable(),
  appeal: AppealOut.nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})
export type BookingOutput = z.output<typeof BookingOut>

/** The booker's view: what they may do now. */
export const MpBookingOut = BookingOut.extend({
  canCancel: z.boolean(),
  /** cancelling now would cost points (after the cut-off) */
  cancelWouldCost: z.boolean(),
  canMove: z.boolean(),
  canRate: z.boolean(),
  /** the end of the 7 days a completed consultation may be rated in */
  rateUntil: z.iso.datetime().nullable(),
  canAppeal: z.boolean(),
})
export type MpBookingOutput = z.output<typeof MpBookingOut>
export const MpBookingList = z.object({ items: z.array(MpBookingOut) })
export type MpBookingListOutput = z.output<typeof MpBookingList>
export const MpBookingQuery = z.object({
  /** upcoming: pending or confirmed and not yet ended; past: everything else */
  scope: z.enum(['upcoming', 'past', 'all']).meta({ label: '范围' }).default('all'),
})

/** The console's view: the booker in full words, their credit, the moves this viewer may make now. */
export const AdminBookingOut = BookingOut.extend({
  /** the enterprise's 统一社会信用代码 when booked in its name */
  creditCode: z.string().nullable(),
  credit: z.object({ points: z.number(), suspended: z.boolean() }),
  /**
   * The buttons: the machine's moves the state allows (complete and no-show once the slot has started),
   * `letter` (issue the 服务建议书) once completed, `decideAppeal` while an appeal waits, and `excuse` for a
   * no-show without one (the same endpoint, `decision: 'reverse'`).
   */
  actions: z.array(z.enum(['confirm', 'cancel', 'noShow', 'complete', 'excuse', 'letter', 'decideAppeal'])),
})
export type AdminBookingOutput = z.output<typeof AdminBookingOut>
export const AdminBookingQuery = PageQuery.extend({
  stationId: ObjectIdString.meta({ label: '指导站' }).optional(),
  slotId: ObjectIdString.meta({ label: '时段' }).optional(),
  status: BookingStatus.optional(),
  /** slots starting from / before */
  from: Instant.meta({ label: '开始时间' }).optional(),
  to: Instant.meta({ label: '结束时间' }).optional(),
  /** 预约号 or enterprise / contact name prefix */
  q: text({ label: '搜索关键词', max: 50, min: 0 }).optional(),
  appeal: z.enum(['pending']).meta({ label: '申诉' }).optional(),
})
export type AdminBookingQueryInput = z.input<typeof AdminBookingQuery>
export const AdminBookingPage = pageOf(AdminBookingOut).extend({
  /** bookings per status under the same filters except status: the list's tabs */
  counts: z.record(z.string(), z.number().int()),
})
export type AdminBookingPageOutput = z.output<typeof AdminBookingPage>
export const BookingFileParams = z.object({
  id: ObjectIdString,
  fileId: ObjectIdString.meta({ label: '文件' }),
})

// ── Credit score (Dongguan's graded model) ──────────────────────────────────────────────────────────

export const CREDIT_MAX = 10
export const CREDIT_PENALTIES = { late_cancel: 2, no_show: 5 } as const
export const CreditEventKind = z.enum(['late_cancel', 'no_show'])
export const CREDIT_EVENT_LABELS: Record<z.output<typeof CreditEventKind>, string> = {
  late_cancel: '临近开始取消预约',
  no_show: '预约后未到（爽约）',
}
export const CreditOut = z.object({
  /** now: recovered by 1 a day since the last loss, at most 10 */
  points: z.number().int(),
  max: z.number().int(),
  suspended: z.boolean(),
  /** when booking is possible again (while suspended) */
  bookableFrom: z.iso.datetime().nullable(),
  events: z.array(
    z.object({
      kind: CreditEventKind,
      label: z.string(),
      points: z.number().int(),
      at: z.iso.datetime(),
      bookingId: z.string(),
      /** reversed on appeal: the points came back */
      reversed: z.boolean(),
    }),
  ),
  rules: z.array(z.string()),
})
export type CreditOutput = z.output<typeof CreditOut>

// ── Bureau-wide booking rules ───────────────────────────────────────────────────────────────────────

export const BookingRules = z.strictObject({
  /** pending and confirmed bookings of slots not yet started, across stations */
  maxUpcoming: z.number().int().min(1).max(20).meta({ label: '每人最多同时持有的预约数' }),
  /** days after completion a booker may rate the consultation */
  feedbackDays: z.number().int().min(1).max(30).meta({ label: '评价期限（天）' }),
})
export type BookingRulesOutput = z.output<typeof BookingRules>
export const BOOKING_RULES_DEFAULTS: BookingRulesOutput = { maxUpcoming: 3, feedbackDays: 7 }

// ── Refusals ────────────────────────────────────────────────────────────────────────────────────────

/** This domain's own refusals; raised only through stations.errors.ts. */
export const StationsErrorCode = z.enum([
  'SLOT_FULL',
  'BOOKING_DUPLICATE',
  'BOOKING_LIMIT',
  'BOOKING_SUSPENDED',
  'SLOT_CLOSED',
  'SLOT_IN_PAST',
  'SLOT_OVERLAP',
  'SLOT_RULE_TOO_LARGE',
  'SLOT_BELOW_BOOKED',
  'SLOT_OTHER_STATION',
  'STATION_BUSY',
  'TOPIC_NOT_OFFERED',
  'BOOKING_FILE_INVALID',
  'BOOKING_STATE',
  'BOOKING_TOO_LATE',
  'BOOKING_NOT_STARTED',
  'FEEDBACK_CLOSED',
  'FEEDBACK_EXISTS',
  'APPEAL_STATE',
])

// ── Endpoints ───────────────────────────────────────────────────────────────────────────────────────

/**
 * Stations, slots and bookings. Every console route answers only the caller's own station to station staff
 * (`station.manage` with a station): another station's records are 404. Ledger and statistics:
 * stations.ledger.contract.ts.
 */
export const StationsEndpoints = endpoints({
  // ── mini-program ──
  mpStations: {
    method: 'get',
    path: '/mp/v1/stations',
    query: MpStationQuery,
    response: MpStationList,
    summary: '指导站列表（按区县、服务事项筛选）',
  },
  mpStation: {
    method: 'get',
    path: '/mp/v1/stations/:id',
    params: IdParams,
    response: MpStationOut,
    summary: '指导站详情',
  },
  mpSlots: {
    method: 'get',
    path: '/mp/v1/stations/:id/slots',
    params: IdParams,
    query: SlotRangeQuery,
    response: SlotList,
    summary: '可预约时段与剩余名额（默认未来 31 天）',
  },
  book: {
    method: 'post',
    path: '/mp/v1/bookings',
    body: BookingCreate,
    response: MpBookingOut,
    status: 201,
    summary: '预约咨询（须为已认证企业的成员，或以个人身份）',
  },
  mine: {
    method: 'get',
    path: '/mp/v1/bookings',
    query: MpBookingQuery,
    response: MpBookingList,
    summary: '我的预约',
  },
  mineDetail: {
    method: 'get',
    path: '/mp/v1/bookings/:id',
    params: IdParams,
    response: MpBookingOut,
    summary: '我的预约详情，含服务记录与服务建议书',
  },
  cancelMine: {
    method: 'post',
    path: '/mp/v1/bookings/:id/cancel',
    params: IdParams,
    body: BookingCancelMine,
    response: MpBookingOut,
    summary: '取消预约（截止时间后取消扣信用分）',
  },
  moveMine: {
    method: 'post',
    path: '/mp/v1/bookings/:id/move',
    params: IdParams,
    body: BookingReschedule,
    response: MpBookingOut,
    summary: '改约到本站另一时段（取消截止时间前）',
  },
  feedback: {
    method: 'post',
    path: '/mp/v1/bookings/:id/feedback',
    params: IdParams,
    body: BookingFeedback,
    response: MpBookingOut,
    summary: '评价已完成的咨询（完成后 7 天内，限一次）',
  },
  appeal: {
    method: 'post',
    path: '/mp/v1/bookings/:id/appeal',
    params: IdParams,
    body: BookingAppeal,
    response: MpBookingOut,
    summary: '对爽约记录提出申诉',
  },
  mineFile: {
    method: 'get',
    path: '/mp/v1/bookings/:id/files/:fileId',
    params: BookingFileParams,
    response: 'file',
    summary: '下载服务建议书或服务记录的附件',
  },
  credit: {
    method: 'get',
    path: '/mp/v1/booking-credit',
    response: CreditOut,
    summary: '我的预约信用分与扣分记录',
  },
  // ── console: stations ──
  stations: {
    method: 'get',
    path: '/admin/v1/stations',
    query: StationListQuery,
    response: StationList,
    summary: '指导站列表（指导站工作人员仅见本站）',
  },
  createStation: {
    method: 'post',
    path: '/admin/v1/stations',
    body: StationInput,
    response: StationOut,
    status: 201,
    summary: '新增指导站（知识产权局）',
  },
  station: {
    method: 'get',
    path: '/admin/v1/stations/:id',
    params: IdParams,
    response: StationOut,
    summary: '指导站详情',
  },
  updateStation: {
    method: 'put',
    path: '/admin/v1/stations/:id',
    params: IdParams,
    body: StationInput,
    response: StationOut,
    summary: '修改指导站（知识产权局）',
  },
  // ── console: slots ──
  publishSlots: {
    method: 'post',
    path: '/admin/v1/stations/:id/slots',
    params: IdParams,
    body: SlotPublish,
    response: SlotPublishOut,
    status: 201,
    summary: '发布单个时段或按周重复的时段（跳过法定节假日）',
  },
  previewSlots: {
    method: 'post',
    path: '/admin/v1/stations/:id/slots/preview',
    params: IdParams,
    body: SlotPublish,
    response: SlotPublishOut,
    summary: '预览将发布的时段（不写入）',
  },
  slots: {
    method: 'get',
    path: '/admin/v1/stations/:id/slots',
    params: IdParams,
    query: SlotRangeQuery,
    response: AdminSlotList,
    summary: '时段日历（含预约人数）',
  },
  updateSlot: {
    method: 'put',
    path: '/admin/v1/slots/:id/capacity',
    params: IdParams,
    body: SlotCapacity,
    response: AdminSlotOut,
    summary: '调整时段可预约人数（不少于已预约人数）',
  },
  closeSlot: {
    method: 'post',
    path: '/admin/v1/slots/:id/close',
    params: IdParams,
    body: SlotClose,
    response: SlotCloseOut,
    summary: '关闭时段：其预约全部取消并通知预约人',
  },
  // ── console: bookings ──
  bookings: {
    method: 'get',
    path: '/admin/v1/bookings',
    query: AdminBookingQuery,
    response: AdminBookingPage,
    summary: '预约列表',
  },
  booking: {
    method: 'get',
    path: '/admin/v1/bookings/:id',
    params: IdParams,
    response: AdminBookingOut,
    summary: '预约详情',
  },
  confirm: {
    method: 'post',
    path: '/admin/v1/bookings/:id/confirm',
    params: IdParams,
    response: AdminBookingOut,
    summary: '确认预约',
  },
  cancel: {
    method: 'post',
    path: '/admin/v1/bookings/:id/cancel',
    params: IdParams,
    body: BookingCancel,
    response: AdminBookingOut,
    summary: '取消预约（不扣预约人信用分）',
  },
  noShow: {
    method: 'post',
    path: '/admin/v1/bookings/:id/no-show',
    params: IdParams,
    response: AdminBookingOut,
    summary: '登记爽约（扣 5 分）',
  },
  complete: {
    method: 'post',
    path: '/admin/v1/bookings/:id/complete',
    params: IdParams,
    body: ServiceRecordInput,
    response: AdminBookingOut,
    summary: '完成服务并填写服务记录',
  },
  letter: {
    method: 'put',
    path: '/admin/v1/bookings/:id/letter',
    params: IdParams,
    body: AdviceLetterInput,
    response: AdminBookingOut,
    summary: '出具或修改服务建议书',
  },
  decideAppeal: {
    method: 'post',
    path: '/admin/v1/bookings/:id/appeal-decision',
    params: IdParams,
    body: AppealDecision,
    response: AdminBookingOut,
    summary: '处理爽约申诉：撤销爽约（退回信用分）或维持',
  },
  bookingFile: {
    method: 'get',
    path: '/admin/v1/bookings/:id/files/:fileId',
    params: BookingFileParams,
    response: 'file',
    summary: '查看预约材料、服务记录或建议书附件（记入审计）',
  },
  rules: {
    method: 'get',
    path: '/admin/v1/booking-rules',
    response: BookingRules,
    summary: '预约规则（每人最多预约数、评价期限）',
  },
  saveRules: {
    method: 'put',
    path: '/admin/v1/booking-rules',
    body: BookingRules,
    response: BookingRules,
    summary: '修改预约规则（知识产权局）',
  },
})
