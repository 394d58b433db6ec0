import { z } from 'zod'
import { CampaignErrorCode } from './campaigns/campaigns.contract.js'
import { ContentErrorCode } from './content/content.contract.js'
import { EnterpriseErrorCode } from './enterprises/enterprises.contract.js'
import { FileErrorCode } from './files/files.contract.js'
import { MpAccountErrorCode } from './mp-accounts/mp-accounts.contract.js'
import { StaffErrorCode } from './staff/staff.contract.js'
import { ClaimsErrorCode } from './claims/claims.contract.js'
import { StationsErrorCode } from './stations/stations.contract.js'
import { TrainingsErrorCode } from './trainings/trainings.contract.js'

/**
 * Codes any endpoint may answer, raised by the platform (validation, sign-in, permissions, guarded moves,
 * HTTP errors from middleware). A domain's own refusals are its `<Domain>ErrorCode`, declared in its
 * contract beside the shapes clients already read, and raised only through its `<domain>.errors.ts`.
 */
export const PlatformErrorCode = z.enum([
  'VALIDATION_FAILED',
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'TOKEN_INVALID',
  'REFRESH_INVALID',
  'FORBIDDEN',
  'PASSWORD_CHANGE_REQUIRED',
  'TEMP_PASSWORD_EXPIRED',
  'ENTERPRISE_REQUIRED',
  'NOT_ENTERPRISE_ADMIN',
  'ENTERPRISE_UNVERIFIED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  /** a move the record's state machine does not allow from its current state */
  'STATE_CONFLICT',
  /** a unique key no domain named: most likely a repeated click */
  'DUPLICATE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL',
  'NOT_IMPLEMENTED',
  'SERVICE_UNAVAILABLE',
])

/** Every code the api answers with: clients may branch on exactly these. */
export const ErrorCode = z.enum([
  ...PlatformErrorCode.options,
  ...StaffErrorCode.options,
  ...MpAccountErrorCode.options,
  ...EnterpriseErrorCode.options,
  ...FileErrorCode.options,
  ...ContentErrorCode.options,
  ...CampaignErrorCode.options,
  ...ClaimsErrorCode.options,
  ...StationsErrorCode.options,
  ...TrainingsErrorCode.options,
])
export type ErrorCodeOutput = z.output<typeof ErrorCode>

/** `{ error: { code, message, details? } }`: the body of every 4xx and 5xx answer. */
export const ErrorBody = z.object({
  error: z.object({ code: ErrorCode, message: z.string(), details: z.unknown().optional() }),
})
export type ErrorBodyOutput = z.output<typeof ErrorBody>
