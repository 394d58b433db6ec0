import { hash, verify } from '@node-rs/argon2'
import type { z } from 'zod'
import { TEMP_PASSWORD_HOURS, type AdminPrincipal } from '../../platform/auth.js'
import type { PersonalDataCipher } from '../../platform/crypto.js'
import { errors } from '../../platform/errors.js'
import { escapeRegex, findPage } from '../../platform/lists.js'
import type { AccessClaims, JwtService } from '../../platform/jwt.js'
import { PrincipalCache } from '../../platform/principal-cache.js'
import type { Redis } from 'ioredis'
import { ALL_PERMISSIONS, BUILTIN_ROLES, PERMISSIONS, type Permission } from '../../platform/permissions.js'
import type { RefreshTokens } from '../../platform/refresh-tokens.js'
import type { LoginGuard } from './login-guard.js'
import { assertStrongPassword } from './password-policy.js'
import type {
  RoleCreate,
  RoleUpdate,
  ThrottleListQuery,
  UserCreate,
  UserListQuery,
  UserUpdate,
} from './staff.contract.js'
import {
  AdminUserModel,
  LoginThrottleModel,
  RoleModel,
  type AdminUserDoc,
  type LoginThrottleDoc,
  type RoleDoc,
} from './staff.model.js'
import { staffErrors } from './staff.errors.js'
import { presentMe, presentRole, presentThrottle, presentUser } from './staff.presenter.js'

/** argon2id (Algorithm.Argon2id = 2; a const enum, unusable under verbatimModuleSyntax), OWASP's minimum. */
const ARGON = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 }
/** Verified against when the username is unknown, so a miss costs as long as a hit. */
let dummyHash: Promise<string> | undefined

export interface StaffDeps {
  jwt: JwtService
  refresh: RefreshTokens
  cipher: PersonalDataCipher
  guard: LoginGuard
  redis: Redis
  redisPrefix: string
}

/** What a console principal is built from, cached per process (see platform/principal-cache.ts). */
type PrincipalUser = Pick<
  AdminUserDoc,
  | '_id'
  | 'username'
  | 'roleIds'
  | 'stationId'
  | 'disabled'
  | 'tokenVersion'
  | 'mustChangePassword'
  | 'passwordExpiresAt'
> & { permissions: ReadonlySet<Permission>; isSuper: boolean }

const tempPasswordUntil = () => new Date(Date.now() + TEMP_PASSWORD_HOURS * 3600_000)

function tempPasswordExpired(u: Pick<AdminUserDoc, 'mustChangePassword' | 'passwordExpiresAt'>) {
  return !!u.mustChangePassword && !!u.passwordExpiresAt && u.passwordExpiresAt.getTime() <= Date.now()
}
const tempExpired = () => errors.tempPasswordExpired(TEMP_PASSWORD_HOURS)

/** Built-in role whose holders only other super administrators may manage. */
const SUPER_ROLE = 'super_admin'

export class StaffService {
  /** user id → the user's principal fields and permissions; current while the user's and the roles' epochs hold */
  private readonly principals: PrincipalCache<PrincipalUser>
  /** every role (a few dozen at most), current while the `roles` epoch holds */
  private readonly roles: PrincipalCache<Map<string, RoleDoc>>

  constructor(private readonly d: StaffDeps) {
    this.principals = new PrincipalCache(d.redis, d.redisPrefix)
    this.roles = new PrincipalCache(d.redis, d.redisPrefix, { max: 1 })
  }

  async seedRoles() {
    for (const r of BUILTIN_ROLES) {
      await RoleModel.updateOne(
        { key: r.key },
        { $set: { permissions: r.permissions, builtIn: true }, $setOnInsert: { name: r.name } },
        { upsert: true },
      )
    }
    // Permissions retired by a release leave custom roles too (files.read became per-purpose rules).
    await RoleModel.updateMany(
      { permissions: { $nin: ALL_PERMISSIONS } },
      { $pull: { permissions: { $nin: ALL_PERMISSIONS } } },
    )
  }

  // ── sign-in ────────────────────────────────────────────────────────────────
  /**
   * One answer for an unknown name and a wrong password (status, message, headers, timing); delays come
   * from the login guard, keyed by the typed name, so they do not tell the two apart either.
   */
  async login(username: string, password: string, ip: string) {
    await this.d.guard.check(username, ip)
    const user = await AdminUserModel.findOne({ username }).lean<AdminUserDoc>()
    dummyHash ??= hash('not-a-password', ARGON)
    const ok = await verify(user?.passwordHash ?? (await dummyHash), password).catch(() => false)
    if (!user || !ok) {
      await this.d.guard.failed(username, ip, user?._id.toHexString() ?? null)
      throw staffErrors.loginFailed()
    }
    // Only someone who knows the password learns these.
    if (user.disabled) throw staffErrors.accountDisabled()
    if (tempPasswordExpired(user)) throw tempExpired()
    await this.d.guard.succeeded(username, ip)
    await AdminUserModel.updateOne({ _id: user._id }, { $set: { lastLoginAt: new Date() } })
    return this.session(user, await this.d.refresh.issue('admin', user._id.toHexString()))
  }

  async refresh(token: string) {
    const rotated = await this.d.refresh.rotate('admin', token)
    if (!rotated) throw errors.refreshInvalid()
    const user = await AdminUserModel.findById(rotated.userId).lean<AdminUserDoc>()
    if (!user || user.disabled) throw errors.refreshInvalid()
    return this.session(user, rotated.refreshToken)
  }

  /** Logout ends this refresh family and every access token already issued to the user. */
  async logout(userId: string, refreshToken?: string) {
    if (refreshToken) await this.d.refresh.revokeFamilyOf(refreshToken)
    await AdminUserModel.updateOne({ _id: userId }, { $inc: { tokenVersion: 1 } })
  }

  private async session(user: AdminUserDoc, refreshToken: string) {
    const { token, expiresIn } = this.d.jwt.sign(user._id.toHexString(), 'admin', user.tokenVersion)
    const { roles, permissions } = await this.rolesOf(user)
    return { accessToken: token, expiresIn, refreshToken, user: presentMe(user, roles, permissions) }
  }

  /**
   * The caller of a console request: from this process's cache while the user's and the roles' epochs in
   * Redis are unchanged (one MGET), else from the database. The token version and the temporary password's
   * deadline are checked on every request, against the current copy.
   */
  async resolvePrincipal(claims: AccessClaims): Promise<AdminPrincipal | undefined> {
    const id = claims.sub
    const user = await this.principals.get(id, [`admin:${id}`, 'admin:*', 'roles'], async () => {
      const u = await AdminUserModel.findById(id, {
        username: 1,
        roleIds: 1,
        stationId: 1,
        disabled: 1,
        tokenVersion: 1,
        mustChangePassword: 1,
        passwordExpiresAt: 1,
      }).lean<AdminUserDoc>()
      if (!u) return undefined
      const { permissions, isSuper } = await this.rolesOf(u)
      return { ...u, permissions, isSuper }
    })
    if (!user || user.disabled || user.tokenVersion !== claims.ver) return undefined
    return {
      kind: 'admin',
      id: user._id.toHexString(),
      username: user.username,
      permissions: user.permissions,
      isSuper: user.isSuper,
      passwordChange: tempPasswordExpired(user) ? 'expired' : user.mustChangePassword ? 'required' : 'none',
      ...(user.stationId ? { stationId: user.stationId.toHexString() } : {}),
    }
  }

  private async rolesOf(user: Pick<AdminUserDoc, 'roleIds'>) {
    const all = await this.allRoles()
    const list = user.roleIds.flatMap((id) => all.get(id.toHexString()) ?? [])
    const roles = new Map(list.map((r) => [r._id.toHexString(), r]))
    const permissions = new Set(list.flatMap((r) => r.permissions as Permission[]))
    return { roles, permissions, isSuper: list.some((r) => r.key === SUPER_ROLE) }
  }

  async me(userId: string) {
    const user = await AdminUserModel.findById(userId).lean<AdminUserDoc>()
    if (!user) throw errors.notFound('用户')
    const { roles, permissions } = await this.rolesOf(user)
    return presentMe(user, roles, permissions)
  }

  async changePassword(userId: string, oldPassword: string, newPassword: string) {
    const user = await AdminUserModel.findById(userId).lean<AdminUserDoc>()
    if (!user) throw errors.notFound('用户')
    if (tempPasswordExpired(user)) throw tempExpired()
    if (!(await verify(user.passwordHash, oldPassword).catch(() => false)))
      throw errors.validation([{ path: 'oldPassword', message: '原密码不正确' }])
    await assertStrongPassword(newPassword, 'newPassword', [user.username, user.displayName])
    await AdminUserModel.updateOne(
      { _id: user._id },
      {
        $set: {
          passwordHash: await hash(newPassword, ARGON),
          mustChangePassword: false,
          passwordExpiresAt: null,
        },
        $inc: { tokenVersion: 1 },
      },
    )
    await this.d.refresh.revokeAll('admin', userId)
  }

  // ── users ──────────────────────────────────────────────────────────────────
  async listUsers(q: z.output<typeof UserListQuery>, viewer: AdminPrincipal) {
    const filter: Record<string, unknown> = {}
    if (q.q) filter.username = { $regex: `^${escapeRegex(q.q.toLowerCase())}` }
    if (q.roleId) filter.roleIds = q.roleId
    if (q.disabled !== undefined) filter.disabled = q.disabled
    const [{ docs, ...page }, roles] = await Promise.all([
      findPage<AdminUserDoc>(AdminUserModel, filter, q, { username: 1 }),
      this.allRoles(),
    ])
    const full = viewer.permissions.has('pii.read')
    const throttled = await this.d.guard.accountUntil(docs.map((u) => u.username))
    return {
      ...page,
      items: docs.map((u) => presentUser(u, roles, this.d.cipher, full, throttled.get(u.username))),
      fullPii: full,
    }
  }

  async createUser(input: z.output<typeof UserCreate>, actor: AdminPrincipal) {
    await this.assertGrantable(input.roleIds, actor)
    await assertStrongPassword(input.password, 'password', [input.username, input.displayName])
    const doc = await AdminUserModel.create({
      username: input.username,
      displayName: input.displayName,
      passwordHash: await hash(input.password, ARGON),
      roleIds: input.roleIds,
      stationId: input.stationId ?? null,
      phoneEnc: input.phone ? this.d.cipher.encrypt(input.phone) : null,
      mustChangePassword: true,
      passwordExpiresAt: tempPasswordUntil(),
    })
    return presentUser(doc.toObject() as AdminUserDoc, await this.allRoles(), this.d.cipher, false)
  }

  async updateUser(id: string, input: z.output<typeof UserUpdate>, actor: AdminPrincipal) {
    if (id === actor.id && (input.disabled || input.roleIds)) throw staffErrors.selfChange()
    const target = await this.assertManageable(id, actor)
    if (input.roleIds) await this.assertGrantable(input.roleIds, actor)
    const set: Record<string, unknown> = {}
    if (input.displayName !== undefined) set.displayName = input.displayName
    if (input.roleIds !== undefined) set.roleIds = input.roleIds
    if (input.stationId !== undefined) set.stationId = input.stationId
    if (input.phone !== undefined) set.phoneEnc = input.phone ? this.d.cipher.encrypt(input.phone) : null
    if (input.disabled !== undefined) set.disabled = input.disabled
    // Permissions or status changed: existing tokens must not keep the old powers.
    const bump = input.roleIds !== undefined || input.disabled === true
    // Guarded by the roles the check saw, so a promotion in between cannot slip under it.
    const user = await AdminUserModel.findOneAndUpdate(
      { _id: id, roleIds: target.roleIds },
      { $set: set, ...(bump ? { $inc: { tokenVersion: 1 } } : {}) },
      { new: true },
    ).lean<AdminUserDoc>()
    if (!user) throw changedMeanwhile()
    if (input.disabled) await this.d.refresh.revokeAll('admin', id)
    return {
      user: presentUser(user, await this.allRoles(), this.d.cipher, false),
      changed: Object.keys(input),
    }
  }

  async resetPassword(id: string, password: string, actor: AdminPrincipal) {
    const target = await this.assertManageable(id, actor)
    await assertStrongPassword(password, 'password', [target.username, target.displayName])
    const res = await AdminUserModel.updateOne(
      { _id: id, roleIds: target.roleIds },
      {
        $set: {
          passwordHash: await hash(password, ARGON),
          mustChangePassword: true,
          passwordExpiresAt: tempPasswordUntil(),
        },
        $inc: { tokenVersion: 1 },
      },
    )
    if (!res.matchedCount) throw changedMeanwhile()
    await this.d.refresh.revokeAll('admin', id)
    await this.d.guard.lift(target.username)
  }

  /**
   * Acting on a user needs more than users.manage: the target may hold no permission the actor lacks, and
   * super administrators are managed by super administrators only. Otherwise 403 TARGET_OUTRANKS.
   */
  private async assertManageable(id: string, actor: AdminPrincipal) {
    const target = await AdminUserModel.findById(id, {
      username: 1,
      displayName: 1,
      roleIds: 1,
    }).lean<Pick<AdminUserDoc, '_id' | 'username' | 'displayName' | 'roleIds'>>()
    if (!target) throw errors.notFound('用户')
    if (id === actor.id) return target
    const { permissions, isSuper } = await this.rolesOf(target)
    if (isSuper && !actor.isSuper)
      throw outranks(`「${target.username}」是超级管理员，只有超级管理员可以管理其账号`)
    const beyond = [...permissions].filter((p) => !actor.permissions.has(p))
    if (beyond.length)
      throw outranks(
        `「${target.username}」拥有您没有的权限（${beyond.map((p) => PERMISSIONS[p]).join('、')}），请让权限更高的管理员操作`,
        beyond,
      )
    return target
  }

  /** Throttled sign-in attempts of the last 30 days, newest first, for the console's user page. */
  async listThrottles(q: z.output<typeof ThrottleListQuery>) {
    const filter: Record<string, unknown> = {}
    if (q.active) Object.assign(filter, { until: { $gt: new Date() }, liftedAt: null })
    const { docs, ...page } = await findPage<LoginThrottleDoc>(LoginThrottleModel, filter, q, { at: -1 })
    return { ...page, items: docs.map(presentThrottle) }
  }

  async liftThrottle(username: string) {
    await this.d.guard.lift(username)
  }

  /** A role manager cannot hand out powers they do not hold themselves, nor the super administrator role. */
  private async assertGrantable(roleIds: string[], actor: AdminPrincipal) {
    const roles = await RoleModel.find({ _id: { $in: roleIds } }).lean<RoleDoc[]>()
    if (roles.length !== new Set(roleIds).size)
      throw errors.validation([{ path: 'roleIds', message: '包含不存在的角色' }])
    if (!actor.isSuper && roles.some((r) => r.key === SUPER_ROLE))
      throw staffErrors.grantRefused('只有超级管理员可以授予超级管理员角色', [SUPER_ROLE])
    this.assertPermissionsHeld(
      roles.flatMap((r) => r.permissions as Permission[]),
      actor,
    )
  }

  private assertPermissionsHeld(perms: Permission[], actor: AdminPrincipal) {
    const refused = [...new Set(perms.filter((p) => !actor.permissions.has(p)))]
    if (refused.length)
      throw staffErrors.grantRefused(
        `不能授予自己没有的权限：${refused.map((p) => PERMISSIONS[p]).join('、')}`,
        refused,
      )
  }

  // ── roles ──────────────────────────────────────────────────────────────────
  /** Every role by id, from the cache while the `roles` epoch holds (lists and principals read it). */
  private async allRoles() {
    const all = await this.roles.get('all', ['roles'], async () => {
      const list = await RoleModel.find().lean<RoleDoc[]>()
      return new Map(list.map((r) => [r._id.toHexString(), r]))
    })
    return all!
  }

  async listRoles() {
    const list = await RoleModel.find().sort({ builtIn: -1, createdAt: 1 }).lean<RoleDoc[]>()
    return { items: list.map(presentRole) }
  }

  async createRole(input: z.output<typeof RoleCreate>, actor: AdminPrincipal) {
    this.assertPermissionsHeld(input.permissions, actor)
    const doc = new RoleModel({ name: input.name, permissions: input.permissions })
    doc.key = `custom_${doc._id.toHexString()}`
    await doc.save()
    return presentRole(doc.toObject() as RoleDoc)
  }

  async updateRole(id: string, input: z.output<typeof RoleUpdate>, actor: AdminPrincipal) {
    const role = await RoleModel.findById(id).lean<RoleDoc>()
    if (!role) throw errors.notFound('角色')
    if (role.builtIn) throw staffErrors.roleBuiltIn('内置角色不可修改，请新建自定义角色')
    assertRoleWithin(role, actor)
    if (input.permissions) this.assertPermissionsHeld(input.permissions, actor)
    // Guarded by the permissions the check saw.
    const updated = await RoleModel.findOneAndUpdate(
      { _id: id, permissions: role.permissions },
      { $set: input },
      { new: true },
    ).lean<RoleDoc>()
    if (!updated) throw changedMeanwhile()
    // Holders' tokens carry no permissions, so the change applies on their next request.
    return presentRole(updated)
  }

  async deleteRole(id: string, actor: AdminPrincipal) {
    const role = await RoleModel.findById(id).lean<RoleDoc>()
    if (!role) throw errors.notFound('角色')
    if (role.builtIn) throw staffErrors.roleBuiltIn('内置角色不可删除')
    assertRoleWithin(role, actor)
    const holders = await AdminUserModel.countDocuments({ roleIds: role._id })
    if (holders) throw staffErrors.roleInUse(holders)
    await RoleModel.deleteOne({ _id: id })
  }

  /** Used by the create-admin command; `ifNone` makes it idempotent for the dev start script. */
  async createSuperAdmin(username: string, password: string, ifNone: boolean) {
    await this.seedRoles()
    if (ifNone && (await AdminUserModel.exists({}))) return undefined
    const role = await RoleModel.findOne({ key: 'super_admin' }).lean<RoleDoc>()
    const doc = await AdminUserModel.create({
      username,
      displayName: '超级管理员',
      passwordHash: await hash(password, ARGON),
      roleIds: [role!._id],
    })
    return doc._id.toHexString()
  }
}

/** A role holding a permission the actor lacks can be neither rewritten, renamed nor deleted by them. */
function assertRoleWithin(role: RoleDoc, actor: AdminPrincipal) {
  const beyond = (role.permissions as Permission[]).filter((p) => !actor.permissions.has(p))
  if (beyond.length)
    throw outranks(
      `角色「${role.name}」包含您没有的权限（${beyond.map((p) => PERMISSIONS[p]).join('、')}），不能修改或删除`,
      beyond,
    )
}

const outranks = staffErrors.outranks
const changedMeanwhile = staffErrors.changedMeanwhile
