import { errors, uniqueRule } from '../../platform/errors.js'
import { beijingDateTime } from '../../platform/time.js'
import type { Refusal } from '../../platform/transitions.js'
import {
  RegistrationMachine,
  TrainingMachine,
  type RegistrationMoveName,
  type TrainingStatusOutput,
  type RegistrationStatusOutput,
} from './trainings.contract.js'

/** The refusals of the 培训 domain, one function each, so a code is never typed at a throw site. */
export const trainingsErrors = {
  notFound: () => errors.notFound('培训'),
  registrationNotFound: () => errors.notFound('报名'),
  duplicate: () => errors.conflict('REGISTRATION_DUPLICATE', '您已报名该培训，可在培训详情中查看报名状态'),
  closed: (why: 'not_open' | 'closed' | 'not_published', at?: Date) =>
    errors.conflict(
      'REGISTRATION_CLOSED',
      why === 'not_open'
        ? `报名尚未开始${at ? `，${beijingDateTime(at)} 开始报名` : ''}`
        : why === 'closed'
          ? `报名已截止${at ? `（${beijingDateTime(at)}）` : ''}`
          : '该培训未开放报名',
      { why },
    ),
  quotaFull: (quota: number) =>
    errors.conflict('ENTERPRISE_QUOTA_FULL', `该培训每单位限报 ${quota} 人，贵单位名额已满`, { quota }),
  audience: (why: 'enterprise_only' | 'unverified') =>
    errors.forbidden(
      why === 'enterprise_only'
        ? '该培训仅面向已认证企业的成员，请先加入企业'
        : '您所在的企业尚未通过认证，认证后即可报名',
      { why },
      'REGISTRATION_AUDIENCE',
    ),
  answers: (path: string, message: string) =>
    errors.badRequest('REGISTRATION_ANSWERS_INVALID', message, { fields: [{ path, message }] }),
  offerExpired: (at: Date) =>
    errors.conflict('OFFER_EXPIRED', `候补名额已于 ${beijingDateTime(at)} 过期，名额已转给下一位候补`, {
      expiredAt: at.toISOString(),
    }),
  cancelCutoff: (at: Date) =>
    errors.conflict(
      'CANCEL_CUTOFF_PASSED',
      `已过取消截止时间（${beijingDateTime(at)}），如需请假请联系主办方`,
      {
        cutoff: at.toISOString(),
      },
    ),
  fileInvalid: (path: string) =>
    errors.badRequest('TRAINING_FILE_INVALID', '附件不存在或不是以“附件”用途上传的文件', {
      fields: [{ path, message: '附件不存在或用途不符' }],
    }),
  tokenInvalid: () =>
    errors.badRequest('CHECKIN_TOKEN_INVALID', '签到码无效或已过期，请扫描现场屏幕上的最新二维码', {
      fields: [{ path: 'token', message: '签到码无效或已过期' }],
    }),
  outsideWindow: (mode: 'in' | 'out', opens: Date, closes: Date) =>
    errors.conflict(
      'CHECKIN_OUTSIDE_WINDOW',
      `不在${mode === 'in' ? '签到' : '签退'}时间内（${beijingDateTime(opens)}–${beijingDateTime(closes).slice(11)}）`,
      { opensAt: opens.toISOString(), closesAt: closes.toISOString() },
    ),
  notRegistered: () =>
    errors.conflict('CHECKIN_NOT_REGISTERED', '您没有该培训的有效报名，不能签到；如有疑问请联系现场工作人员'),
  checkoutFirst: () => errors.conflict('CHECKOUT_BEFORE_CHECKIN', '尚未签到，不能签退，请先签到'),
  certificateNotFound: () => errors.notFound('参训证明'),
  noCertificate: (why: 'not_attended' | 'not_finished' | 'no_hours') =>
    errors.conflict(
      'CERTIFICATE_NOT_AVAILABLE',
      why === 'not_attended'
        ? '没有您的参训记录，签到（及需要时签退）后方可获得参训证明'
        : why === 'not_finished'
          ? '培训结束后方可下载参训证明'
          : '您签到的场次未完成签退，未获得学时，暂无参训证明',
      { why },
    ),
  feedbackNotOpen: (why: 'not_attended' | 'too_early') =>
    errors.conflict(
      'FEEDBACK_NOT_OPEN',
      why === 'not_attended' ? '参训后方可填写反馈' : '最后一场课程开始后方可填写反馈',
      { why },
    ),
  feedbackDuplicate: () => errors.conflict('FEEDBACK_DUPLICATE', '您已提交过该培训的反馈，感谢参与'),
  editLocked: (fields: { path: string; label: string }[]) =>
    errors.conflict(
      'TRAINING_EDIT_LOCKED',
      `培训已发布，不能修改：${fields.map((f) => f.label).join('、')}；其余内容可修改，如需大改请取消培训后重新发布`,
      { fields: fields.map((f) => ({ path: f.path, message: `已发布的培训不能修改${f.label}` })) },
    ),
  capacityBelowHeld: (held: number) =>
    errors.conflict('CAPACITY_BELOW_SEATS_HELD', `已有 ${held} 个名额被占用，名额不能少于 ${held}`, {
      held,
      fields: [{ path: 'capacity', message: `名额不能少于已占用的 ${held} 个` }],
    }),
  notEditable: (current: TrainingStatusOutput) =>
    errors.stateConflict(`培训当前为“${TrainingMachine.states[current]}”，不能编辑`, {
      current,
      allowedFrom: ['draft', 'published'],
      move: 'edit',
    }),
  notPushable: () => errors.conflict('TRAINING_NOT_PUSHABLE', '只能推送已发布且尚未开课的培训'),
  invitePermission: () =>
    errors.forbidden('同时创建推送邀请需要“推送管理”权限；可先发布培训，再由推送管理员创建推送', {
      missing: ['push.manage'],
    }),
  /** A registration move refused from its current state, in words. */
  registrationState: (r: Refusal<RegistrationStatusOutput, RegistrationMoveName>) =>
    errors.stateConflict(
      `报名当前为“${RegistrationMachine.states[r.current]}”，不能${RegistrationMachine.moves[r.move].label}`,
      { current: r.current, allowedFrom: r.allowedFrom, move: r.move },
    ),
}

// Serves the unique index of trainings.model.ts: one registration per person per training.
uniqueRule('training_registrations', { trainingId: 1, userId: 1 }, trainingsErrors.duplicate)
// Serves the unique index of trainings.model.ts: one feedback per attendee per training.
uniqueRule('training_feedback', { trainingId: 1, userId: 1 }, trainingsErrors.feedbackDuplicate)
