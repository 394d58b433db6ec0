import type { z } from 'zod'
import type { MpPrincipal } from '../../platform/auth.js'
import { mask, type PersonalDataCipher } from '../../platform/crypto.js'
import { errors } from '../../platform/errors.js'
import type { AccessClaims, JwtService } from '../../platform/jwt.js'
import { PrincipalCache } from '../../platform/principal-cache.js'
import type { Redis } from 'ioredis'
import type { RefreshTokens } from '../../platform/refresh-tokens.js'
import { presentBinding } from '../enterprises/enterprises.presenter.js'
import type { EnterpriseDoc, MembershipDoc } from '../enterprises/enterprises.model.js'
import type { EnterpriseService } from '../enterprises/enterprises.service.js'
import type { MpMeOutput, ProfileUpdate } from './mp-accounts.contract.js'
import { mpAccountErrors } from './mp-accounts.errors.js'
import { MpUserModel, type MpUserDoc } from './mp-accounts.model.js'

/** The two WeChat calls accounts need; the real client lives in platform/wechat. */
export interface WechatAuth {
  code2Session(code: string): Promise<{ openid: string; unionid?: string; sessionKey: string }>
  getPhoneNumber(code: string): Promise<{ purePhoneNumber: string; countryCode: string }>
}

/** A mini-program principal with the token version it was issued under, cached per process. */
type CachedMp = MpPrincipal & { tokenVersion: number }

export class MpAccountService {
  /** user id → principal; current while the user's and the memberships' epochs hold (platform/principal-cache.ts) */
  private readonly principals: PrincipalCache<CachedMp>

  constructor(
    private readonly d: {
      jwt: JwtService
      refresh: RefreshTokens
      cipher: PersonalDataCipher
      wechat: WechatAuth
      enterprises: EnterpriseService
      redis: Redis
      redisPrefix: string
    },
  ) {
    this.principals = new PrincipalCache(d.redis, d.redisPrefix)
  }

  /** wx.login code → our session; the session_key is sealed in the database and never leaves the server. */
  async login(code: string) {
    const s = await this.d.wechat.code2Session(code).catch(wechatToAppError)
    const user = await MpUserModel.findOneAndUpdate(
      { openid: s.openid },
      {
        $set: {
          sessionKeyEnc: this.d.cipher.encrypt(s.sessionKey),
          lastLoginAt: new Date(),
          ...(s.unionid ? { unionid: s.unionid } : {}),
        },
        $setOnInsert: { openid: s.openid, nickname: '', tokenVersion: 0 },
      },
      { upsert: true, new: true },
    ).lean<MpUserDoc>()
    return this.session(user!, await this.d.refresh.issue('mp', user!._id.toHexString()))
  }

  async refresh(token: string) {
    const rotated = await this.d.refresh.rotate('mp', token)
    if (!rotated) throw errors.refreshInvalid()
    const user = await MpUserModel.findById(rotated.userId).lean<MpUserDoc>()
    if (!user) throw errors.refreshInvalid()
    return this.session(user, rotated.refreshToken)
  }

  async logout(userId: string, refreshToken?: string) {
    if (refreshToken) await this.d.refresh.revokeFamilyOf(refreshToken)
    await MpUserModel.updateOne({ _id: userId }, { $inc: { tokenVersion: 1 } })
  }

  private async session(user: MpUserDoc, refreshToken: string) {
    const { token, expiresIn } = this.d.jwt.sign(user._id.toHexString(), 'mp', user.tokenVersion)
    return { accessToken: token, expiresIn, refreshToken, user: await this.present(user) }
  }

  /**
   * The caller of a mini-program request, with the enterprise they act for: from this process's cache while
   * the user's and the memberships' epochs in Redis are unchanged (one MGET), else three indexed reads.
   */
  async resolvePrincipal(claims: AccessClaims): Promise<MpPrincipal | undefined> {
    const id = claims.sub
    const cached = await this.principals.get(id, [`mp:${id}`, 'mp:*', 'memberships'], async () => {
      const user = await MpUserModel.findById(id, { openid: 1, tokenVersion: 1 }).lean<
        Pick<MpUserDoc, '_id' | 'openid' | 'tokenVersion'>
      >()
      if (!user) return undefined
      const active = await this.d.enterprises.actingMembershipOf(user._id)
      return {
        kind: 'mp' as const,
        id: user._id.toHexString(),
        openid: user.openid,
        tokenVersion: user.tokenVersion,
        enterpriseVerified: active?.verified ?? false,
        ...(active ? { enterpriseId: active.enterpriseId.toHexString(), enterpriseRole: active.role } : {}),
      }
    })
    if (!cached || cached.tokenVersion !== claims.ver) return undefined
    const { tokenVersion: _, ...principal } = cached
    return principal
  }

  async me(userId: string) {
    const user = await MpUserModel.findById(userId).lean<MpUserDoc>()
    if (!user) throw errors.notFound('用户')
    return this.present(user)
  }

  async bindPhone(userId: string, code: string) {
    const p = await this.d.wechat.getPhoneNumber(code).catch(wechatToAppError)
    if (p.countryCode !== '86') throw mpAccountErrors.phoneUnsupported()
    const phone = p.purePhoneNumber
    const user = await MpUserModel.findOneAndUpdate(
      { _id: userId },
      {
        $set: { phoneEnc: this.d.cipher.encrypt(phone), phoneHash: this.d.cipher.blindIndex('phone', phone) },
      },
      { new: true },
    ).lean<MpUserDoc>()
    if (!user) throw errors.notFound('用户')
    return this.present(user)
  }

  async updateProfile(userId: string, input: z.output<typeof ProfileUpdate>) {
    const user = await MpUserModel.findOneAndUpdate(
      { _id: userId },
      { $set: input },
      { new: true },
    ).lean<MpUserDoc>()
    if (!user) throw errors.notFound('用户')
    return this.present(user)
  }

  private async present(user: MpUserDoc): Promise<MpMeOutput> {
    const live = await this.d.enterprises.liveMembershipOf(user._id)
    return {
      id: user._id.toHexString(),
      nickname: user.nickname || '微信用户',
      phone: user.phoneEnc ? mask.phone(this.d.cipher.decrypt(user.phoneEnc)) : null,
      enterprise: live ? presentMeEnterprise(live.enterprise, live.membership) : null,
    }
  }
}

/** The profile's enterprise: as applied for while the request is pending (see presentBinding). */
function presentMeEnterprise(e: EnterpriseDoc, m: MembershipDoc): NonNullable<MpMeOutput['enterprise']> {
  const { enterprise } = presentBinding(e, m, undefined)
  return { ...enterprise, role: m.role, status: m.status }
}

/** WeChat errcodes a user can act on become 4xx with advice; the rest are upstream failures. */
function wechatToAppError(e: unknown): never {
  const errcode = (e as { errcode?: number }).errcode
  if (errcode === 40029 || errcode === 40163) throw mpAccountErrors.codeInvalid(errcode)
  if (errcode === 45011) throw mpAccountErrors.wechatRateLimited(errcode)
  if (errcode !== undefined) throw mpAccountErrors.wechatError(errcode)
  throw e
}
