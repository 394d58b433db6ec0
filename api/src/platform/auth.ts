import type { Middleware } from 'koa'
import { errors } from './errors.js'
import type { AccessClaims, Audience, JwtService } from './jwt.js'
import type { Permission } from './permissions.js'

/** How long a temporary password (set at creation or by a reset) works: to sign in and change it. */
export const TEMP_PASSWORD_HOURS = 72

export interface AdminPrincipal {
  kind: 'admin'
  id: string
  username: string
  permissions: ReadonlySet<Permission>
  /** holds the super administrator role: only such users may manage one another */
  isSuper: boolean
  /** a temporary password must be changed first ('required'), or has outlived its 72 hours ('expired') */
  passwordChange: 'none' | 'required' | 'expired'
  /** Set for station staff: every station route filters by it. */
  stationId?: string
}

export interface MpPrincipal {
  kind: 'mp'
  id: string
  openid: string
  enterpriseId?: string
  enterpriseRole?: 'admin' | 'member'
  /** The enterprise's administrator has been verified by a reviewer (false without an enterprise). */
  enterpriseVerified: boolean
}

/**
 * What a mini-program route needs of the caller's enterprise: an active membership or the administrator
 * role; the `verified-` forms also need a verified enterprise (actions taken in its name).
 * `verified-or-individual`: a person without an enterprise acts for themselves; one with an enterprise
 * acts in its name, so it must be verified (booking a station's consultation).
 */
export type EnterpriseAccess = 'member' | 'admin' | 'verified-member' | 'verified-admin' | 'verified-or-individual'

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
    if (!claims) throw errors.tokenInvalid()
    const principal = aud === 'admin' ? await resolver.admin(claims) : await resolver.mp(claims)
    if (!principal) throw errors.tokenInvalid()
    // The request's logger, made on first use, binds the caller from here on (platform/app.ts).
    ctx.state.user = principal
    await next()
  }
}

/**
 * The permission check, after the password check: while a temporary password is unchanged only the routes
 * declared `whilePasswordChange` (GET /me, changing it, logout) answer; an expired one leaves /me and logout.
 */
export function requirePermission(
  permission: Permission | null,
  whilePasswordChange: 'none' | 'change' | 'always' = 'none',
): Middleware {
  return async (ctx, next) => {
    const user = ctx.state.user as AdminPrincipal
    if (user.passwordChange === 'expired' && whilePasswordChange !== 'always')
      throw errors.tempPasswordExpired(TEMP_PASSWORD_HOURS)
    if (user.passwordChange === 'required' && whilePasswordChange === 'none')
      throw errors.passwordChangeRequired()
    if (permission && !user.permissions.has(permission)) {
      throw errors.forbidden('没有权限执行此操作', { missing: [permission] })
    }
    await next()
  }
}

/** Mini-program routes that act for an enterprise: an active membership, or its administrator role. */
export function requireEnterprise(level: EnterpriseAccess): Middleware {
  const admin = level === 'admin' || level === 'verified-admin'
  const verified = level === 'verified-member' || level === 'verified-admin' || level === 'verified-or-individual'
  return async (ctx, next) => {
    const user = ctx.state.user as MpPrincipal
    if (!user.enterpriseId) {
      if (level === 'verified-or-individual') return next()
      throw errors.enterpriseRequired()
    }
    if (admin && user.enterpriseRole !== 'admin') throw errors.notEnterpriseAdmin()
    if (verified && !user.enterpriseVerified) throw errors.enterpriseUnverified()
    await next()
  }
}
