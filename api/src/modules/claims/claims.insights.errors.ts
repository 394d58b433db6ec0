import { errors } from '../../platform/errors.js'
import { INVITATION_STATUS_LABELS } from './claims.insights.contract.js'
import type { InvitationStatus } from './claims.insights.model.js'

/** The refusals of 免申即享 (pass lists and invitations), one function each. */
export const insightErrors = {
  invitationNotFound: () => errors.notFound('免申即享邀请'),
  /** The upload was not made for importing, or its sheet cannot be read as a pass list. */
  passListInvalid: (message: string, extra?: Record<string, unknown>) =>
    errors.badRequest('PASS_LIST_INVALID', message, {
      ...extra,
      fields: [{ path: 'fileId', message }],
    }),
  /** A second accept, or one after the person claimed through another account. */
  invitationState: (current: InvitationStatus) =>
    errors.conflict(
      'INVITATION_STATE',
      current === 'accepted'
        ? '该邀请已确认并生成申请，可在“我的申请”中查看进度'
        : `该邀请当前为“${INVITATION_STATUS_LABELS[current]}”，不能再次确认`,
      { current },
    ),
}
