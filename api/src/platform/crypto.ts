import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'

/**
 * Personal data at rest: AES-256-GCM, stored as `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts).
 * The key id travels with each value, so rotating keys needs no flag day: new writes use the current key,
 * old values decrypt with retired keys until `rewrap` has been run over them.
 * A keyed HMAC ("blind index") allows equality lookups (phone, ID number) without decrypting anything.
 */
export class PersonalDataCipher {
  private readonly keys = new Map<string, Buffer>()
  constructor(
    private readonly currentId: string,
    current: string,
    old: Record<string, string>,
    private readonly hashKey: Buffer,
  ) {
    for (const [id, k] of Object.entries(old)) this.keys.set(id, Buffer.from(k, 'base64'))
    this.keys.set(currentId, Buffer.from(current, 'base64'))
  }

  static fromConfig(data: { keyId: string; key: string; oldKeys: Record<string, string>; hashKey: string }) {
    return new PersonalDataCipher(data.keyId, data.key, data.oldKeys, Buffer.from(data.hashKey, 'base64'))
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv)
    cipher.setAAD(Buffer.from(this.currentId))
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return [
      'v1',
      this.currentId,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ct.toString('base64url'),
    ].join('.')
  }

  decrypt(sealed: string): string {
    const [v, keyId, iv, tag, ct] = sealed.split('.')
    const key = keyId ? this.keys.get(keyId) : undefined
    if (v !== 'v1' || !key || !iv || !tag || ct === undefined)
      throw new Error('personal data: unknown format or key id')
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
    d.setAAD(Buffer.from(keyId!))
    d.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8')
  }

  /** True when a value was sealed with a retired key and should be re-encrypted. */
  needsRewrap(sealed: string): boolean {
    return sealed.split('.')[1] !== this.currentId
  }

  rewrap(sealed: string): string {
    return this.needsRewrap(sealed) ? this.encrypt(this.decrypt(sealed)) : sealed
  }

  /** Deterministic keyed hash for equality lookups; normalise before hashing (trim, upper-case X). */
  blindIndex(kind: string, value: string): string {
    return createHmac('sha256', this.hashKey).update(`${kind}:${value}`).digest('base64url')
  }
}

/** Masks for lists and exports: enough to recognise, not enough to use. */
export const mask = {
  phone: (p: string) => (p.length >= 7 ? `${p.slice(0, 3)}****${p.slice(-4)}` : '****'),
  idNumber: (id: string) => (id.length >= 8 ? `${id.slice(0, 3)}***********${id.slice(-4)}` : '****'),
  bankAccount: (a: string) => (a.length >= 8 ? `${a.slice(0, 4)} **** **** ${a.slice(-4)}` : '****'),
  name: (n: string) => (n.length <= 1 ? '*' : `${n[0]}${'*'.repeat(Math.min(n.length - 1, 2))}`),
  /** For public lists (公示): first and last character kept, 张*明, 欧**明; two characters: 张*. */
  publicName: (n: string) => {
    const c = [...n]
    return c.length <= 1 ? '*' : c.length === 2 ? `${c[0]}*` : `${c[0]}${'*'.repeat(c.length - 2)}${c[c.length - 1]}`
  },
}
