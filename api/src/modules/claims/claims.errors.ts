import { AppError, errors, uniqueRule } from '../../platform/errors.js'
import type { Refusal } from '../../platform/transitions.js'
import {
  CLAIM_STATUS_LABELS,
  ClaimMachine,
  EXAM_SUBJECT_LABELS,
  type ClaimMove,
  type ClaimStatusOutput,
  type ExamSubjectOutput,
} from './claims.contract.js'

export const yuan = (fen: number) =>
  `${(fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} 元`

/** Why a move is refused from a state, in words the person who tried it can act on. */
const STATE_MESSAGES: Partial<Record<ClaimMove, Partial<Record<ClaimStatusOutput, string>>>> = {
  resubmit: { in_review: '申请正在审核中，无需重新提交', submitted: '申请已提交，请等待审核' },
  withdraw: { in_review: '申请已进入审核，不能撤回；如有疑问请联系审核人员' },
}

/** The refusals of the claims domain (applying and review), one function each. */
export const claimErrors = {
  notFound: () => errors.notFound('资助申请'),
  policyNotFound: () => errors.notFound('资助政策'),
  /** 409 with the current state, so the client can show it instead of the move it tried. */
  state: (move: ClaimMove, current: ClaimStatusOutput) =>
    errors.conflict(
      'CLAIM_STATE',
      STATE_MESSAGES[move]?.[current] ??
        `申请当前为“${CLAIM_STATUS_LABELS[current]}”，不能${ClaimMachine.moves[move].label}，请刷新后重试`,
      { current, allowedFrom: ClaimMachine.moves[move].from, move },
    ),
  refused: (r: Refusal<ClaimStatusOutput, ClaimMove>) =>
    r.stateAllowed
      ? errors.conflict('CLAIM_STATE', '申请已被他人处理或已更新，请刷新后查看最新内容', {
          current: r.current,
          move: r.move,
        })
      : claimErrors.state(r.move, r.current),
  duplicate: (what: string) => errors.conflict('CLAIM_DUPLICATE', what),
  duplicateExamYear: (year: number) =>
    claimErrors.duplicate(
      `该身份证号已有 ${year} 年度的报名费资助申请（每人每个考试年度限申请一次），可在“我的申请”中查看进度`,
    ),
  duplicateReward: () =>
    claimErrors.duplicate('该身份证号已申请过专利代理师服务奖励（每人限享受一次），可在“我的申请”中查看进度'),
  windowClosed: (title: string, window?: { from: string; to: string }) =>
    errors.conflict(
      'CLAIM_WINDOW_CLOSED',
      window
        ? `“${title}”的申请期为 ${window.from} 至 ${window.to}，当前不在申请期内`
        : `当前没有正在受理的“${title}”`,
      window ? { window } : undefined,
    ),
  policyTypeMismatch: () =>
    errors.badRequest('POLICY_TYPE_MISMATCH', '所选政策与申请类型不一致，请重新选择', {
      fields: [{ path: 'policyId', message: '所选政策与申请类型不一致' }],
    }),
  receiptOverFee: (index: number, subject: ExamSubjectOutput, feeFen: number, amountFen: number) => {
    const message = `${EXAM_SUBJECT_LABELS[subject]}的缴费金额 ${yuan(amountFen)} 超过报名费标准 ${yuan(feeFen)}，请按缴费凭证上的报名费填写`
    return errors.badRequest('RECEIPT_OVER_FEE', message, {
      feeFen,
      fields: [{ path: `receipts.${index}.amountFen`, message }],
    })
  },
  receiptYear: (index: number, message: string) =>
    errors.badRequest('RECEIPT_YEAR_INVALID', message, {
      fields: [{ path: `receipts.${index}.examYear`, message }],
    }),
  serviceTooShort: (months: number, required: number) =>
    errors.badRequest(
      'SERVICE_TOO_SHORT',
      `合并重叠期间后，在本市累计服务 ${months} 个月，未达到 ${required} 个月（含）的要求`,
      {
        months,
        required,
        fields: [{ path: 'servicePeriods', message: `累计服务 ${months} 个月，须满 ${required} 个月` }],
      },
    ),
  residency: (allowed: string) =>
    errors.badRequest('RESIDENCY_NOT_ELIGIBLE', `本政策适用于：${allowed}`, {
      fields: [{ path: 'residency', message: `本政策适用于：${allowed}` }],
    }),
  materialMissing: (names: string[], paths: string[]) =>
    errors.badRequest('MATERIAL_MISSING', `请上传：${names.join('、')}`, {
      fields: paths.map((path, i) => ({ path, message: `请上传${names[i]}` })),
    }),
  /** The upload exists and is the caller's, but was not made as claim material. */
  fileInvalid: (path: string) =>
    errors.badRequest('CLAIM_FILE_INVALID', '请以“申请材料”用途上传材料文件', {
      fields: [{ path, message: '该文件不是申请材料，请重新上传' }],
    }),
  holderMismatch: () =>
    errors.badRequest('HOLDER_MISMATCH_UNEXPLAINED', '开户名与申请人姓名不一致，请使用本人账户，或说明原因', {
      fields: [{ path: 'holderMismatchReason', message: '开户名与申请人不一致，请说明原因' }],
    }),
  idempotencyKeyRequired: () =>
    errors.badRequest(
      'IDEMPOTENCY_KEY_REQUIRED',
      '提交申请须带 Idempotency-Key 请求头（每次填写新申请生成一个，重试时沿用）',
    ),
  idempotencyKeyReused: () =>
    new AppError(422, 'IDEMPOTENCY_KEY_REUSED', '该请求编号已用于另一份申请内容，请重新进入申请页面后再提交'),
  bankFixState: (current: ClaimStatusOutput) =>
    errors.conflict(
      'CLAIM_STATE',
      `申请当前为“${CLAIM_STATUS_LABELS[current]}”，只有发放失败的申请需要更正收款账户`,
      { current, allowedFrom: ['payment_failed'], move: 'fixBank' },
    ),
  secondReviewer: () =>
    errors.conflict('SECOND_REVIEWER_REQUIRED', '您已完成该申请的初审，复核须由另一位审核人员进行'),
  budgetExceeded: (remainingFen: number, amountFen: number, year: number) =>
    errors.conflict(
      'BUDGET_EXCEEDED',
      `${year} 年度预算剩余 ${yuan(remainingFen)}，不足以支付本申请的 ${yuan(amountFen)}，请联系政策管理人员调整预算`,
      { remainingFen, amountFen, year },
    ),
}

// Serves claims.model.ts's one-live-claim index. The service raises the precise message (exam year or
// reward) itself; this names a collision it did not foresee.
uniqueRule('claims', { dupKey: 1 }, () => claimErrors.duplicate('该身份证号已有同类申请正在办理或已发放'))
