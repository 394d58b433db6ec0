import { authenticate, requireEnterprise, requirePermission } from '../platform/auth.js'
import { buildCore, type CoreDeps } from '../platform/core.js'
import {
  buildModuleServices,
  type EndpointTablesOf,
  type ModuleDef,
  type Routers,
} from '../platform/modules.js'
import { ApiRouter, type Guards } from '../platform/routing.js'
import audit from './audit/audit.module.js'
import campaigns from './campaigns/campaigns.module.js'
import content from './content/content.module.js'
import enterprises from './enterprises/enterprises.module.js'
import files from './files/files.module.js'
import inbox from './inbox/inbox.module.js'
import interests from './interests/interests.module.js'
import mpAccounts from './mp-accounts/mp-accounts.module.js'
import notifications from './notifications/notifications.module.js'
import settings from './settings/settings.module.js'
import staff from './staff/staff.module.js'
import subscriptions from './subscriptions/subscriptions.module.js'
import system from './system/system.module.js'
import workbench from './workbench/workbench.module.js'
import claims from './claims/claims.module.js'
import stations from './stations/stations.module.js'
import trainings from './trainings/trainings.module.js'

export type { CoreDeps } from '../platform/core.js'
export type { Routers } from '../platform/modules.js'

/**
 * Every domain, in build order: a module may use the services of those above it. Adding a domain is its
 * folder (see modules/README.md) plus one line here; the api mounts its routes, the worker runs its tasks,
 * the mini-program types and the authorization matrix pick up its endpoints.
 */
export const MODULES = [
  system,
  audit,
  settings,
  staff,
  files,
  enterprises,
  mpAccounts,
  interests,
  subscriptions,
  notifications,
  inbox,
  content,
  campaigns,
  workbench,
  claims,
  stations,
  trainings,
] as const satisfies readonly ModuleDef[]

/** Every listed module's endpoint table (a union of tables): the mini-program types derive from it. */
export type EndpointTables = EndpointTablesOf<typeof MODULES>

/** Builds the core and every module's services: the same objects in api and worker. */
export async function buildServices(deps: CoreDeps) {
  const core = await buildCore(deps)
  const { ctx, services } = await buildModuleServices(core.core, MODULES)
  return {
    ...core,
    ctx,
    services,
    async close() {
      await Promise.all(MODULES.map((m) => (m as ModuleDef).close?.(services[m.name] as never)))
      await core.close()
    },
  }
}

/** Composition root of the HTTP side: guards, routers, each module's routes and start-up work. */
export async function buildModules(deps: CoreDeps) {
  const built = await buildServices(deps)
  const { core, services, ctx } = built
  const guards: Guards = {
    authenticate: (aud) =>
      authenticate(aud, core.jwt, {
        admin: (claims) => services.staff.resolvePrincipal(claims),
        mp: (claims) => services.mpAccounts.resolvePrincipal(claims),
      }),
    permit: (perm, whilePasswordChange) => requirePermission(perm, whilePasswordChange),
    enterprise: (level) => requireEnterprise(level),
    rateLimit: (policy) => core.rateLimits.middleware(policy),
  }
  const routers: Routers = { mp: new ApiRouter('/mp/v1', guards), admin: new ApiRouter('/admin/v1', guards) }
  for (const m of MODULES as readonly ModuleDef[]) {
    await m.init?.(services[m.name] as never, ctx)
    m.routes?.(routers, services[m.name] as never, ctx)
  }
  return {
    routers: [routers.mp, routers.admin],
    /** the core clients and every module's services, for the CLI and tests acting as an operator would */
    platform: { ...core, services },
    close: () => built.close(),
  }
}
