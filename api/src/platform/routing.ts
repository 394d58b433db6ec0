import Router from '@koa/router'
import type { Context, Middleware } from 'koa'
import type { AdminPrincipal, EnterpriseAccess, MpPrincipal } from './auth.js'
import type { Permission } from './permissions.js'
import type { RatePolicy } from './rate-limit.js'
import type { Readable } from 'node:stream'
import type { z } from 'zod'
import type { EndpointDef } from '../modules/endpoints.contract.js'
import { validate, type Input, type RequestSchemas } from './validate.js'

export type Access =
  | { audience: 'public' }
  /**
   * `enterprise`: the caller must be an active member ('member') or the administrator ('admin') of an
   * enterprise; 'verified-…' also needs the enterprise verified (403 ENTERPRISE_UNVERIFIED otherwise).
   */
  | { audience: 'mp'; enterprise?: EnterpriseAccess }
  /**
   * `permission: null` = any signed-in console user (their own profile, password).
   * `whilePasswordChange`: 'change' answers while a temporary password awaits its change, 'always' even
   * once it expired; every other console route answers 403 PASSWORD_CHANGE_REQUIRED meanwhile.
   */
  | { audience: 'admin'; permission: Permission | null; whilePasswordChange?: 'change' | 'always' }

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** What every route declares; the authorization matrix test is generated from these. */
export interface RouteInfo {
  method: Method
  path: string
  access: Access
  rateLimit?: RatePolicy
  /** what `validate` parses: the message test walks every one of them */
  schemas?: RequestSchemas
  /** the contract's declaration, for routes registered from one */
  endpoint?: EndpointDef
}

export type RouteContext<S extends RequestSchemas, U> = Context & { state: { input: Input<S>; user: U } }
type Handler<S extends RequestSchemas, U> = (ctx: RouteContext<S, U>) => Promise<unknown> | unknown

interface Options<S extends RequestSchemas> {
  schemas?: S
  rateLimit?: RatePolicy
}
interface AdminOptions<S extends RequestSchemas> extends Options<S> {
  whilePasswordChange?: 'change' | 'always'
}
interface MpOptions<S extends RequestSchemas> extends Options<S> {
  enterprise?: EnterpriseAccess
}

/** The request schemas an endpoint declares, as `validate` takes them. */
type SchemasOf<E extends EndpointDef> = {
  [K in 'params' | 'query' | 'body' as E[K] extends z.ZodType ? K : never]: E[K]
}
/**
 * What a handler must return for its endpoint: the response schema's output, nothing for 204, a stream or
 * a buffer (a workbook built in memory) for files.
 */
export type HandlerResult<E extends EndpointDef> = E['response'] extends z.ZodType
  ? z.output<E['response']>
  : E['response'] extends 'file'
    ? Readable | Buffer
    : void
type EndpointHandler<E extends EndpointDef, U> = (
  ctx: RouteContext<SchemasOf<E>, U>,
) => Promise<HandlerResult<E>> | HandlerResult<E>

/** Guards the ApiRouter needs from the app; injected so modules stay free of wiring. */
export interface Guards {
  authenticate(audience: 'mp' | 'admin'): Middleware
  permit(permission: Permission | null, whilePasswordChange?: 'change' | 'always'): Middleware
  enterprise(level: EnterpriseAccess): Middleware
  rateLimit(policy: RatePolicy): Middleware
}

/**
 * A thin layer over @koa/router: each route says who may call it (and is refused registration otherwise),
 * its schemas and rate policy; the handler's return value is the response body.
 * Order: rate limit (anonymous) → authenticate → permission or enterprise role → rate limit (per user) → validate → handler.
 */
export class ApiRouter {
  readonly router: Router
  readonly routes: RouteInfo[] = []

  constructor(
    readonly prefix: string,
    private readonly guards: Guards,
  ) {
    this.router = new Router({ prefix })
  }

  public<S extends RequestSchemas>(
    method: Method,
    path: string,
    opts: Options<S>,
    handler: Handler<S, undefined>,
  ) {
    this.add(method, path, { audience: 'public' }, opts, handler)
  }

  mp<S extends RequestSchemas>(
    method: Method,
    path: string,
    opts: MpOptions<S>,
    handler: Handler<S, MpPrincipal>,
  ) {
    this.add(
      method,
      path,
      { audience: 'mp', ...(opts.enterprise ? { enterprise: opts.enterprise } : {}) },
      opts,
      handler,
    )
  }

  admin<S extends RequestSchemas>(
    method: Method,
    path: string,
    permission: Permission | null,
    opts: AdminOptions<S>,
    handler: Handler<S, AdminPrincipal>,
  ) {
    const access: Access = {
      audience: 'admin',
      permission,
      ...(opts.whilePasswordChange ? { whilePasswordChange: opts.whilePasswordChange } : {}),
    }
    this.add(method, path, access, opts, handler)
  }

  /**
   * Registers a route from its contract's endpoint declaration: path and schemas come from the contract, the
   * handler's return value is checked by tsc against the declared response, and the declared status is set.
   */
  endpoint<E extends EndpointDef>(
    e: E,
    access: { audience: 'public'; rateLimit?: RatePolicy },
    handler: EndpointHandler<E, undefined>,
  ): void
  endpoint<E extends EndpointDef>(
    e: E,
    access: { audience: 'mp'; enterprise?: EnterpriseAccess; rateLimit?: RatePolicy },
    handler: EndpointHandler<E, MpPrincipal>,
  ): void
  endpoint<E extends EndpointDef>(
    e: E,
    access: {
      audience: 'admin'
      permission: Permission | null
      whilePasswordChange?: 'change' | 'always'
      rateLimit?: RatePolicy
    },
    handler: EndpointHandler<E, AdminPrincipal>,
  ): void
  endpoint(
    e: EndpointDef,
    access: Access & { rateLimit?: RatePolicy },
    // The overloads type the handler; here it is only called.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    handler: (ctx: any) => unknown,
  ) {
    if (!e.path.startsWith(`${this.prefix}/`))
      throw new Error(`${e.method.toUpperCase()} ${e.path} is not under ${this.prefix}`)
    const schemas: RequestSchemas = {
      ...(e.params ? { params: e.params } : {}),
      ...(e.query ? { query: e.query } : {}),
      ...(e.body ? { body: e.body } : {}),
    }
    const { rateLimit, ...declared } = access
    const status = e.status ?? (e.response === null ? 204 : 200)
    this.add(
      e.method,
      e.path.slice(this.prefix.length),
      declared,
      { schemas, ...(rateLimit ? { rateLimit } : {}) },
      async (ctx) => {
        const body = await handler(ctx)
        if (status !== 200) ctx.status = status
        return body
      },
      e,
    )
  }

  private add<S extends RequestSchemas, U>(
    method: Method,
    path: string,
    access: Access,
    opts: Options<S>,
    handler: Handler<S, U>,
    endpoint?: EndpointDef,
  ) {
    const chain: Middleware[] = []
    if (access.audience === 'public' && opts.rateLimit) chain.push(this.guards.rateLimit(opts.rateLimit))
    if (access.audience !== 'public') chain.push(this.guards.authenticate(access.audience))
    if (access.audience === 'admin')
      chain.push(this.guards.permit(access.permission, access.whilePasswordChange))
    if (access.audience === 'mp' && access.enterprise) chain.push(this.guards.enterprise(access.enterprise))
    if (access.audience !== 'public' && opts.rateLimit) chain.push(this.guards.rateLimit(opts.rateLimit))
    chain.push(validate(opts.schemas ?? {}))
    chain.push(async (ctx) => {
      const body = await handler(ctx as RouteContext<S, U>)
      if (body !== undefined) ctx.body = body
      else if (ctx.body === undefined) ctx.status = 204
    })
    this.router[method](path, ...chain)
    this.routes.push({
      method,
      path: this.prefix + path,
      access,
      ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
      ...(opts.schemas ? { schemas: opts.schemas } : {}),
      ...(endpoint ? { endpoint } : {}),
    })
  }
}
