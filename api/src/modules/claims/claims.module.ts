import { defineModule } from '../../platform/modules.js'
import { ClaimsEndpoints } from './claims.contract.js'
import { ClaimInsightEndpoints } from './claims.insights.contract.js'
import { CLAIM_INSIGHT_TASKS } from './claims.insights.jobs.js'
import { registerClaimInsightRoutes } from './claims.insights.routes.js'
import { ClaimInsightService } from './claims.insights.js'
import { CLAIM_TASKS } from './claims.jobs.js'
import { ClaimPaymentEndpoints } from './claims.payments.contract.js'
import { CLAIM_PAYMENT_TASKS } from './claims.payments.jobs.js'
import { registerClaimPaymentRoutes } from './claims.payments.routes.js'
import { ClaimPaymentService } from './claims.payments.js'
import { registerClaimRoutes } from './claims.routes.js'
import { ClaimService } from './claims.service.js'

/** Applying and review (core), notice and payment (payments), 免申即享, pre-check and statistics (insights). */
export interface ClaimsServices {
  core: ClaimService
  payments: ClaimPaymentService
  insights: ClaimInsightService
}

declare module '../../platform/modules.js' {
  interface Services {
    claims: ClaimsServices
  }
}

/** After notifications, content, files and audit: it notifies applicants and publishes 公示 as announcements. */
export default defineModule({
  name: 'claims',
  endpoints: { ...ClaimsEndpoints, ...ClaimPaymentEndpoints, ...ClaimInsightEndpoints },
  build: ({ cipher, config, queue, log, services }): ClaimsServices => {
    const deps = {
      cipher,
      notifications: services.notifications,
      content: services.content,
      files: services.files,
      queue,
      log: log.child({ module: 'claims' }),
      env: config.env,
    }
    const core = new ClaimService(deps)
    return {
      core,
      payments: new ClaimPaymentService(core, deps),
      insights: new ClaimInsightService(core, deps),
    }
  },
  init: (s) => s.core.seedPolicies(),
  routes: (r, s, { services }) => {
    // First: /admin/v1/claims/stats and /export would otherwise be taken by the core's /admin/v1/claims/:id.
    registerClaimInsightRoutes(r, s, services)
    registerClaimRoutes(r, s.core, services.audit, services.files)
    registerClaimPaymentRoutes(r, s, services)
  },
  tasks: [...CLAIM_TASKS, ...CLAIM_PAYMENT_TASKS, ...CLAIM_INSIGHT_TASKS],
})
