import { errors, uniqueRule } from '../../platform/errors.js'
import type { Permission } from '../../platform/permissions.js'

/** The refusals of the staff domain (console accounts and roles), one function each. */
export const staffErrors = {
  /** Same answer for an unknown name and a wrong password: the name is not confirmed to exist. */
  loginFailed: () => errors.unauthorized('用户名或密码错误', 'LOGIN_FAILED'),
  loginThrottled: (seconds: number) =>
    errors.tooManyRequests(seconds, {}, 'LOGIN_THROTTLED', `登录失败次数过多，请 ${seconds} 秒后再试`),
  accountDisabled: () => errors.forbidden('账号已停用，请联系管理员', undefined, 'ACCOUNT_DISABLED'),
  selfChange: () =>
    errors.badRequest('SELF_CHANGE_FORBIDDEN', '不能停用自己或修改自己的角色，请让其他管理员操作'),
  grantRefused: (message: string, refused: string[]) =>
    errors.forbidden(message, { refused }, 'GRANT_REFUSED'),
  outranks: (message: string, beyond?: Permission[]) =>
    errors.forbidden(message, beyond ? { beyond } : undefined, 'TARGET_OUTRANKS'),
  roleBuiltIn: (message: string) => errors.badRequest('ROLE_BUILTIN', message),
  roleInUse: (holders: number) =>
    errors.conflict('ROLE_IN_USE', `仍有 ${holders} 名用户使用该角色，请先调整这些用户的角色`),
  changedMeanwhile: () => errors.conflict('CHANGED_MEANWHILE', '该记录刚被其他管理员修改，请刷新后重试'),
  usernameTaken: () =>
    errors.conflict('USERNAME_TAKEN', '用户名已存在', {
      fields: [{ path: 'username', message: '用户名已存在' }],
    }),
  roleNameTaken: () =>
    errors.conflict('ROLE_NAME_TAKEN', '角色名称已存在', {
      fields: [{ path: 'name', message: '角色名称已存在' }],
    }),
}

// Serves the unique indexes of staff.model.ts: a collision names the rule, not the field.
uniqueRule('admin_users', { username: 1 }, staffErrors.usernameTaken)
uniqueRule('roles', { name: 1 }, staffErrors.roleNameTaken)
