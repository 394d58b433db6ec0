import { errors } from '../../platform/errors.js'
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

export const enterpriseErrors = {
  alreadyBound: (message = '您已绑定或正在申请加入一家企业') => errors.conflict('ALREADY_BOUND', message),
  notAdmin: (message = '只有企业管理员可以执行此操作') =>
    errors.forbidden(message, undefined, 'NOT_ENTERPRISE_ADMIN'),
  unverified: () => errors.enterpriseUnverified(),
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
      { current, allowedFrom: VERIFICATION_MOVES[move].from },
    ),
  /** The applicant replaced the licence after the reviewer opened it. */
  verificationResubmitted: () =>
    errors.conflict(
      'VERIFICATION_RESUBMITTED',
      '申请人已重新提交认证材料，请刷新后查看新的材料再审核',
      { current: 'pending' },
    ),
  memberAlreadyDecided: () => errors.conflict('ALREADY_DECIDED', '该申请已处理，请刷新列表'),
}
