import mongoose from 'mongoose'
import { afterEach, describe, expect, it } from 'vitest'
import { buildAdmin, buildEnterpriseAdmin } from '../support/factories.js'
import { world } from '../support/world.js'

const w = world()

/** The collections this process's queries touched while `fn` ran (mongoose's debug hook sees every one). */
async function collectionsReadBy(fn: () => Promise<void>) {
  const seen: string[] = []
  mongoose.set('debug', (collection: string) => void seen.push(collection))
  try {
    await fn()
  } finally {
    mongoose.set('debug', false)
  }
  return seen
}
afterEach(() => void mongoose.set('debug', false))

describe('the principal on every request', () => {
  it('answers warm console requests without reading users or roles, and sees a role change at once', async () => {
    const operator = await buildAdmin(w.api, { roles: ['super_admin'] })
    const reader = await buildAdmin(w.api, { permissions: ['enterprise.read'] })
    const list = () => w.api.call('GET', '/admin/v1/enterprises', { token: reader.token })
    expect((await list()).status).toBe(200)

    const warm = await collectionsReadBy(async () => {
      for (let i = 0; i < 5; i++) expect((await list()).status).toBe(200)
    })
    expect(warm).not.toContain('admin_users')
    expect(warm).not.toContain('roles')

    const me = await w.api.call('GET', '/admin/v1/me', { token: reader.token })
    const roleId = me.body.roles[0].id as string
    const patched = await w.api.call('PATCH', `/admin/v1/roles/${roleId}`, {
      token: operator.token,
      body: { permissions: ['stats.read'] },
    })
    expect(patched.status).toBe(200)
    const refused = await list()
    expect(refused.status).toBe(403)
    expect(refused.body.error.details.missing).toEqual(['enterprise.read'])

    await w.api.call('PATCH', `/admin/v1/roles/${roleId}`, {
      token: operator.token,
      body: { permissions: ['enterprise.read'] },
    })
    expect((await list()).status).toBe(200)
  })

  it('answers warm mini-program requests without reading the account, membership or enterprise, and honours a logout at once', async () => {
    const boss = await buildEnterpriseAdmin(w)
    const inbox = () => w.api.call('GET', '/mp/v1/inbox', { token: boss.token })
    expect((await inbox()).status).toBe(200)

    const warm = await collectionsReadBy(async () => {
      for (let i = 0; i < 5; i++) expect((await inbox()).status).toBe(200)
    })
    expect(warm).not.toContain('mp_users')
    expect(warm).not.toContain('memberships')
    expect(warm).not.toContain('enterprises')

    const out = await w.api.call('POST', '/mp/v1/auth/logout', {
      token: boss.token,
      body: { refreshToken: boss.refreshToken },
    })
    expect(out.status).toBe(204)
    expect((await inbox()).status).toBe(401)
  })

  it('stays correct when Redis loses its data: the next request reads the database, and a later logout still counts', async () => {
    const admin = await buildAdmin(w.api, { roles: ['super_admin'] })
    const me = () => w.api.call('GET', '/admin/v1/me', { token: admin.token })
    expect((await me()).status).toBe(200)

    const redis = w.api.platform.redis
    const keys = await redis.keys(`${w.api.config.redis.prefix}:epoch:*`)
    expect(keys.length).toBeGreaterThan(0)
    await redis.del(...keys)

    const reread = await collectionsReadBy(async () => {
      expect((await me()).status).toBe(200)
    })
    expect(reread).toContain('admin_users')

    expect((await w.api.call('POST', '/admin/v1/auth/logout', { token: admin.token, body: {} })).status).toBe(
      204,
    )
    expect((await me()).status).toBe(401)
  })
})
