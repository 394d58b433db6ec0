import { z } from 'zod'
import { IdParams, ObjectIdString, PageQuery, pageOf, text } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'
import { machine } from '../machine.contract.js'
import { Targeting } from '../campaigns/campaigns.contract.js'

// ─────────────────────────────────────────────────────────────────────────────────────────────────────
// Trainings (培训): the bureau publishes a training with sessions and a capacity; people register in the
// mini-program and take a seat, or join a waitlist that promotes itself by time-limited offers. Times
// travel as ISO 8601 instants; the console and messages show them in Beijing time.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** An instant, with its offset: 2026-03-03T09:00:00+08:00 or …Z. */
const Instant = z.iso.datetime({ offset: true }).meta({ label: '时间' })

const Phone = z
  .string()
  .trim()
  .regex(/^1[3-9]\d{9}$/, '请填写 11 位手机号')
  .meta({ label: '手机号' })

// ── Trainings ───────────────────────────────────────────────────────────────────────────────────────

export const TrainingAudience = z.enum(['enterprise', 'individual', 'both']).meta({ label: '报名对象' })
export type TrainingAudienceOutput = z.output<typeof TrainingAudience>
export const TRAINING_AUDIENCE_LABELS: Record<TrainingAudienceOutput, string> = {
  enterprise: '已认证企业的成员',
  individual: '个人',
  both: '企业成员和个人',
}

export const TrainingStatus = z.enum(['draft', 'published', 'cancelled']).meta({ label: '培训状态' })
export type TrainingStatusOutput = z.output<typeof TrainingStatus>

/** A training's lifecycle: drafted, published (registration follows its window), or called off. */
export const TrainingMachine = machine({
  what: '培训',
  states: { draft: '草稿', published: '已发布', cancelled: '已取消' },
  moves: {
    publish: { from: ['draft'], to: 'published', permission: 'training.manage', label: '发布' },
    cancel: {
      from: ['draft', 'published'],
      to: 'cancelled',
      permission: 'training.manage',
      label: '取消培训',
    },
  },
})
export type TrainingMoveName = keyof typeof TrainingMachine.moves

export const SessionInput = z
  .strictObject({
    startAt: Instant.meta({ label: '开始时间' }),
    endAt: Instant.meta({ label: '结束时间' }),
    venue: text({ label: '地点', max: 120 }),
    onlineUrl: z.url().max(500).meta({ label: '线上链接' }).nullable().default(null),
    hours: z.number().min(0).max(24).multipleOf(0.5).meta({ label: '学时' }),
    /** the session's hours count only for those who also check out */
    checkout: z.boolean().meta({ label: '需要签退' }).default(false),
  })
  .refine((s) => Date.parse(s.endAt) > Date.parse(s.startAt), {
    message: '结束时间须晚于开始时间',
    path: ['endAt'],
  })
  .meta({ label: '课程场次' })
export type SessionInputInput = z.input<typeof SessionInput>

export const QuestionInput = z
  .strictObject({
    label: text({ label: '问题', max: 100 }),
    type: z.enum(['text', 'single', 'multiple']).meta({ label: '题型' }),
    options: z
      .array(text({ label: '选项', max: 50 }))
      .max(20)
      .meta({ label: '选项' })
      .default([]),
    required: z.boolean().meta({ label: '必答' }).default(false),
  })
  .refine((q) => q.type === 'text' || q.options.length >= 2, {
    message: '选择题请至少提供两个选项',
    path: ['options'],
  })
  .meta({ label: '自定义问题' })

/** `POST /admin/v1/trainings`: what the bureau sets; the rest has defaults. */
export const TrainingInput = z
  .strictObject({
    title: text({ label: '培训名称', max: 100 }),
    /** rich text, sanitised like an announcement's body */
    body: z.string().max(100_000).meta({ label: '培训介绍' }),
    organiser: text({ label: '主办单位', max: 100, min: 0 }).default(''),
    speakers: z
      .array(text({ label: '主讲人', max: 50 }))
      .max(20)
      .meta({ label: '主讲人' })
      .default([]),
    sessions: z.array(SessionInput).min(1).max(30).meta({ label: '课程场次' }),
    capacity: z.number().int().min(1).max(5000).meta({ label: '名额' }),
    audience: TrainingAudience,
    registrationOpensAt: Instant.meta({ label: '报名开始时间' }),
    registrationClosesAt: Instant.meta({ label: '报名截止时间' }),
    /** 每单位限报 N 人: null for no limit */
    enterpriseQuota: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .meta({ label: '每单位限报人数' })
      .nullable()
      .default(null),
    questions: z.array(QuestionInput).max(20).meta({ label: '自定义问题' }).default([]),
    attachments: z
      .array(ObjectIdString.meta({ label: '附件' }))
      .max(20)
      .meta({ label: '附件' })
      .default([]),
    targeting: Targeting.meta({ label: '推送对象' }).optional(),
    /** cancelling a seat is possible until this long before the first session */
    cancelCutoffMinutes: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 60)
      .meta({ label: '取消截止（开课前分钟数）' })
      .default(120),
  })
  .superRefine((t, ctx) => {
    const opens = Date.parse(t.registrationOpensAt)
    const closes = Date.parse(t.registrationClosesAt)
    if (closes <= opens)
      ctx.addIssue({
        code: 'custom',
        message: '报名截止时间须晚于报名开始时间',
        path: ['registrationClosesAt'],
      })
    const firstStart = Math.min(...t.sessions.map((s) => Date.parse(s.startAt)))
    if (Number.isFinite(firstStart) && opens >= firstStart)
      ctx.addIssue({ code: 'custom', message: '报名须在第一场开课前开始', path: ['registrationOpensAt'] })
  })
export type TrainingInputInput = z.input<typeof TrainingInput>
export type TrainingInputOutput = z.output<typeof TrainingInput>

const SessionOut = z.object({
  id: z.string(),
  startAt: z.iso.datetime(),
  endAt: z.iso.datetime(),
  venue: z.string(),
  onlineUrl: z.string().nullable(),
  hours: z.number(),
  checkout: z.boolean(),
})
const QuestionOut = z.object({
  id: z.string(),
  label: z.string(),
  type: z.enum(['text', 'single', 'multiple']),
  options: z.array(z.string()),
  required: z.boolean(),
})

const TrainingBase = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  organiser: z.string(),
  speakers: z.array(z.string()),
  sessions: z.array(SessionOut),
  capacity: z.number().int(),
  audience: TrainingAudience,
  audienceLabel: z.string(),
  registrationOpensAt: z.iso.datetime(),
  /** the earlier of the window's end and the first session's start */
  registrationClosesAt: z.iso.datetime(),
  enterpriseQuota: z.number().int().nullable(),
  questions: z.array(QuestionOut),
  attachments: z.array(z.string()),
  cancelCutoffMinutes: z.number().int(),
  totalHours: z.number(),
})

export const TrainingCounts = z.object({
  registered: z.number().int(),
  waitlisted: z.number().int(),
  offered: z.number().int(),
  cancelled: z.number().int(),
  attended: z.number().int(),
  seatsLeft: z.number().int(),
})

export const TrainingOut = TrainingBase.extend({
  status: TrainingStatus,
  /** the push campaign inviting the targeted enterprises, created at publishing (a draft to review and send) */
  campaignId: z.string().nullable(),
  statusLabel: z.string(),
  targeting: Targeting.nullable(),
  counts: TrainingCounts,
  publishedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})
export type TrainingOutput = z.output<typeof TrainingOut>
export const TrainingPage = pageOf(TrainingOut)
export type TrainingPageOutput = z.output<typeof TrainingPage>
export const TrainingListQuery = PageQuery.extend({ status: TrainingStatus.optional() })
export type TrainingListQueryInput = z.input<typeof TrainingListQuery>

/** `POST /admin/v1/trainings/:id/cancel`: the training is called off; every live registration ends cancelled. */
export const CancelTrainingInput = z.strictObject({ reason: text({ label: '取消原因', max: 200 }) })
export type CancelTrainingInputOutput = z.output<typeof CancelTrainingInput>

/** `POST /admin/v1/trainings/:id/publish`: optionally, at once a push campaign inviting the targeted enterprises. */
export const PublishInput = z.strictObject({
  invite: z.boolean().meta({ label: '同时创建推送邀请' }).default(false),
})
export type PublishInputInput = z.input<typeof PublishInput>

// ── Registrations ───────────────────────────────────────────────────────────────────────────────────

export const RegistrationStatus = z
  .enum(['registered', 'waitlisted', 'offered', 'cancelled', 'declined', 'expired', 'attended'])
  .meta({ label: '报名状态' })
export type RegistrationStatusOutput = z.output<typeof RegistrationStatus>

/**
 * A registration's lifecycle. Seats are held by `registered` and `offered` (and `attended`); `waitlisted`
 * waits with a position. The system seats and offers; the registrant accepts, declines or cancels; staff
 * admit by hand.
 */
export const RegistrationMachine = machine({
  what: '报名',
  states: {
    registered: '已报名',
    waitlisted: '候补中',
    offered: '候补名额待确认',
    cancelled: '已取消',
    declined: '已放弃名额',
    expired: '名额已过期',
    attended: '已参训',
  },
  moves: {
    seat: { from: ['waitlisted'], to: 'registered', label: '报名成功' },
    offer: { from: ['waitlisted'], to: 'offered', label: '发出候补名额' },
    accept: { from: ['offered'], to: 'registered', label: '接受名额' },
    decline: { from: ['offered'], to: 'declined', label: '放弃名额' },
    expire: { from: ['offered'], to: 'expired', label: '名额过期' },
    cancel: { from: ['registered', 'waitlisted', 'offered'], to: 'cancelled', label: '取消报名' },
    admit: {
      from: ['waitlisted', 'offered', 'expired', 'declined'],
      to: 'registered',
      permission: 'training.manage',
      label: '手动录取',
    },
    attend: { from: ['registered'], to: 'attended', label: '参训' },
  },
})
export type RegistrationMoveName = keyof typeof RegistrationMachine.moves

export const AnswerInput = z
  .strictObject({
    questionId: z.string().max(40).meta({ label: '问题' }),
    value: z
      .union([text({ label: '回答', max: 500, min: 0 }), z.array(text({ label: '选项', max: 50 })).max(20)])
      .meta({ label: '回答' }),
  })
  .meta({ label: '问题回答' })

/** `POST /mp/v1/trainings/:id/registrations`. */
export const RegistrationInput = z.strictObject({
  name: text({ label: '姓名', max: 30 }),
  phone: Phone,
  employer: text({ label: '工作单位', max: 100, min: 0 }).optional(),
  position: text({ label: '职务', max: 50, min: 0 }).optional(),
  answers: z.array(AnswerInput).max(20).meta({ label: '问题回答' }).default([]),
})
export type RegistrationInputInput = z.input<typeof RegistrationInput>
export type RegistrationInputOutput = z.output<typeof RegistrationInput>

export const RegistrationCreated = z.object({
  status: z.enum(['registered', 'waitlisted']),
  position: z.number().int().optional(),
})
export type RegistrationCreatedOutput = z.output<typeof RegistrationCreated>

/** The caller's own registration, as the mini-program shows it. */
export const MyRegistration = z.object({
  status: RegistrationStatus,
  position: z.number().int().optional(),
  offerExpiresAt: z.iso.datetime().optional(),
})
export type MyRegistrationOutput = z.output<typeof MyRegistration>

export const MpTrainingOut = TrainingBase.extend({
  seatsLeft: z.number().int(),
  /** registration is open now */
  open: z.boolean(),
  registration: MyRegistration.nullable(),
})
export type MpTrainingOutput = z.output<typeof MpTrainingOut>
export const MpTrainingPage = pageOf(MpTrainingOut)

/** A registration in the console: personal data masked. */
export const AdminRegistrationOut = z.object({
  id: z.string(),
  status: RegistrationStatus,
  statusLabel: z.string(),
  position: z.number().int().nullable(),
  offerExpiresAt: z.iso.datetime().nullable(),
  name: z.string(),
  phone: z.string(),
  employer: z.string(),
  jobTitle: z.string(),
  enterpriseId: z.string().nullable(),
  answers: z.array(z.object({ questionId: z.string(), value: z.union([z.string(), z.array(z.string())]) })),
  admittedBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})
export type AdminRegistrationOutput = z.output<typeof AdminRegistrationOut>
export const AdminRegistrationPage = pageOf(AdminRegistrationOut)
export const RegistrationListQuery = PageQuery.extend({ status: RegistrationStatus.optional() })
export type RegistrationListQueryInput = z.input<typeof RegistrationListQuery>

export const RegistrationParams = z.object({ id: ObjectIdString, registrationId: ObjectIdString })

export const AdmitInput = z.strictObject({ reason: text({ label: '录取说明', max: 200 }) })

// ── Check-in ────────────────────────────────────────────────────────────────────────────────────────

export const CheckMode = z.enum(['in', 'out']).meta({ label: '签到或签退' })
export type CheckModeOutput = z.output<typeof CheckMode>
export const SessionParams = z.object({ id: ObjectIdString, sessionId: ObjectIdString })
export const CheckinCodeQuery = z.object({ mode: CheckMode.default('in') })
export type CheckinCodeQueryInput = z.input<typeof CheckinCodeQuery>

/** What the console shows on the screen: the current token as a QR code, and the live counts. */
export const CheckinCodeOut = z.object({
  mode: CheckMode,
  token: z.string(),
  /** the QR code of `token`, an SVG document */
  qrSvg: z.string(),
  /** fetch the next code by then: tokens rotate every 30 seconds */
  rotatesAt: z.iso.datetime(),
  windowOpensAt: z.iso.datetime(),
  windowClosesAt: z.iso.datetime(),
  registered: z.number().int(),
  checkedIn: z.number().int(),
  checkedOut: z.number().int(),
})
export type CheckinCodeOutput = z.output<typeof CheckinCodeOut>

/** `POST /mp/v1/checkins`: the token read from the screen. */
export const CheckinInput = z.strictObject({ token: text({ label: '签到码', max: 200 }) })
export const CheckinOut = z.object({
  trainingId: z.string(),
  title: z.string(),
  sessionId: z.string(),
  mode: CheckMode,
  at: z.iso.datetime(),
})
export type CheckinOutput = z.output<typeof CheckinOut>

/** Staff record a check-in or check-out by hand (audited), e.g. for someone whose phone died. */
export const ManualCheckInput = z.strictObject({
  registrationId: ObjectIdString.meta({ label: '报名记录' }),
  mode: CheckMode,
  reason: text({ label: '说明', max: 200 }),
})
export const AttendanceOut = z.object({
  registrationId: z.string(),
  sessionId: z.string(),
  checkedInAt: z.iso.datetime().nullable(),
  checkedOutAt: z.iso.datetime().nullable(),
  checkedInBy: z.string().nullable(),
  checkedOutBy: z.string().nullable(),
})
export type AttendanceOutput = z.output<typeof AttendanceOut>

// ── Certificates and hours ──────────────────────────────────────────────────────────────────────────

export const CertificateCodeParams = z.object({
  code: z
    .string()
    .regex(/^[A-Z2-9]{12}$/, '验证码为 12 位字母或数字')
    .meta({ label: '证书验证码' }),
})

/** The public verification page of a 参训证明: the name masked, nothing else personal. */
export const CertificateVerification = z.object({
  code: z.string(),
  name: z.string(),
  training: z.string(),
  organiser: z.string(),
  /** Beijing dates of the first and last session */
  from: z.string(),
  to: z.string(),
  hours: z.number(),
  issuedAt: z.iso.datetime(),
})
export type CertificateVerificationOutput = z.output<typeof CertificateVerification>

export const HoursQuery = z.object({
  year: z.coerce.number().int().min(2020).max(2100).meta({ label: '年度' }).optional(),
})
export const MyHours = z.object({
  year: z.number().int(),
  hours: z.number(),
  trainings: z.array(z.object({ id: z.string(), title: z.string(), hours: z.number(), date: z.string() })),
})
export type MyHoursOutput = z.output<typeof MyHours>

// ── Feedback, statistics ────────────────────────────────────────────────────────────────────────────

/** `POST /mp/v1/trainings/:id/feedback`: after the last session, once per attendee. */
export const FeedbackInput = z.strictObject({
  rating: z.number().int().min(1).max(5).meta({ label: '满意度评分' }),
  comment: text({ label: '意见建议', max: 500, min: 0, multiline: true }).default(''),
})
export type FeedbackInputInput = z.input<typeof FeedbackInput>
export const FeedbackOut = z.object({
  rating: z.number().int(),
  comment: z.string(),
  createdAt: z.iso.datetime(),
})

/** The aggregate staff see: no names, the comments as written. */
export const FeedbackSummary = z.object({
  count: z.number().int(),
  average: z.number().nullable(),
  /** how many gave 1, 2, 3, 4, 5 */
  distribution: z.array(z.number().int()).length(5),
  comments: z.array(z.object({ rating: z.number().int(), comment: z.string(), createdAt: z.iso.datetime() })),
})
export type FeedbackSummaryOutput = z.output<typeof FeedbackSummary>

const Breakdown = z.array(
  z.object({
    code: z.string(),
    label: z.string(),
    registrations: z.number().int(),
    attended: z.number().int(),
  }),
)
export const TrainingFigures = z.object({
  trainings: z.number().int(),
  /** every registration that held or holds a seat (registered, attended) */
  registrations: z.number().int(),
  attended: z.number().int(),
  /** attended ÷ registrations, 0..1; null without registrations */
  attendanceRate: z.number().nullable(),
  /** sum over attendees of the hours credited to them */
  hoursDelivered: z.number(),
  satisfaction: z.number().nullable(),
  feedbackCount: z.number().int(),
  byDistrict: Breakdown,
  byIndustry: Breakdown,
})
export type TrainingFiguresOutput = z.output<typeof TrainingFigures>
export const YearStatsQuery = z.object({
  year: z.coerce.number().int().min(2020).max(2100).meta({ label: '年度' }),
})
export const TrainingYearStats = TrainingFigures.extend({
  year: z.number().int(),
  perTraining: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      startAt: z.iso.datetime(),
      registrations: z.number().int(),
      attended: z.number().int(),
      hoursDelivered: z.number(),
      satisfaction: z.number().nullable(),
    }),
  ),
})
export type TrainingYearStatsOutput = z.output<typeof TrainingYearStats>

/** This domain's own refusals; raised only through trainings.errors.ts. */
export const TrainingsErrorCode = z.enum([
  'REGISTRATION_DUPLICATE',
  'REGISTRATION_CLOSED',
  'ENTERPRISE_QUOTA_FULL',
  'OFFER_EXPIRED',
  'REGISTRATION_AUDIENCE',
  'REGISTRATION_ANSWERS_INVALID',
  'CANCEL_CUTOFF_PASSED',
  'TRAINING_FILE_INVALID',
  'CHECKIN_TOKEN_INVALID',
  'CHECKIN_OUTSIDE_WINDOW',
  'CHECKIN_NOT_REGISTERED',
  'CHECKOUT_BEFORE_CHECKIN',
  'CERTIFICATE_NOT_AVAILABLE',
  'FEEDBACK_NOT_OPEN',
  'FEEDBACK_DUPLICATE',
  'TRAINING_NOT_PUSHABLE',
  'TRAINING_EDIT_LOCKED',
  'CAPACITY_BELOW_SEATS_HELD',
])

/** Every 培训 endpoint, declared once: routes, console API, mini-program types and tests read it. */
export const TrainingsEndpoints = endpoints({
  list: {
    method: 'get',
    path: '/admin/v1/trainings',
    query: TrainingListQuery,
    response: TrainingPage,
    summary: '培训列表',
  },
  create: {
    method: 'post',
    path: '/admin/v1/trainings',
    body: TrainingInput,
    response: TrainingOut,
    status: 201,
    summary: '新建培训',
  },
  get: {
    method: 'get',
    path: '/admin/v1/trainings/:id',
    params: IdParams,
    response: TrainingOut,
    summary: '培训详情',
  },
  publish: {
    method: 'post',
    path: '/admin/v1/trainings/:id/publish',
    params: IdParams,
    body: PublishInput,
    response: TrainingOut,
    summary: '发布培训',
  },
  update: {
    method: 'put',
    path: '/admin/v1/trainings/:id',
    params: IdParams,
    body: TrainingInput,
    response: TrainingOut,
    summary: '编辑培训（已发布的只能改不影响报名的内容）',
  },
  cancelTraining: {
    method: 'post',
    path: '/admin/v1/trainings/:id/cancel',
    params: IdParams,
    body: CancelTrainingInput,
    response: TrainingOut,
    summary: '取消培训（全部报名取消并通知报名人）',
  },
  registrations: {
    method: 'get',
    path: '/admin/v1/trainings/:id/registrations',
    params: IdParams,
    query: RegistrationListQuery,
    response: AdminRegistrationPage,
    summary: '报名名单（含候补队列与名额邀请）',
  },
  admit: {
    method: 'post',
    path: '/admin/v1/trainings/:id/registrations/:registrationId/admit',
    params: RegistrationParams,
    body: AdmitInput,
    response: AdminRegistrationOut,
    summary: '手动录取候补人员',
  },
  mpList: {
    method: 'get',
    path: '/mp/v1/trainings',
    query: PageQuery,
    response: MpTrainingPage,
    summary: '可报名的培训',
  },
  mpGet: {
    method: 'get',
    path: '/mp/v1/trainings/:id',
    params: IdParams,
    response: MpTrainingOut,
    summary: '培训详情（含本人报名状态）',
  },
  register: {
    method: 'post',
    path: '/mp/v1/trainings/:id/registrations',
    params: IdParams,
    body: RegistrationInput,
    response: RegistrationCreated,
    status: 201,
    summary: '报名培训',
  },
  cancel: {
    method: 'post',
    path: '/mp/v1/trainings/:id/registration/cancel',
    params: IdParams,
    response: MyRegistration,
    summary: '取消报名',
  },
  accept: {
    method: 'post',
    path: '/mp/v1/trainings/:id/registration/accept',
    params: IdParams,
    response: MyRegistration,
    summary: '接受候补名额',
  },
  decline: {
    method: 'post',
    path: '/mp/v1/trainings/:id/registration/decline',
    params: IdParams,
    response: MyRegistration,
    summary: '放弃候补名额',
  },
  checkinCode: {
    method: 'get',
    path: '/admin/v1/trainings/:id/sessions/:sessionId/checkin-code',
    params: SessionParams,
    query: CheckinCodeQuery,
    response: CheckinCodeOut,
    summary: '场次的签到（签退）二维码与实时签到人数',
  },
  manualCheck: {
    method: 'post',
    path: '/admin/v1/trainings/:id/sessions/:sessionId/attendance',
    params: SessionParams,
    body: ManualCheckInput,
    response: AttendanceOut,
    summary: '工作人员代为签到或签退',
  },
  checkin: {
    method: 'post',
    path: '/mp/v1/checkins',
    body: CheckinInput,
    response: CheckinOut,
    summary: '扫码签到或签退',
  },
  certificate: {
    method: 'get',
    path: '/mp/v1/trainings/:id/certificate',
    params: IdParams,
    response: 'file',
    summary: '下载参训证明（PDF）',
  },
  verifyCertificate: {
    method: 'get',
    path: '/mp/v1/certificates/:code',
    params: CertificateCodeParams,
    response: CertificateVerification,
    summary: '参训证明公开验证（姓名脱敏）',
  },
  /** The page a certificate's QR code opens (as `/v/:code`, which the app maps here): HTML, in Chinese. */
  verifyCertificatePage: {
    method: 'get',
    path: '/mp/v1/certificates/:code/page',
    params: CertificateCodeParams,
    response: 'file',
    summary: '参训证明公开验证页（HTML，二维码打开 /v/:code）',
  },
  myHours: {
    method: 'get',
    path: '/mp/v1/training-hours',
    query: HoursQuery,
    response: MyHours,
    summary: '本人年度培训学时',
  },
  feedback: {
    method: 'post',
    path: '/mp/v1/trainings/:id/feedback',
    params: IdParams,
    body: FeedbackInput,
    response: FeedbackOut,
    status: 201,
    summary: '提交培训反馈（满意度与意见）',
  },
  feedbackSummary: {
    method: 'get',
    path: '/admin/v1/trainings/:id/feedback',
    params: IdParams,
    response: FeedbackSummary,
    summary: '培训反馈汇总',
  },
  stats: {
    method: 'get',
    path: '/admin/v1/trainings/:id/stats',
    params: IdParams,
    response: TrainingFigures,
    summary: '单个培训的统计（报名、出勤率、学时、满意度，按区县、行业）',
  },
  yearStats: {
    method: 'get',
    path: '/admin/v1/training-stats',
    query: YearStatsQuery,
    response: TrainingYearStats,
    summary: '年度培训统计',
  },
  exportAttendance: {
    method: 'get',
    path: '/admin/v1/trainings/:id/attendance/export',
    params: IdParams,
    response: 'file',
    summary: '导出签到表（Excel）',
  },
})
