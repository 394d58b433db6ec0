import mongoose, { Schema, type InferSchemaType } from 'mongoose'

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
    failedLogins: { type: Number, default: 0 },
    lockedUntil: { type: Date, default: null },
    lastLoginAt: { type: Date, default: null },
    mustChangePassword: { type: Boolean, default: false },
    /** Bumped on logout-everywhere, password change and disable: access tokens carry it and die with it. */
    tokenVersion: { type: Number, default: 0 },
  },
  { timestamps: true },
)
// Serves: login by username; console user search by prefix (anchored regex uses the index).
AdminUserSchema.index({ username: 1 }, { unique: true })
// Serves: user list filtered by role; "how many users hold this role" before deleting it.
AdminUserSchema.index({ roleIds: 1 })

export type RoleDoc = InferSchemaType<typeof RoleSchema> & { _id: mongoose.Types.ObjectId }
export type AdminUserDoc = InferSchemaType<typeof AdminUserSchema> & { _id: mongoose.Types.ObjectId }
export const RoleModel = mongoose.model('Role', RoleSchema, 'roles')
export const AdminUserModel = mongoose.model('AdminUser', AdminUserSchema, 'admin_users')
