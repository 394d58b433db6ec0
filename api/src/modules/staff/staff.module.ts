import { defineModule } from '../../platform/modules.js'
import { StaffEndpoints } from './staff.contract.js'
import { LoginGuard } from './login-guard.js'
import { registerStaffRoutes } from './staff.routes.js'
import { StaffService } from './staff.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    staff: StaffService
  }
}

export default defineModule({
  name: 'staff',
  endpoints: StaffEndpoints,
  build: ({ jwt, refresh, cipher, redis, config, log }) =>
    new StaffService({
      jwt,
      refresh,
      cipher,
      redis,
      redisPrefix: config.redis.prefix,
      guard: new LoginGuard({
        redis,
        prefix: config.redis.prefix,
        maxFailures: config.auth.maxFailures,
        maxDelayMinutes: config.auth.lockMinutes,
        sprayFailures: config.auth.sprayFailures,
        log: log.child({ component: 'login-guard' }),
      }),
    }),
  init: (staff) => staff.seedRoles(),
  routes: (r, staff, { services }) => registerStaffRoutes(r, staff, services.audit),
})
