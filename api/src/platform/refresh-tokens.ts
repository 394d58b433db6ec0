import { createHash, randomBytes } from 'node:crypto'
import mongoose, { Schema } from 'mongoose'
import type { Audience } from './jwt.js'

const RefreshTokenSchema = new Schema(
  {
    audience: { type: String, enum: ['mp', 'admin'], required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    /** One family per login; reuse of a rotated token revokes the whole family (stolen-token defence). */
    family: { type: String, required: true },
    secretHash: { type: String, required: true },
    usedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
)
// Serves: revoke a family (logout, reuse detection).
RefreshTokenSchema.index({ family: 1 })
// Serves: revoke every session of a user (password change, disable).
RefreshTokenSchema.index({ userId: 1, audience: 1 })
// Serves: MongoDB's TTL monitor drops expired tokens.
RefreshTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 })

export const RefreshTokenModel = mongoose.model('RefreshToken', RefreshTokenSchema, 'refresh_tokens')

const sha = (s: string) => createHash('sha256').update(s).digest('base64url')

/** Opaque rotated refresh tokens `<id>.<secret>`; only a hash of the secret is stored. */
export class RefreshTokens {
  constructor(private readonly ttlSeconds: number) {}

  async issue(audience: Audience, userId: string, family = randomBytes(12).toString('hex')): Promise<string> {
    const secret = randomBytes(32).toString('base64url')
    const doc = await RefreshTokenModel.create({
      audience,
      userId,
      family,
      secretHash: sha(secret),
      expiresAt: new Date(Date.now() + this.ttlSeconds * 1000),
    })
    return `${doc._id.toHexString()}.${secret}`
  }

  /**
   * Consumes a refresh token once and returns its owner with a new token of the same family.
   * A token presented twice means it leaked: the family is revoked and the caller must sign in again.
   */
  async rotate(
    audience: Audience,
    token: string,
  ): Promise<{ userId: string; refreshToken: string } | undefined> {
    const [id, secret] = token.split('.')
    if (!id || !secret || !/^[0-9a-f]{24}$/.test(id)) return undefined
    const now = new Date()
    const used = await RefreshTokenModel.findOneAndUpdate(
      { _id: id, audience, secretHash: sha(secret), usedAt: null, revokedAt: null, expiresAt: { $gt: now } },
      { $set: { usedAt: now } },
    ).lean()
    if (!used) {
      const known = await RefreshTokenModel.findOne(
        { _id: id, secretHash: sha(secret) },
        { family: 1 },
      ).lean()
      if (known) await this.revokeFamily(known.family)
      return undefined
    }
    return {
      userId: used.userId.toHexString(),
      refreshToken: await this.issue(audience, used.userId.toHexString(), used.family),
    }
  }

  async revokeFamilyOf(token: string) {
    const [id, secret] = token.split('.')
    if (!id || !secret || !/^[0-9a-f]{24}$/.test(id)) return
    const known = await RefreshTokenModel.findOne({ _id: id, secretHash: sha(secret) }, { family: 1 }).lean()
    if (known) await this.revokeFamily(known.family)
  }

  async revokeAll(audience: Audience, userId: string) {
    await RefreshTokenModel.updateMany(
      { userId, audience, revokedAt: null },
      { $set: { revokedAt: new Date() } },
    )
  }

  private async revokeFamily(family: string) {
    await RefreshTokenModel.updateMany({ family, revokedAt: null }, { $set: { revokedAt: new Date() } })
  }
}
