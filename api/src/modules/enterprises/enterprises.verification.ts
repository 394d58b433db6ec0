import type { Types } from 'mongoose'
import { errors } from '../../platform/errors.js'
import {
  VERIFICATION_MOVES,
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
 * Applies one move of VERIFICATION_MOVES as a single conditional update, so two reviewers, or a reviewer and
 * a resubmitting applicant, cannot both win. `guard` narrows the match further (the licence the reviewer
 * looked at). Refused: 404 when the enterprise is gone, 409 with the current state otherwise.
 */
export async function moveVerification(
  id: Id,
  move: VerificationMove,
  verification: Partial<VerificationDoc>,
  guard: Record<string, unknown> = {},
): Promise<EnterpriseDoc> {
  const { from, to } = VERIFICATION_MOVES[move]
  const $set: Record<string, unknown> = { verificationStatus: to }
  for (const [k, v] of Object.entries(verification)) $set[`verification.${k}`] = v
  const next = await EnterpriseModel.findOneAndUpdate(
    { _id: id, ...guard, verificationStatus: statusFilter(from) },
    { $set },
    { new: true },
  ).lean<EnterpriseDoc>()
  if (next) return next
  const current = await EnterpriseModel.findById(id, { verificationStatus: 1 }).lean<EnterpriseDoc>()
  if (!current) throw errors.notFound('企业')
  const status = verificationStatusOf(current)
  // The state allows the move, so the guard failed: the licence was replaced since it was opened.
  if (Object.keys(guard).length && (from as readonly string[]).includes(status))
    throw enterpriseErrors.verificationResubmitted()
  throw enterpriseErrors.verificationState(move, status)
}
