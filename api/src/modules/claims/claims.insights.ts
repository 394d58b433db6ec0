import type { ClaimDeps, ClaimService } from './claims.service.js'

/** 免申即享 (pass lists, invitations), the eligibility pre-check, statistics and exports. */
export class ClaimInsightService {
  constructor(
    readonly core: ClaimService,
    readonly d: ClaimDeps,
  ) {}
}
