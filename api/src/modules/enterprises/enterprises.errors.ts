import { errors, uniqueRule } from '../../platform/errors.js'
import type { Refusal } from '../../platform/transitions.js'
import {
  VERIFICATION_MOVES,
  VERIFICATION_STATUS_LABELS,
  type VerificationMove,
  type VerificationStatusOutput,
} from './enterprises.contract.js'

/** Why a verification move is refused from a state, in words the person who tried it can act on. */
const STATE_MESSAGES: Partial<Record<VerificationMove, Partial<Record<VerificationStatusOutput, string>>>> = {
  submit: {
    pending: '认证材料正在审核中，审核结果出来前不能重新提交',
    verified: '企业已通过认证，无需再提交材料',
  },
  approve: {
    unsubmitted: '企业管理员尚未提交认证材料，暂不能审核',
    verified: '该企业已通过认证，请刷新列表',
    rejected: '该认证申请已被驳回，请刷新列表',
  },
  reject: {
    unsubmitted: '企业管理员尚未提交认证材料，暂不能审核',
    verified: '该企业已通过认证，请刷新列表',
    rejected: '该认证申请已被驳回，请刷新列表',
  },
}

/** The refusals of the enterprises domain (binding, members, verification), one function each. */
export const enterpriseErrors = {
  alreadyBound: (message = '您已绑定或正在申请加入一家企业') => errors.conflict('ALREADY_BOUND', message),
  /** Another binder is creating or claiming the same enterprise this instant. */
  retry: () => errors.conflict('RETRY', '企业信息正在更新，请稍后重试'),
  notAdmin: (message = '只有企业管理员可以执行此操作') => errors.notEnterpriseAdmin(message),
  unverified: () => errors.enterpriseUnverified(),
  notFound: () => errors.notFound('企业'),
  joinRequestNotFound: () => errors.notFound('加入申请'),
  /** The upload exists and is the caller's, but was not made as a licence. */
  licenceFileInvalid: () =>
    errors.badRequest('LICENCE_FILE_INVALID', '请上传营业执照或授权书（以“营业执照”用途上传的文件）', {
      fields: [{ path: 'licenceFileId', message: '该文件不是营业执照或授权书，请重新上传' }],
    }),
  /** 409 with the current state, so the client can show it instead of the move it tried. */
  verificationState: (move: VerificationMove, current: VerificationStatusOutput) =>
    errors.conflict(
      'VERIFICATION_STATE_CONFLICT',
      STATE_MESSAGES[move]?.[current] ??
        `企业认证当前为“${VERIFICATION_STATUS_LABELS[current]}”，不能执行此操作`,
      { current, allowedFrom: VERIFICATION_MOVES[move].from, move },
    ),
  /** The applicant replaced the licence after the reviewer opened it. */
  verificationResubmitted: () =>
    errors.conflict('VERIFICATION_RESUBMITTED', '申请人已重新提交认证材料，请刷新后查看新的材料再审核', {
      current: 'pending',
    }),
  /** A refused verification move: the licence changed under the reviewer, or the state does not allow it. */
  verificationRefused: (r: Refusal<VerificationStatusOutput, VerificationMove>) =>
    r.stateAllowed
      ? enterpriseErrors.verificationResubmitted()
      : enterpriseErrors.verificationState(r.move, r.current),
  memberAlreadyDecided: (current?: string) =>
    errors.conflict('ALREADY_DECIDED', '该申请已处理，请刷新列表', current ? { current } : undefined),
  /** Two first binders of one credit code: the service retries as a join; reaching a client means a bug. */
  creditCodeTaken: () =>
    errors.conflict('CREDIT_CODE_TAKEN', '该统一社会信用代码已登记，请重新提交以申请加入该企业', {
      fields: [{ path: 'creditCode', message: '该统一社会信用代码已登记' }],
    }),
}

// Serves enterprises.model.ts's unique credit code (a person's single live membership is ALREADY_BOUND,
// raised by the service itself).
uniqueRule('enterprises', { creditCode: 1 }, enterpriseErrors.creditCodeTaken)
