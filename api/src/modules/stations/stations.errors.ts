import { errors, uniqueRule } from '../../platform/errors.js'
import { beijingDateTime } from '../../platform/time.js'
import type { Refusal } from '../../platform/transitions.js'
import {
  BOOKING_STATUS_LABELS,
  BookingMachine,
  STATION_SERVICE_LABELS,
  type BookingMoveName,
  type BookingStatusOutput,
  type StationServiceOutput,
} from './stations.contract.js'

/** Why a move is refused from a state, in words the person who tried it can act on. */
const STATE_MESSAGES: Partial<Record<BookingMoveName, Partial<Record<BookingStatusOutput, string>>>> = {
  withdraw: {
    cancelled: '该预约已取消',
    completed: '咨询已完成，不能取消',
    no_show: '该预约已登记为爽约，如有异议可提出申诉',
  },
  confirm: { confirmed: '该预约已确认', cancelled: '该预约已取消，不能确认' },
  complete: { pending: '请先确认预约，再完成服务', completed: '该预约已完成' },
  noShow: { pending: '该预约尚未确认，不能登记爽约', no_show: '已登记爽约' },
}

/** The refusals of the stations domain, one function each, so a code is never typed at a throw site. */
export const stationErrors = {
  notFound: () => errors.notFound('指导站'),
  slotNotFound: () => errors.notFound('预约时段'),
  bookingNotFound: () => errors.notFound('预约'),
  fileNotFound: () => errors.notFound('文件'),
  /** Creating and editing stations, and the bureau-wide rules, are the bureau's (no station of one's own). */
  bureauOnly: (what: string) => errors.forbidden(`${what}由知识产权局统一管理，指导站工作人员不能操作`),

  // ── slots ──
  slotInPast: (at: Date, path = 'startAt') =>
    errors.badRequest('SLOT_IN_PAST', `不能发布已经开始的时段（${beijingDateTime(at)}），请选择以后的时间`, {
      fields: [{ path, message: '时段已开始或已过去' }],
    }),
  slotOverlap: (a: { startAt: Date; endAt: Date }, b: { startAt: Date; endAt: Date }, existing: boolean) =>
    errors.conflict(
      'SLOT_OVERLAP',
      `${beijingDateTime(a.startAt)}–${beijingDateTime(a.endAt).slice(11)} 与${existing ? '本站已发布的' : '同一批的'}时段 ${beijingDateTime(b.startAt)}–${beijingDateTime(b.endAt).slice(11)} 重叠，未发布任何时段`,
      { startAt: a.startAt.toISOString(), overlapsWith: b.startAt.toISOString(), existing },
    ),
  ruleTooLarge: (count: number, max: number) =>
    errors.badRequest(
      'SLOT_RULE_TOO_LARGE',
      `该规则将生成 ${count >= max + 1 ? `超过 ${max}` : count} 个时段，一次最多发布 ${max} 个，请缩短日期范围或加长每个时段`,
      { max, fields: [{ path: 'rule', message: `一次最多发布 ${max} 个时段` }] },
    ),
  ruleEmpty: () =>
    errors.badRequest(
      'SLOT_IN_PAST',
      '该规则在所选日期内没有可发布的时段（均为节假日或已过去），未发布任何时段',
      {
        fields: [{ path: 'rule', message: '没有可发布的时段' }],
      },
    ),
  ruleFromPast: (today: string) =>
    errors.badRequest('SLOT_IN_PAST', `开始日期不能早于今天（${today}）`, {
      fields: [{ path: 'rule.from', message: `开始日期不能早于今天（${today}）` }],
    }),
  stationBusy: () => errors.conflict('STATION_BUSY', '另一位工作人员正在发布本站的时段，请稍后重试'),
  belowBooked: (booked: number) =>
    errors.conflict('SLOT_BELOW_BOOKED', `该时段已有 ${booked} 人预约，可预约人数不能少于 ${booked}`, {
      booked,
      fields: [{ path: 'capacity', message: `不能少于已预约的 ${booked} 人` }],
    }),
  slotClosedForEdit: () => errors.conflict('SLOT_CLOSED', '该时段已关闭'),

  // ── booking ──
  slotFull: () => errors.conflict('SLOT_FULL', '该时段已约满，请选择其他时段'),
  slotClosed: (why: 'closed' | 'past' | 'inactive') =>
    errors.conflict(
      'SLOT_CLOSED',
      why === 'closed'
        ? '该时段已关闭，请选择其他时段'
        : why === 'past'
          ? '该时段已开始或已结束，请选择以后的时段'
          : '该指导站暂停预约',
      { why },
    ),
  duplicate: () => errors.conflict('BOOKING_DUPLICATE', '您已预约该时段，可在“我的预约”中查看'),
  limit: (max: number) =>
    errors.conflict(
      'BOOKING_LIMIT',
      `您已有 ${max} 个尚未开始的预约（每人最多 ${max} 个），请在咨询完成或取消后再预约`,
      { max },
    ),
  suspended: (points: number, until: Date) =>
    errors.forbidden(
      `您的预约信用分为 ${points} 分，暂停预约；信用分每天恢复 1 分，${beijingDateTime(until)} 起可再次预约`,
      { points, until: until.toISOString() },
      'BOOKING_SUSPENDED',
    ),
  topicNotOffered: (topic: StationServiceOutput, offered: StationServiceOutput[], path = 'topic') =>
    errors.badRequest(
      'TOPIC_NOT_OFFERED',
      `该${offered.length ? '时段' : '指导站'}不提供“${STATION_SERVICE_LABELS[topic]}”咨询${offered.length ? `，可咨询：${offered.map((s) => STATION_SERVICE_LABELS[s]).join('、')}` : ''}`,
      { fields: [{ path, message: `不提供“${STATION_SERVICE_LABELS[topic]}”咨询` }] },
    ),
  fileInvalid: (path: string, purpose: string) =>
    errors.badRequest('BOOKING_FILE_INVALID', `请以“${purpose}”用途上传文件后再提交`, {
      fields: [{ path, message: '文件不存在、不是本人上传或用途不符' }],
    }),
  otherStation: () =>
    errors.badRequest(
      'SLOT_OTHER_STATION',
      '只能改约到同一指导站的时段；如需预约其他指导站，请取消后重新预约',
      {
        fields: [{ path: 'slotId', message: '不是本站的时段' }],
      },
    ),
  sameSlot: () =>
    errors.badRequest('SLOT_OTHER_STATION', '新的时段与原时段相同', {
      fields: [{ path: 'slotId', message: '请选择另一个时段' }],
    }),

  // ── moves ──
  state: (move: BookingMoveName, current: BookingStatusOutput) =>
    errors.conflict(
      'BOOKING_STATE',
      STATE_MESSAGES[move]?.[current] ??
        `预约当前为“${BOOKING_STATUS_LABELS[current]}”，不能${BookingMachine.moves[move].label}，请刷新后重试`,
      { current, allowedFrom: BookingMachine.moves[move].from, move },
    ),
  refused: (r: Refusal<BookingStatusOutput, BookingMoveName>) =>
    r.stateAllowed
      ? errors.conflict('BOOKING_STATE', '该预约已被他人处理或已更新，请刷新后查看', {
          current: r.current,
          move: r.move,
        })
      : stationErrors.state(r.move, r.current),
  letterState: (current: BookingStatusOutput) =>
    errors.conflict(
      'BOOKING_STATE',
      `预约当前为“${BOOKING_STATUS_LABELS[current]}”，咨询完成后才能出具服务建议书`,
      { current, allowedFrom: ['completed'], move: 'letter' },
    ),
  tooLate: (what: 'cancel' | 'move', cutoffMinutes?: number) =>
    errors.conflict(
      'BOOKING_TOO_LATE',
      what === 'cancel'
        ? '咨询已开始，不能取消'
        : `距开始已不足 ${cutoffMinutes} 分钟，不能改约；如不能前往请取消预约`,
      { what },
    ),
  notStarted: (startAt: Date) =>
    errors.conflict('BOOKING_NOT_STARTED', `咨询 ${beijingDateTime(startAt)} 开始，开始后才能登记完成或爽约`),
  feedbackClosed: (why: 'not_completed' | 'expired', days: number) =>
    errors.conflict(
      'FEEDBACK_CLOSED',
      why === 'not_completed' ? '咨询完成后才能评价' : `评价须在咨询完成后 ${days} 天内提交，已过评价期限`,
      { why },
    ),
  feedbackExists: () => errors.conflict('FEEDBACK_EXISTS', '您已评价过这次咨询，每次咨询只能评价一次'),
  appealState: (why: 'not_no_show' | 'exists' | 'none') =>
    errors.conflict(
      'APPEAL_STATE',
      why === 'not_no_show'
        ? '只有登记为爽约的预约可以申诉'
        : why === 'exists'
          ? '已提交过申诉，请等待指导站处理'
          : '该预约没有待处理的申诉',
      { why },
    ),
}

// Serves stations.model.ts's one-active-booking index: a collision is the same person booking the slot twice.
uniqueRule('bookings', { slotId: 1, userId: 1 }, stationErrors.duplicate)
