import { createHmac } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { describe, expect, it } from 'vitest'
import { buildAdmin, buildMpUser } from '../support/factories.js'
import { world } from '../support/world.js'

const SECRET = 'a-test-secret-that-is-long-enough-0123456789'
const w = world({ JWT_SECRET: SECRET })
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

describe('access tokens', () => {
  it('refuses alg none, a wrong audience, an expired token, a foreign issuer and a tampered signature', async () => {
    const admin = await buildAdmin(w.api, { roles: ['super_admin'] })
    const mp = await buildMpUser(w)
    const me = (token: string) => w.api.call('GET', '/admin/v1/me', { token })
    expect((await me(admin.token)).status).toBe(200)

    const claims = jwt.decode(admin.token) as Record<string, unknown>
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`
    expect((await me(none)).status).toBe(401)

    expect((await me(mp.token)).status).toBe(401)
    expect((await w.api.call('GET', '/mp/v1/me', { token: admin.token })).status).toBe(401)

    const expired = jwt.sign(
      { ...claims, exp: Math.floor(Date.now() / 1000) - 10, iat: Math.floor(Date.now() / 1000) - 100 },
      SECRET,
      { algorithm: 'HS256' },
    )
    expect((await me(expired)).status).toBe(401)

    const foreign = jwt.sign({ ...claims, iss: 'someone-else' }, SECRET, { algorithm: 'HS256' })
    expect((await me(foreign)).status).toBe(401)

    const [h, p, s] = admin.token.split('.')
    const flipped = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`
    const refused = await me(flipped)
    expect(refused.status).toBe(401)
    expect(refused.body.error.code).toBe('TOKEN_INVALID')

    // HS384 with the right secret is still refused: the algorithm is pinned.
    const body = `${b64({ alg: 'HS384', typ: 'JWT' })}.${p}`
    const hs384 = `${body}.${createHmac('sha384', SECRET).update(body).digest('base64url')}`
    expect((await me(hs384)).status).toBe(401)
  })
})
