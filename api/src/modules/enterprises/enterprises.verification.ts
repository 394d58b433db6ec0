import type { Types } from 'mongoose'
import { transition } from '../../platform/transitions.js'
import {
  VerificationMachine,
  type VerificationMove,
  type VerificationStatusOutput,
} from './enterprises.contract.js'
import { enterpriseErrors } from './enterprises.errors.js'
import { EnterpriseModel, type EnterpriseDoc, type VerificationDoc } from './enterprises.model.js'

/** Enterprises written before verification existed have no status: they count as unsubmitted. */
export const verificationStatusOf = (
  e: Pick<EnterpriseDoc, 'verificationStatus'>,
): VerificationStatusOutput => e.verificationStatus ?? 'unsubmitted'

/** The states a move may start from, as a filter; `unsubmitted` also matches a missing value. */
export function statusFilter(states: readonly VerificationStatusOutput[]) {
  return { $in: states.includes('unsubmitted') ? [...states, null] : [...states] }
}

/** A verification as it stands before anything was submitted (a new administrator starts here). */
export const EMPTY_VERIFICATION: VerificationDoc = {
  licenceFileId: null,
  submittedBy: null,
  submittedAt: null,
  decidedBy: null,
  decidedAt: null,
  rejectReason: null,
}

type Id = string | Types.ObjectId

/**
 * Applies one move of VerificationMachine with `transition()`, so two reviewers, or a reviewer and a
 * resubmitting applicant, cannot both win. `guard` narrows the match further (the licence the reviewer
 * looked at). Refused: 404 when the enterprise is gone, 409 VERIFICATION_RESUBMITTED when the guard failed,
 * VERIFICATION_STATE_CONFLICT with the current state otherwise.
 */
export function moveVerification(
  id: Id,
  move: VerificationMove,
  verification: Partial<VerificationDoc>,
  guard: Record<string, unknown> = {},
): Promise<EnterpriseDoc> {
  const $set: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(verification)) $set[`verification.${k}`] = v
  return transition(
    EnterpriseModel,
    VerificationMachine,
    move,
    { _id: id },
    { $set },
    {
      statusField: 'verificationStatus',
      missingIs: 'unsubmitted',
      guard,
      conflict: enterpriseErrors.verificationRefused,
      notFound: enterpriseErrors.notFound,
    },
  )
}
