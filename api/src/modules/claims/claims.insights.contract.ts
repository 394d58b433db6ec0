import { endpoints } from '../endpoints.contract.js'

/** 免申即享 pass lists and invitations, the eligibility pre-check, statistics and the Excel export. */
export const ClaimInsightEndpoints = endpoints({})
