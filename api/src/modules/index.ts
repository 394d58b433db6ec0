import type { Redis } from 'ioredis'
import { authenticate, requireEnterprise, requirePermission } from '../platform/auth.js'
import type { Config } from '../platform/config.js'
import { PersonalDataCipher } from '../platform/crypto.js'
import { JwtService } from '../platform/jwt.js'
import type { Logger } from '../platform/logger.js'
import { bullCampaignQueue, openQueue, QUEUES } from '../platform/queues.js'
import { RateLimits } from '../platform/rate-limit.js'
import { RefreshTokens } from '../platform/refresh-tokens.js'
import { ApiRouter, type Guards } from '../platform/routing.js'
import { createStorage } from '../platform/storage/index.js'
import { WechatClient } from '../platform/wechat/client.js'
import { registerAuditRoutes } from './audit/audit.routes.js'
import { AuditService } from './audit/audit.service.js'
import { CampaignDelivery } from './campaigns/campaigns.delivery.js'
import { registerCampaignRoutes } from './campaigns/campaigns.routes.js'
import { CampaignService } from './campaigns/campaigns.service.js'
import { queueScheduler } from './content/content.jobs.js'
import { registerContentRoutes } from './content/content.routes.js'
import { createContentService } from './content/content.service.js'
import { PushStats } from './campaigns/campaigns.stats.js'
import { registerEnterpriseRoutes } from './enterprises/enterprises.routes.js'
import { EnterpriseService } from './enterprises/enterprises.service.js'
import { registerFilesRoutes } from './files/files.routes.js'
import { createFilesService } from './files/files.service.js'
import { registerInboxRoutes } from './inbox/inbox.routes.js'
import { InboxService } from './inbox/inbox.service.js'
import { registerInterestRoutes } from './interests/interests.routes.js'
import { InterestService } from './interests/interests.service.js'
import { registerMpAccountRoutes } from './mp-accounts/mp-accounts.routes.js'
import { MpAccountService } from './mp-accounts/mp-accounts.service.js'
import { registerSettingsRoutes } from './settings/settings.routes.js'
import { SettingsService } from './settings/settings.service.js'
import { registerStaffRoutes } from './staff/staff.routes.js'
import { LoginGuard } from './staff/login-guard.js'
import { StaffService } from './staff/staff.service.js'
import { registerSubscriptionRoutes } from './subscriptions/subscriptions.routes.js'
import { SubscriptionService } from './subscriptions/subscriptions.service.js'
import { registerWorkbenchRoutes } from './workbench/workbench.routes.js'
import { WorkbenchService } from './workbench/workbench.service.js'

export interface CoreDeps {
  config: Config
  log: Logger
  redis: Redis
}

export interface Routers {
  mp: ApiRouter
  admin: ApiRouter
}

/**
 * Every service of the system, built once per process. The api mounts routes on them; the worker runs
 * their jobs with the very same objects, so rules live in one place.
 */
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
    guard: new LoginGuard({
      redis,
      prefix: config.redis.prefix,
      maxFailures: config.auth.maxFailures,
      maxDelayMinutes: config.auth.lockMinutes,
      sprayFailures: config.auth.sprayFailures,
      log: log.child({ component: 'login-guard' }),
    }),
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
  const interests = new InterestService(enterprises)
  const settings = new SettingsService()
  const subscriptions = new SubscriptionService(async () => [(await settings.push()).templateId])
  const inbox = new InboxService()
  const pushQueue = openQueue(QUEUES.push, config.redis.url, config.redis.prefix)
  const systemQueue = openQueue(QUEUES.system, config.redis.url, config.redis.prefix)
  const content = createContentService({
    wechat,
    secCheckOpenid: config.wechat.secCheckOpenid || undefined,
    audienceOf: (userId) => interests.audienceOf(userId),
    scheduler: queueScheduler(systemQueue),
    log,
  })
  const campaigns = new CampaignService({
    content,
    settings,
    subscriptions,
    queue: bullCampaignQueue(pushQueue, config.push),
    log,
  })
  const delivery = new CampaignDelivery({
    campaigns,
    subscriptions,
    settings,
    wechat,
    redis,
    prefix: config.redis.prefix,
    sendsPerSecond: config.wechat.sendsPerSecond,
    concurrency: config.wechat.sendConcurrency,
    log: log.child({ component: 'delivery' }),
  })
  const pushStats = new PushStats(settings)
  return {
    jwt,
    cipher,
    refresh,
    rateLimits,
    audit,
    staff,
    wechat,
    enterprises,
    mpAccounts,
    interests,
    settings,
    subscriptions,
    inbox,
    campaigns,
    delivery,
    pushStats,
    content,
    pushQueue,
    systemQueue,
    async close() {
      await Promise.all([pushQueue.close(), systemQueue.close(), wechat.close()])
    },
  }
}
export type Platform = ReturnType<typeof buildPlatform>

/** Composition root of the HTTP side: guards, routers, and every module's routes. */
export async function buildModules(deps: CoreDeps) {
  const p = buildPlatform(deps)
  const guards: Guards = {
    authenticate: (aud) =>
      authenticate(aud, p.jwt, {
        admin: (claims) => p.staff.resolvePrincipal(claims),
        mp: (claims) => p.mpAccounts.resolvePrincipal(claims),
      }),
    permit: (perm, whilePasswordChange) => requirePermission(perm, whilePasswordChange),
    enterprise: (level) => requireEnterprise(level),
    rateLimit: (policy) => p.rateLimits.middleware(policy),
  }
  const routers: Routers = { mp: new ApiRouter('/mp/v1', guards), admin: new ApiRouter('/admin/v1', guards) }

  await p.staff.seedRoles()
  registerStaffRoutes(routers, p.staff, p.audit)
  registerAuditRoutes(routers, p.audit)
  registerMpAccountRoutes(routers, p.mpAccounts)
  // Storage is async to build (the S3 SDK loads only when configured), hence here and not in buildPlatform.
  const files = createFilesService({
    storage: await createStorage(deps.config.storage),
    maxBytes: deps.config.storage.maxBytes,
    log: deps.log,
  })
  registerFilesRoutes(routers, files, p.audit)
  registerEnterpriseRoutes(routers, p.enterprises, p.audit, files)
  registerInterestRoutes(routers, p.interests)
  registerSettingsRoutes(routers, p.settings, p.audit)
  registerSubscriptionRoutes(routers, p.subscriptions)
  registerInboxRoutes(routers, p.inbox)
  registerContentRoutes(routers, p.content, p.audit, files)
  registerCampaignRoutes(routers, p.campaigns, p.pushStats, p.audit)
  registerWorkbenchRoutes(routers, new WorkbenchService(p.pushStats))

  return {
    routers: [routers.mp, routers.admin],
    platform: { ...p, files },
    close: () => p.close(),
  }
}
