import type { Redis } from 'ioredis'
import { authenticate, requirePermission } from '../platform/auth.js'
import type { Config } from '../platform/config.js'
import { PersonalDataCipher } from '../platform/crypto.js'
import { JwtService } from '../platform/jwt.js'
import type { Logger } from '../platform/logger.js'
import { RateLimits } from '../platform/rate-limit.js'
import { RefreshTokens } from '../platform/refresh-tokens.js'
import { ApiRouter, type Guards } from '../platform/routing.js'
import { registerAuditRoutes } from './audit/audit.routes.js'
import { AuditService } from './audit/audit.service.js'
import { registerEnterpriseRoutes } from './enterprises/enterprises.routes.js'
import { EnterpriseService } from './enterprises/enterprises.service.js'
import { registerMpAccountRoutes } from './mp-accounts/mp-accounts.routes.js'
import { MpAccountService } from './mp-accounts/mp-accounts.service.js'
import { WechatClient } from '../platform/wechat/client.js'
import { registerStaffRoutes } from './staff/staff.routes.js'
import { StaffService } from './staff/staff.service.js'

export interface CoreDeps {
  config: Config
  log: Logger
  redis: Redis
}

export interface Routers {
  mp: ApiRouter
  admin: ApiRouter
}

/** Platform services shared by modules, built once per process. */
export function buildPlatform({ config, redis, log }: CoreDeps) {
  const jwt = new JwtService(config.jwt.secret, config.jwt.issuer, config.jwt.accessTtl)
  const cipher = PersonalDataCipher.fromConfig(config.data)
  const refresh = new RefreshTokens(config.jwt.refreshTtl)
  const rateLimits = new RateLimits(redis, config.redis.prefix)
  const audit = new AuditService()
  const staff = new StaffService({
    jwt,
    refresh,
    cipher,
    maxFailures: config.auth.maxFailures,
    lockMinutes: config.auth.lockMinutes,
  })
  const wechat = new WechatClient({
    baseUrl: config.wechat.baseUrl,
    appId: config.wechat.appId,
    appSecret: config.wechat.appSecret,
    redis,
    keyPrefix: `${config.redis.prefix}:`,
    logger: log.child({ component: 'wechat' }),
  })
  const enterprises = new EnterpriseService(cipher)
  const mpAccounts = new MpAccountService({ jwt, refresh, cipher, wechat, enterprises })
  return { jwt, cipher, refresh, rateLimits, audit, staff, wechat, enterprises, mpAccounts }
}

/** Composition root of the domain modules: builds their services and routers from the platform parts. */
export async function buildModules(deps: CoreDeps) {
  const p = buildPlatform(deps)
  const resolver = {
    admin: (claims: Parameters<StaffService['resolvePrincipal']>[0]) => p.staff.resolvePrincipal(claims),
    mp: (claims: Parameters<MpAccountService['resolvePrincipal']>[0]) => p.mpAccounts.resolvePrincipal(claims),
  }
  const guards: Guards = {
    authenticate: (aud) => authenticate(aud, p.jwt, resolver),
    permit: (perm) => requirePermission(perm),
    rateLimit: (policy) => p.rateLimits.middleware(policy),
  }
  const routers: Routers = { mp: new ApiRouter('/mp/v1', guards), admin: new ApiRouter('/admin/v1', guards) }

  await p.staff.seedRoles()
  registerStaffRoutes(routers, p.staff, p.audit)
  registerAuditRoutes(routers, p.audit)
  registerMpAccountRoutes(routers, p.mpAccounts)
  registerEnterpriseRoutes(routers, p.enterprises, p.audit)

  return {
    routers: [routers.mp, routers.admin],
    platform: p,
    async close() {},
  }
}
