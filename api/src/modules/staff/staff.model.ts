import mongoose, { Schema, type InferSchemaType } from 'mongoose'
import { watchPrincipalWrites } from '../../platform/principal-cache.js'

const RoleSchema = new Schema(
  {
    /** Stable key of built-in roles (super_admin, …); custom roles get `custom_<id>`. */
    key: { type: String, required: true },
    name: { type: String, required: true },
    permissions: { type: [String], default: [] },
    builtIn: { type: Boolean, default: false },
  },
  { timestamps: true },
)
// Serves: seeding and lookup of built-in roles by key; keeps keys unique.
RoleSchema.index({ key: 1 }, { unique: true })
// Serves: role names are unique so a picker never shows two identical entries.
RoleSchema.index({ name: 1 }, { unique: true })

const AdminUserSchema = new Schema(
  {
    username: { type: String, required: true },
    displayName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    roleIds: { type: [Schema.Types.ObjectId], default: [] },
    stationId: { type: Schema.Types.ObjectId, default: null },
    /** AES-GCM sealed; see platform/crypto.ts */
    phoneEnc: { type: String, default: null },
    disabled: { type: Boolean, default: false },
    lastLoginAt: { type: Date, default: null },
    /** Set with a temporary password (created or reset by someone else): every route but /me waits for a change. */
    mustChangePassword: { type: Boolean, default: false },
    /** A temporary password stops working 72 hours after it was set. */
    passwordExpiresAt: { type: Date, default: null },
    /** Bumped on logout-everywhere, password change and disable: access tokens carry it and die with it. */
    tokenVersion: { type: Number, default: 0 },
  },
  { timestamps: true },
)
// Serves: login by username; the console's user list by username and its search by prefix (anchored regex
// uses the index).
AdminUserSchema.index({ username: 1 }, { unique: true })
// Serves: the console's user list filtered by role, by username; "how many users hold this role" before
// deleting it (the prefix).
AdminUserSchema.index({ roleIds: 1, username: 1 })

/** One delay that console login throttling started: who was slowed down, from where, until when. */
const LoginThrottleSchema = new Schema(
  {
    /** the name as typed; it may belong to no account */
    username: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, default: null },
    ip: { type: String, required: true },
    /** pair = this name from this address; account = this name from anywhere; address = this address, any name */
    scope: { type: String, enum: ['pair', 'account', 'address'], required: true },
    failures: { type: Number, required: true },
    at: { type: Date, default: () => new Date() },
    until: { type: Date, required: true },
    liftedAt: { type: Date, default: null },
  },
  { versionKey: false },
)
// Serves: the console's throttle list, newest first; kept 30 days.
LoginThrottleSchema.index({ at: -1 }, { expireAfterSeconds: 30 * 24 * 3600 })
// Serves: lifting a name's delays (username + until > now).
LoginThrottleSchema.index({ username: 1, until: -1 })

export type LoginThrottleDoc = InferSchemaType<typeof LoginThrottleSchema> & { _id: mongoose.Types.ObjectId }
export const LoginThrottleModel = mongoose.model('LoginThrottle', LoginThrottleSchema, 'login_throttles')
export type RoleDoc = InferSchemaType<typeof RoleSchema> & { _id: mongoose.Types.ObjectId }
export type AdminUserDoc = InferSchemaType<typeof AdminUserSchema> & { _id: mongoose.Types.ObjectId }
// Every api process caches principals (platform/principal-cache.ts): a write to what they are built from
// tells them all. Roles: any change; users: the fields a principal holds.
watchPrincipalWrites(RoleSchema, { ns: 'roles' })
watchPrincipalWrites(AdminUserSchema, {
  ns: 'admin',
  perId: true,
  fields: [
    'username',
    'roleIds',
    'stationId',
    'disabled',
    'tokenVersion',
    'mustChangePassword',
    'passwordExpiresAt',
  ],
})
export const RoleModel = mongoose.model('Role', RoleSchema, 'roles')
export const AdminUserModel = mongoose.model('AdminUser', AdminUserSchema, 'admin_users')
