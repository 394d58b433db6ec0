import { randomBytes } from 'node:crypto'
import mongoose from 'mongoose'
import { describe, expect, it } from 'vitest'
import { rewrapPersonalData } from '@zct/api/internal/modules/personal-data/rotation'
import { PersonalDataCipher } from '@zct/api/internal/platform/crypto'
import { buildMpUser } from '../support/factories.js'
import { world } from '../support/world.js'

const OLD_KEY = randomBytes(32).toString('base64')
const HASH_KEY = randomBytes(32).toString('base64')
const w = world({ DATA_KEY_ID: 'k1', DATA_KEY: OLD_KEY, DATA_HASH_KEY: HASH_KEY })

describe('personal data keys', () => {
  it('rotates to a new key: old values stay readable, then are re-encrypted once and need the old key no more', async () => {
    const u = await buildMpUser(w)
    await w.api.call('POST', '/mp/v1/me/phone', {
      token: u.token,
      body: { code: await w.phoneCode('13600001234') },
    })
    const users = mongoose.connection.db!.collection('mp_users')
    const before = await users.findOne({ openid: u.openid })
    expect(before!.phoneEnc).toMatch(/^v1\.k1\./)

    const newKey = randomBytes(32).toString('base64')
    const rotated = new PersonalDataCipher('k2', newKey, { k1: OLD_KEY }, Buffer.from(HASH_KEY, 'base64'))
    expect(rotated.decrypt(before!.phoneEnc)).toBe('13600001234')

    const counts = await rewrapPersonalData(rotated)
    expect(counts.mp_users).toBeGreaterThanOrEqual(1)
    const after = await users.findOne({ openid: u.openid })
    expect(after!.phoneEnc).toMatch(/^v1\.k2\./)
    expect(after!.sessionKeyEnc).toMatch(/^v1\.k2\./)
    expect(await rewrapPersonalData(rotated)).toEqual({ mp_users: 0, admin_users: 0 })

    const newOnly = new PersonalDataCipher('k2', newKey, {}, Buffer.from(HASH_KEY, 'base64'))
    expect(newOnly.decrypt(after!.phoneEnc)).toBe('13600001234')
    // The blind index does not depend on the encryption key, so lookups by phone survive rotation.
    expect(after!.phoneHash).toBe(newOnly.blindIndex('phone', '13600001234'))
  })

  it('refuses a tampered ciphertext instead of returning garbage', () => {
    const c = new PersonalDataCipher('k1', OLD_KEY, {}, Buffer.from(HASH_KEY, 'base64'))
    const sealed = c.encrypt('440203199001011234')
    const parts = sealed.split('.')
    parts[4] = Buffer.from('tampered').toString('base64url')
    expect(() => c.decrypt(parts.join('.'))).toThrow()
  })
})
