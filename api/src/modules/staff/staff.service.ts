import { hash, verify } from '@node-rs/argon2'
import type { z } from 'zod'
import type { AdminPrincipal } from '../../platform/auth.js'
import type { PersonalDataCipher } from '../../platform/crypto.js'
import { errors } from '../../platform/errors.js'
import { escapeRegex, findPage } from '../../platform/lists.js'
import type { AccessClaims, JwtService } from '../../platform/jwt.js'
import { BUILTIN_ROLES, PERMISSIONS, type Permission } from '../../platform/permissions.js'
import type { RefreshTokens } from '../../platform/refresh-tokens.js'
import type { RoleCreate, RoleUpdate, UserCreate, UserListQuery, UserUpdate } from './staff.contract.js'
import { AdminUserModel, RoleModel, type AdminUserDoc, type RoleDoc } from './staff.model.js'
import { presentMe, presentRole, presentUser } from './staff.presenter.js'

/** argon2id (Algorithm.Argon2id = 2; a const enum, unusable under verbatimModuleSyntax), OWASP's minimum. */
const ARGON = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 }
/** Verified against when the username is unknown, so a miss costs as long as a hit. */
let dummyHash: Promise<string> | undefined

export interface StaffDeps {
  jwt: JwtService
  refresh: RefreshTokens
  cipher: PersonalDataCipher
  maxFailures: number
  lockMinutes: number
}

export class StaffService {
  constructor(private readonly d: StaffDeps) {}

  async seedRoles() {
    for (const r of BUILTIN_ROLES) {
      await RoleModel.updateOne(
        { key: r.key },
        { $set: { permissions: r.permissions, builtIn: true }, $setOnInsert: { name: r.name } },
        { upsert: true },
      )
    }
  }

  // ── sign-in ────────────────────────────────────────────────────────────────
  async login(username: string, password: string) {
    const user = await AdminUserModel.findOne({ username }).lean<AdminUserDoc>()
    if (!user) {
      dummyHash ??= hash('not-a-password', ARGON)
      await verify(await dummyHash, password).catch(() => false)
      throw errors.unauthorized('用户名或密码错误', 'LOGIN_FAILED')
    }
    if (user.lockedUntil && user.lockedUntil > new Date()) {
      const secs = Math.ceil((user.lockedUntil.getTime() - Date.now()) / 1000)
      throw errors.locked(
        `密码错误次数过多，账号已锁定，请 ${Math.ceil(secs / 60)} 分钟后再试或联系管理员解锁`,
        secs,
      )
    }
    if (user.disabled) throw errors.forbidden('账号已停用，请联系管理员', undefined, 'ACCOUNT_DISABLED')
    if (!(await verify(user.passwordHash, password).catch(() => false))) {
      const failed = await AdminUserModel.findOneAndUpdate(
        { _id: user._id },
        { $inc: { failedLogins: 1 } },
        { new: true },
      ).lean()
      const left = this.d.maxFailures - (failed?.failedLogins ?? 0)
      if (left <= 0) {
        await AdminUserModel.updateOne(
          { _id: user._id },
          { $set: { lockedUntil: new Date(Date.now() + this.d.lockMinutes * 60_000), failedLogins: 0 } },
        )
        throw errors.locked(
          `密码错误次数过多，账号已锁定 ${this.d.lockMinutes} 分钟`,
          this.d.lockMinutes * 60,
        )
      }
      throw errors.unauthorized(`用户名或密码错误，再错 ${left} 次账号将被锁定`, 'LOGIN_FAILED')
    }
    await AdminUserModel.updateOne(
      { _id: user._id },
      { $set: { failedLogins: 0, lockedUntil: null, lastLoginAt: new Date() } },
    )
    return this.session(user, await this.d.refresh.issue('admin', user._id.toHexString()))
  }

  async refresh(token: string) {
    const rotated = await this.d.refresh.rotate('admin', token)
    if (!rotated) throw errors.unauthorized('登录已过期，请重新登录', 'REFRESH_INVALID')
    const user = await AdminUserModel.findById(rotated.userId).lean<AdminUserDoc>()
    if (!user || user.disabled) throw errors.unauthorized('登录已过期，请重新登录', 'REFRESH_INVALID')
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

  async resolvePrincipal(claims: AccessClaims): Promise<AdminPrincipal | undefined> {
    const user = await AdminUserModel.findById(claims.sub, {
      username: 1,
      roleIds: 1,
      stationId: 1,
      disabled: 1,
      tokenVersion: 1,
    }).lean<AdminUserDoc>()
    if (!user || user.disabled || user.tokenVersion !== claims.ver) return undefined
    const { permissions } = await this.rolesOf(user)
    return {
      kind: 'admin',
      id: user._id.toHexString(),
      username: user.username,
      permissions,
      ...(user.stationId ? { stationId: user.stationId.toHexString() } : {}),
    }
  }

  private async rolesOf(user: Pick<AdminUserDoc, 'roleIds'>) {
    const list = user.roleIds.length
      ? await RoleModel.find({ _id: { $in: user.roleIds } }).lean<RoleDoc[]>()
      : []
    const roles = new Map(list.map((r) => [r._id.toHexString(), r]))
    const permissions = new Set(list.flatMap((r) => r.permissions as Permission[]))
    return { roles, permissions }
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
    if (!(await verify(user.passwordHash, oldPassword).catch(() => false)))
      throw errors.validation([{ path: 'oldPassword', message: '原密码不正确' }])
    await AdminUserModel.updateOne(
      { _id: user._id },
      {
        $set: { passwordHash: await hash(newPassword, ARGON), mustChangePassword: false },
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
    return { ...page, items: docs.map((u) => presentUser(u, roles, this.d.cipher, full)), fullPii: full }
  }

  async createUser(input: z.output<typeof UserCreate>, actor: AdminPrincipal) {
    await this.assertGrantable(input.roleIds, actor)
    const doc = await AdminUserModel.create({
      username: input.username,
      displayName: input.displayName,
      passwordHash: await hash(input.password, ARGON),
      roleIds: input.roleIds,
      stationId: input.stationId ?? null,
      phoneEnc: input.phone ? this.d.cipher.encrypt(input.phone) : null,
      mustChangePassword: true,
    })
    return presentUser(doc.toObject() as AdminUserDoc, await this.allRoles(), this.d.cipher, false)
  }

  async updateUser(id: string, input: z.output<typeof UserUpdate>, actor: AdminPrincipal) {
    if (input.roleIds) await this.assertGrantable(input.roleIds, actor)
    if (id === actor.id && (input.disabled || input.roleIds))
      throw errors.badRequest('SELF_CHANGE_FORBIDDEN', '不能停用自己或修改自己的角色，请让其他管理员操作')
    const set: Record<string, unknown> = {}
    if (input.displayName !== undefined) set.displayName = input.displayName
    if (input.roleIds !== undefined) set.roleIds = input.roleIds
    if (input.stationId !== undefined) set.stationId = input.stationId
    if (input.phone !== undefined) set.phoneEnc = input.phone ? this.d.cipher.encrypt(input.phone) : null
    if (input.disabled !== undefined) set.disabled = input.disabled
    // Permissions or status changed: existing tokens must not keep the old powers.
    const bump = input.roleIds !== undefined || input.disabled === true
    const user = await AdminUserModel.findOneAndUpdate(
      { _id: id },
      { $set: set, ...(bump ? { $inc: { tokenVersion: 1 } } : {}) },
      { new: true },
    ).lean<AdminUserDoc>()
    if (!user) throw errors.notFound('用户')
    if (input.disabled) await this.d.refresh.revokeAll('admin', id)
    return {
      user: presentUser(user, await this.allRoles(), this.d.cipher, false),
      changed: Object.keys(input),
    }
  }

  async resetPassword(id: string, password: string) {
    const res = await AdminUserModel.updateOne(
      { _id: id },
      {
        $set: {
          passwordHash: await hash(password, ARGON),
          mustChangePassword: true,
          failedLogins: 0,
          lockedUntil: null,
        },
        $inc: { tokenVersion: 1 },
      },
    )
    if (!res.matchedCount) throw errors.notFound('用户')
    await this.d.refresh.revokeAll('admin', id)
  }

  /** A role manager cannot hand out powers they do not hold themselves. */
  private async assertGrantable(roleIds: string[], actor: AdminPrincipal) {
    const roles = await RoleModel.find({ _id: { $in: roleIds } }).lean<RoleDoc[]>()
    if (roles.length !== new Set(roleIds).size)
      throw errors.validation([{ path: 'roleIds', message: '包含不存在的角色' }])
    this.assertPermissionsHeld(
      roles.flatMap((r) => r.permissions as Permission[]),
      actor,
    )
  }

  private assertPermissionsHeld(perms: Permission[], actor: AdminPrincipal) {
    const refused = [...new Set(perms.filter((p) => !actor.permissions.has(p)))]
    if (refused.length)
      throw errors.forbidden(
        `不能授予自己没有的权限：${refused.map((p) => PERMISSIONS[p]).join('、')}`,
        { refused },
        'GRANT_REFUSED',
      )
  }

  // ── roles ──────────────────────────────────────────────────────────────────
  private async allRoles() {
    const list = await RoleModel.find().lean<RoleDoc[]>()
    return new Map(list.map((r) => [r._id.toHexString(), r]))
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
    if (role.builtIn) throw errors.badRequest('ROLE_BUILTIN', '内置角色不可修改，请新建自定义角色')
    if (input.permissions) this.assertPermissionsHeld(input.permissions, actor)
    const updated = await RoleModel.findOneAndUpdate(
      { _id: id },
      { $set: input },
      { new: true },
    ).lean<RoleDoc>()
    // Holders' tokens carry no permissions, so the change applies on their next request.
    return presentRole(updated!)
  }

  async deleteRole(id: string) {
    const role = await RoleModel.findById(id).lean<RoleDoc>()
    if (!role) throw errors.notFound('角色')
    if (role.builtIn) throw errors.badRequest('ROLE_BUILTIN', '内置角色不可删除')
    const holders = await AdminUserModel.countDocuments({ roleIds: role._id })
    if (holders)
      throw errors.conflict('ROLE_IN_USE', `仍有 ${holders} 名用户使用该角色，请先调整这些用户的角色`)
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
