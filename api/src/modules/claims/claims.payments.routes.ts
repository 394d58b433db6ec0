import type { Routers, Services } from '../../platform/modules.js'
import type { ClaimsServices } from './claims.module.js'

export function registerClaimPaymentRoutes(_r: Routers, _s: ClaimsServices, _services: Services) {}
