import type { Queue } from 'bull'
import type { Redis } from 'ioredis'
import type { z } from 'zod'
import type { EndpointDef } from '../modules/endpoints.contract.js'
import type { Config } from './config.js'
import type { PersonalDataCipher } from './crypto.js'
import type { JwtService } from './jwt.js'
import type { Logger } from './logger.js'
import type { RateLimits } from './rate-limit.js'
import type { RefreshTokens } from './refresh-tokens.js'
import type { ApiRouter } from './routing.js'
import type { Storage } from './storage/index.js'
import type { TaskDef } from './tasks.js'
import type { WechatClient } from './wechat/client.js'

/** The two audiences' routers every module mounts its routes on. */
export interface Routers {
  mp: ApiRouter
  admin: ApiRouter
}

/** What the platform builds before any module: shared clients and keys, the same in api and worker. */
export interface Core {
  config: Config
  log: Logger
  redis: Redis
  jwt: JwtService
  cipher: PersonalDataCipher
  refresh: RefreshTokens
  rateLimits: RateLimits
  wechat: WechatClient
  storage: Storage
  /** The bull queue of this name, opened once per process (producers and consumers alike). */
  queue(name: string): Queue
}

/**
 * Each module's services by its name. Every `<domain>.module.ts` adds its own entry with
 * `declare module '../../platform/modules.js' { interface Services { inbox: InboxService } }`, so a module
 * built later in the list reads an earlier one's services typed, and nothing lists them twice.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface Services {}

export interface BuildContext extends Core {
  /** the services of the modules before this one in the list; reading a later one throws at start-up */
  services: Services
}

/**
 * One domain, as the api and the worker see it: how to build its services, its routes, its tasks (with the
 * services as their dependencies) and its endpoint table (for the generated mini-program types).
 * Adding a domain is its folder plus one line in `modules/index.ts`.
 */
export interface ModuleDef<N extends keyof Services = keyof Services> {
  name: N
  /** every endpoint it serves, declared in its contract */
  endpoints?: Readonly<Record<string, EndpointDef>>
  build(ctx: BuildContext): Services[N] | Promise<Services[N]>
  /** runs once when an api process starts, after every module is built (seeding, say) */
  init?(services: Services[N], ctx: BuildContext): Promise<void>
  routes?(routers: Routers, services: Services[N], ctx: BuildContext): void
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each task's own payload type
  tasks?: readonly TaskDef<z.ZodType<any>, Services[N]>[]
  /** closes what `build` opened */
  close?(services: Services[N]): Promise<void>
}

/** Keeps the module's literal endpoint table, so the mini-program types can be derived from the list. */
export function defineModule<
  N extends keyof Services,
  const E extends Readonly<Record<string, EndpointDef>> = Record<never, EndpointDef>,
>(m: ModuleDef<N> & { endpoints?: E }): ModuleDef<N> & { endpoints?: E } {
  return m
}

/**
 * Every endpoint table of a list of modules, as a union of tables: tables reuse keys (`list`, `get`), so
 * merging them would lose entries. Consumers pick declarations by path (the mini-program types) or take
 * them directly (the test client).
 */
export type EndpointTablesOf<L extends readonly { endpoints?: unknown }[]> = NonNullable<
  L[number]['endpoints']
>
/** Builds every module in list order; `services` lets later modules read earlier ones. */
export async function buildModuleServices(core: Core, list: readonly ModuleDef[]) {
  const built: Partial<Services> = {}
  const services = new Proxy(built as Services, {
    get(target, name: string) {
      if (!(name in target))
        throw new Error(`module "${name}" is used before it is built: move it up the list`)
      return target[name as keyof Services]
    },
  })
  const ctx: BuildContext = { ...core, services }
  for (const m of list) {
    if (m.name in built) throw new Error(`module "${m.name}" is listed twice`)
    ;(built as Record<string, unknown>)[m.name] = await m.build(ctx)
  }
  return { ctx, services }
}
