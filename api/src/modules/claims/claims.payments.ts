import type { ClaimDeps, ClaimService } from './claims.service.js'

/** Public notice (公示) and payment batches with bank-result reconciliation. */
export class ClaimPaymentService {
  constructor(
    readonly core: ClaimService,
    readonly d: ClaimDeps,
  ) {}
}
