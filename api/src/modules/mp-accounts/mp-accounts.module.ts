import { defineModule } from '../../platform/modules.js'
import { MpAccountEndpoints } from './mp-accounts.contract.js'
import { registerMpAccountRoutes } from './mp-accounts.routes.js'
import { MpAccountService } from './mp-accounts.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    mpAccounts: MpAccountService
  }
}

export default defineModule({
  name: 'mpAccounts',
  endpoints: MpAccountEndpoints,
  build: ({ jwt, refresh, cipher, wechat, services, redis, config }) =>
    new MpAccountService({
      jwt,
      refresh,
      cipher,
      wechat,
      enterprises: services.enterprises,
      redis,
      redisPrefix: config.redis.prefix,
    }),
  routes: (r, accounts) => registerMpAccountRoutes(r, accounts),
})
