import { mask, type PersonalDataCipher } from '../../platform/crypto.js'
import type { Permission } from '../../platform/permissions.js'
import type { LoginThrottleOutput, MeOutput, RoleOutput, UserOutput } from './staff.contract.js'
import type { AdminUserDoc, LoginThrottleDoc, RoleDoc } from './staff.model.js'
import { iso } from '../../platform/time.js'

export function presentRole(r: RoleDoc): RoleOutput {
  return {
    id: r._id.toHexString(),
    key: r.key,
    name: r.name,
    permissions: r.permissions as Permission[],
    builtIn: r.builtIn,
  }
}

function roleRefs(u: AdminUserDoc, roles: Map<string, RoleDoc>) {
  return u.roleIds
    .map((id) => roles.get(id.toHexString()))
    .filter((r): r is RoleDoc => !!r)
    .map((r) => ({ id: r._id.toHexString(), key: r.key, name: r.name }))
}

export function presentMe(
  u: AdminUserDoc,
  roles: Map<string, RoleDoc>,
  permissions: ReadonlySet<Permission>,
): MeOutput {
  return {
    id: u._id.toHexString(),
    username: u.username,
    displayName: u.displayName,
    roles: roleRefs(u, roles),
    permissions: [...permissions].sort(),
    stationId: u.stationId ? u.stationId.toHexString() : null,
    mustChangePassword: u.mustChangePassword,
    passwordExpiresAt: u.mustChangePassword ? iso(u.passwordExpiresAt) : null,
  }
}

/** Phone is shown in full only to viewers holding pii.read (and that view is audited by the caller). */
export function presentUser(
  u: AdminUserDoc,
  roles: Map<string, RoleDoc>,
  cipher: PersonalDataCipher,
  fullPii: boolean,
  throttledUntil?: Date,
): UserOutput {
  const phone = u.phoneEnc ? cipher.decrypt(u.phoneEnc) : null
  return {
    id: u._id.toHexString(),
    username: u.username,
    displayName: u.displayName,
    roles: roleRefs(u, roles),
    stationId: u.stationId ? u.stationId.toHexString() : null,
    phone: phone === null ? null : fullPii ? phone : mask.phone(phone),
    disabled: u.disabled,
    throttledUntil: iso(throttledUntil),
    lastLoginAt: iso(u.lastLoginAt),
    createdAt: iso((u as unknown as { createdAt: Date }).createdAt),
  }
}

export function presentThrottle(t: LoginThrottleDoc): LoginThrottleOutput {
  return {
    id: t._id.toHexString(),
    username: t.username,
    userId: t.userId ? t.userId.toHexString() : null,
    ip: t.ip,
    scope: t.scope,
    failures: t.failures,
    at: iso(t.at),
    until: iso(t.until),
    active: !t.liftedAt && t.until > new Date(),
    liftedAt: iso(t.liftedAt),
  }
}
