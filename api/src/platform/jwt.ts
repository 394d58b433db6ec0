import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto'
import jwt from 'jsonwebtoken'

export type Audience = 'mp' | 'admin'

export interface AccessClaims {
  sub: string
  aud: Audience
  /** Token version: bumping the user's version (logout everywhere, password change, disable) kills old tokens. */
  ver: number
  jti: string
}

/**
 * HS256 with the secret wrapped once in a KeyObject: jsonwebtoken re-imports a string secret on every call
 * (~0.7 ms here); a cached KeyObject brings verify to a few microseconds. Algorithm, audience and issuer are
 * pinned so `alg: none`, an mp token on an admin route, or a foreign issuer are all refused.
 */
export class JwtService {
  private readonly key: KeyObject
  constructor(
    secret: string,
    private readonly issuer: string,
    private readonly accessTtlSeconds: number,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'))
  }

  sign(sub: string, aud: Audience, ver: number): { token: string; expiresIn: number } {
    const token = jwt.sign({ ver }, this.key, {
      algorithm: 'HS256',
      audience: aud,
      issuer: this.issuer,
      subject: sub,
      expiresIn: this.accessTtlSeconds,
      jwtid: randomUUID(),
    })
    return { token, expiresIn: this.accessTtlSeconds }
  }

  /** Returns the claims, or undefined for any invalid token (the caller answers 401 without detail). */
  verify(token: string, aud: Audience): AccessClaims | undefined {
    try {
      const payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        audience: aud,
        issuer: this.issuer,
      })
      if (typeof payload === 'string' || typeof payload.sub !== 'string' || typeof payload.ver !== 'number')
        return undefined
      return { sub: payload.sub, aud, ver: payload.ver, jti: String(payload.jti ?? '') }
    } catch {
      return undefined
    }
  }
}
