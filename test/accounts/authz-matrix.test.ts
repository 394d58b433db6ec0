import { Types } from 'mongoose'
import { describe, expect, it } from 'vitest'
import { MpUserModel } from '@zct/api/internal/modules/mp-accounts/mp-accounts.model'
import { AdminUserModel } from '@zct/api/internal/modules/staff/staff.model'
import { FILE_READERS } from '@zct/api/internal/modules/files/files.service'
import { BUILTIN_ROLES } from '@zct/api/internal/platform/permissions'
import type { RouteInfo } from '@zct/api/internal/platform/routing'
import { buildAdmin, buildEnterpriseAdmin, buildMpUser } from '../support/factories.js'
import { multipart, samples } from '../files/fixtures.js'
import { world } from '../support/world.js'

const w = world()

type Caller =
  | { name: string; kind: 'anonymous' }
  | { name: string; kind: 'mp'; id: string; role: 'admin' | 'member' | null; verified: boolean }
  | { name: string; kind: 'admin'; id: string; permissions: string[] }

/**
 * Every declared route × every kind of caller. Built from the routes' own declarations, so a new route is
 * covered the day it is added. Tokens are minted fresh per call, so a logout route cannot spoil later rows.
 */
describe('authorization matrix', () => {
  // First: the route walk below spends this address's sign-in budget on the login routes themselves.
  it('lets each caller read an uploaded file exactly as its purpose allows', async () => {
    const owner = await buildMpUser(w)
    const other = await buildMpUser(w)
    const editor = await buildAdmin(w.api, { roles: ['content_editor'] })
    const uploadAs = async (token: string, path: string, name: string) => {
      const { body, contentType } = multipart([
        { filename: name, contentType: 'image/png', data: samples.png() },
      ])
      const res = await fetch(w.api.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body,
      })
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(201)
      return ((await res.json()) as { id: string }).id
    }
    const files = Object.fromEntries(
      await Promise.all(
        (['claim-material', 'enterprise-licence', 'avatar'] as const).map(
          async (p) => [p, await uploadAs(owner.token, `/mp/v1/files?purpose=${p}`, `${p}.png`)] as const,
        ),
      ),
    ) as Record<string, string>
    files.attachment = await uploadAs(editor.token, '/admin/v1/files', 'attachment.png')

    const admins = await Promise.all(
      BUILTIN_ROLES.map(async (r) => ({ role: r, session: await buildAdmin(w.api, { roles: [r.key] }) })),
    )
    const failures: string[] = []
    const check = async (label: string, path: string, token: string | undefined, want: number) => {
      const res = await w.api.call('GET', path, token ? { token } : {})
      if (res.status !== want) failures.push(`${label}: got ${res.status}, want ${want}`)
    }
    for (const [purpose, id] of Object.entries(files)) {
      await check(`${purpose} anonymous (console)`, `/admin/v1/files/${id}`, undefined, 401)
      await check(`${purpose} anonymous (mp)`, `/mp/v1/files/${id}`, undefined, 401)
      await check(`${purpose} as another mp user`, `/mp/v1/files/${id}`, other.token, 404)
      await check(`${purpose} as an mp user on the console route`, `/admin/v1/files/${id}`, owner.token, 401)
      if (purpose !== 'attachment')
        await check(`${purpose} as its owner`, `/mp/v1/files/${id}`, owner.token, 200)
      const readers = FILE_READERS[purpose as keyof typeof FILE_READERS]
      for (const { role, session } of admins) {
        const may = role.permissions.some((p) => readers.includes(p))
        await check(`${purpose} as ${role.key}`, `/admin/v1/files/${id}`, session.token, may ? 200 : 403)
      }
    }
    expect(failures).toEqual([])
    // The table itself: ID-card scans and bank details stay with claim review and payment.
    expect(FILE_READERS['claim-material']).toEqual(['claim.review', 'claim.pay'])
  })

  it('lets each caller reach exactly the routes their audience and permissions allow', async () => {
    const callers: Caller[] = [{ name: 'anonymous', kind: 'anonymous' }]
    const mpUser = await buildMpUser(w)
    const entAdmin = await buildEnterpriseAdmin(w)
    const pendingAdmin = await buildEnterpriseAdmin(w, undefined, { verified: false })
    // A member of the verified enterprise: asks to join, its administrator approves.
    const member = await buildMpUser(w)
    const join = await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: member.token,
      body: { creditCode: entAdmin.creditCode, name: entAdmin.name },
    })
    expect(join.status).toBe(202)
    const approved = await w.api.call(
      'POST',
      `/mp/v1/enterprise/members/${join.body.membership.id}/decision`,
      { token: entAdmin.token, body: { decision: 'approve' } },
    )
    expect(approved.status).toBe(200)
    callers.push(
      { name: 'mp user', kind: 'mp', id: mpUser.id, role: null, verified: false },
      { name: 'enterprise admin', kind: 'mp', id: entAdmin.id, role: 'admin', verified: true },
      {
        name: 'unverified enterprise admin',
        kind: 'mp',
        id: pendingAdmin.id,
        role: 'admin',
        verified: false,
      },
      { name: 'enterprise member', kind: 'mp', id: member.id, role: 'member', verified: true },
    )
    for (const role of BUILTIN_ROLES) {
      const a = await buildAdmin(w.api, { roles: [role.key] })
      callers.push({ name: role.key, kind: 'admin', id: a.id, permissions: role.permissions })
    }
    // station_staff above has no station: the bureau. Staff of one station hold the same permission, and
    // reach the same routes; which records they see (their station's only, others 404) is
    // test/stations/scoping.test.ts, which walks every station route with another station's records.
    const station = await w.api.call('POST', '/admin/v1/stations', {
      token: (await buildAdmin(w.api, { roles: ['station_staff'] })).token,
      body: { name: '矩阵测试指导站', type: 'brand', regionCode: '440203', address: '韶关市', services: ['registration'] },
    })
    expect(station.status).toBe(201)
    const stationStaff = await buildAdmin(w.api, { roles: ['station_staff'], stationId: station.body.id })
    callers.push({ name: 'station staff (own station)', kind: 'admin', id: stationStaff.id, permissions: ['station.manage'] })

    const tokenFor = async (c: Caller) => {
      if (c.kind === 'anonymous') return undefined
      if (c.kind === 'admin') {
        const u = await AdminUserModel.findById(c.id, { tokenVersion: 1 }).lean()
        return w.api.platform.jwt.sign(c.id, 'admin', u!.tokenVersion).token
      }
      const u = await MpUserModel.findById(c.id, { tokenVersion: 1 }).lean()
      return w.api.platform.jwt.sign(c.id, 'mp', u!.tokenVersion).token
    }

    const expected = (route: RouteInfo, c: Caller): 'allowed' | 401 | 403 => {
      const a = route.access
      if (a.audience === 'public') return 'allowed'
      if (c.kind === 'anonymous') return 401
      if (a.audience === 'mp') {
        if (c.kind !== 'mp') return 401
        if (!a.enterprise) return 'allowed'
        // booking a station: an individual books for themselves, a member in a verified enterprise's name
        if (!c.role) return a.enterprise === 'verified-or-individual' ? 'allowed' : 403
        if (a.enterprise.endsWith('admin') && c.role !== 'admin') return 403
        if (a.enterprise.startsWith('verified') && !c.verified) return 403
        return 'allowed'
      }
      if (c.kind !== 'admin') return 401
      return a.permission === null || c.permissions.includes(a.permission) ? 'allowed' : 403
    }

    const failures: string[] = []
    expect(w.api.routes.length).toBeGreaterThan(20)
    for (const route of w.api.routes) {
      const path = route.path.replace(/:(\w+)/g, () => new Types.ObjectId().toHexString())
      for (const c of callers) {
        const token = await tokenFor(c)
        const res = await w.api.call(route.method.toUpperCase(), path, {
          ...(token ? { token } : {}),
          body: route.method === 'get' ? undefined : {},
        })
        const want = expected(route, c)
        const ok = want === 'allowed' ? res.status !== 401 && res.status !== 403 : res.status === want
        if (!ok)
          failures.push(
            `${route.method.toUpperCase()} ${route.path} as ${c.name}: got ${res.status}, want ${want}`,
          )
      }
    }
    expect(failures).toEqual([])
  })
})
