import type { Middleware } from 'koa'
import { errors } from './errors.js'
import type { AccessClaims, Audience, JwtService } from './jwt.js'
import type { Permission } from './permissions.js'

export interface AdminPrincipal {
  kind: 'admin'
  id: string
  username: string
  permissions: ReadonlySet<Permission>
  /** Set for station staff: every station route filters by it. */
  stationId?: string
}

export interface MpPrincipal {
  kind: 'mp'
  id: string
  openid: string
  enterpriseId?: string
  enterpriseRole?: 'admin' | 'member'
}

/** Loads the current principal for verified claims; undefined when the account is gone, disabled or the token version is stale. */
export interface PrincipalResolver {
  admin(claims: AccessClaims): Promise<AdminPrincipal | undefined>
  mp(claims: AccessClaims): Promise<MpPrincipal | undefined>
}

export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9\-_.]+)$/.exec(header ?? '')
  return m?.[1]
}

export function authenticate(aud: Audience, jwt: JwtService, resolver: PrincipalResolver): Middleware {
  return async (ctx, next) => {
    const token = bearer(ctx.get('authorization'))
    if (!token) throw errors.unauthorized('请先登录')
    const claims = jwt.verify(token, aud)
    if (!claims) throw errors.unauthorized('登录已失效，请重新登录', 'TOKEN_INVALID')
    const principal = aud === 'admin' ? await resolver.admin(claims) : await resolver.mp(claims)
    if (!principal) throw errors.unauthorized('登录已失效，请重新登录', 'TOKEN_INVALID')
    ctx.state.user = principal
    ctx.state.log = ctx.state.log?.child({ user: principal.id })
    await next()
  }
}

export function requirePermission(permission: Permission | null): Middleware {
  return async (ctx, next) => {
    const user = ctx.state.user as AdminPrincipal
    if (permission && !user.permissions.has(permission)) {
      throw errors.forbidden('没有权限执行此操作', { missing: [permission] })
    }
    await next()
  }
}

/** Mini-program routes that act for an enterprise: an active membership, or its administrator role. */
export function requireEnterprise(level: 'member' | 'admin'): Middleware {
  return async (ctx, next) => {
    const user = ctx.state.user as MpPrincipal
    if (!user.enterpriseId) throw errors.forbidden('请先绑定企业并通过审核', undefined, 'ENTERPRISE_REQUIRED')
    if (level === 'admin' && user.enterpriseRole !== 'admin')
      throw errors.forbidden('只有企业管理员可以执行此操作', undefined, 'NOT_ENTERPRISE_ADMIN')
    await next()
  }
}
