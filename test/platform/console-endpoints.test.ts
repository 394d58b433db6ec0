import { describe, expect, it } from 'vitest'
import type { EndpointDef } from '@zct/api/contracts/endpoints'
import { AuditEndpoints } from '@zct/api/contracts/audit/audit'
import { CampaignEndpoints } from '@zct/api/contracts/campaigns/campaigns'
import { ContentEndpoints } from '@zct/api/contracts/content/content'
import { SettingsEndpoints } from '@zct/api/contracts/settings/settings'
import { StaffEndpoints } from '@zct/api/contracts/staff/staff'
import { WorkbenchEndpoints } from '@zct/api/contracts/workbench/workbench'
import { expectOk, type EndpointResult } from '../support/api.js'
import { buildAdmin } from '../support/factories.js'
import { world } from '../support/world.js'

const w = world()
const year = () => new Date(Date.now() + 8 * 3600_000).getUTCFullYear()

/**
 * tsc holds a handler's return to its endpoint's declared type; this holds the answer on the wire to the
 * schema itself (formats such as ISO times, and no field more: a leaked field would be dropped by the parse).
 */
function expectDeclared<E extends EndpointDef>(e: E, res: EndpointResult<E>) {
  expectOk(res, e.status ?? (e.response === null ? 204 : 200))
  if (e.response === null || e.response === 'file') return res.body
  expect(e.response.parse(res.body), `${e.method.toUpperCase()} ${e.path}`).toEqual(res.body)
  return res.body
}

describe('console endpoints declared in the contracts', () => {
  it('registers every console route from its contract declaration', () => {
    const routes = w.api.routes.filter((r) => r.path.startsWith('/admin/v1/'))
    expect(routes.length).toBeGreaterThan(40)
    const undeclared = routes
      .filter((r) => r.endpoint?.path !== r.path || r.endpoint.method !== r.method)
      .map((r) => `${r.method.toUpperCase()} ${r.path}`)
    expect(undeclared).toEqual([])
  })

  it('answers exactly what each console endpoint of staff, audit, settings, workbench, campaigns and content declares', async () => {
    const { token } = await buildAdmin(w.api, { roles: ['super_admin'] })
    const as = { token }
    const S = StaffEndpoints
    const C = ContentEndpoints
    const P = CampaignEndpoints

    expectDeclared(S.me, await w.api.request(S.me, as))
    expectDeclared(S.permissions, await w.api.request(S.permissions, as))
    const roles = expectDeclared(S.listRoles, await w.api.request(S.listRoles, as))
    const role = expectDeclared(
      S.createRole,
      await w.api.request(S.createRole, { ...as, body: { name: '审计员', permissions: ['audit.read'] } }),
    )
    expectDeclared(
      S.createUser,
      await w.api.request(S.createUser, {
        ...as,
        body: {
          username: 'auditor1',
          displayName: '王审计',
          password: 'Audit-2026-xyz',
          roleIds: [role.id],
          phone: '13800138000',
        },
      }),
    )
    const users = expectDeclared(S.listUsers, await w.api.request(S.listUsers, { ...as, query: {} }))
    const auditor = users.items.find((u) => u.username === 'auditor1')!
    expectDeclared(
      S.updateUser,
      await w.api.request(S.updateUser, {
        ...as,
        params: { id: auditor.id },
        body: { displayName: '王审计员' },
      }),
    )
    expectDeclared(S.listThrottles, await w.api.request(S.listThrottles, { ...as, query: {} }))
    expect(roles.items.length).toBeGreaterThan(0)

    expectDeclared(SettingsEndpoints.push, await w.api.request(SettingsEndpoints.push, as))
    expectDeclared(WorkbenchEndpoints.figures, await w.api.request(WorkbenchEndpoints.figures, as))

    const patent = expectDeclared(
      C.patentCreate,
      await w.api.request(C.patentCreate, {
        ...as,
        body: { kind: 'warning', title: '专利预警分析', summary: '关注 H04L', body: '<p>正文</p>' },
      }),
    )
    expectDeclared(
      C.patentPublish,
      await w.api.request(C.patentPublish, { ...as, params: { id: patent.id } }),
    )
    expectDeclared(C.patentList, await w.api.request(C.patentList, { ...as, query: {} }))
    const notice = expectDeclared(
      C.announcementCreate,
      await w.api.request(C.announcementCreate, { ...as, body: { title: '停电通知', body: '<p>正文</p>' } }),
    )
    expectDeclared(
      C.announcementPin,
      await w.api.request(C.announcementPin, { ...as, params: { id: notice.id } }),
    )
    expectDeclared(C.announcementList, await w.api.request(C.announcementList, { ...as, query: {} }))
    expectDeclared(C.preview, await w.api.request(C.preview, { ...as, body: { body: '<p>预览</p>' } }))
    expectDeclared(
      C.announcementRemove,
      await w.api.request(C.announcementRemove, { ...as, params: { id: notice.id } }),
    )

    const campaign = expectDeclared(
      P.create,
      await w.api.request(P.create, {
        ...as,
        body: { name: '五月预警推送', content: { kind: 'patent', id: patent.id } },
      }),
    )
    expectDeclared(P.get, await w.api.request(P.get, { ...as, params: { id: campaign.id } }))
    expectDeclared(P.list, await w.api.request(P.list, { ...as, query: {} }))
    expectDeclared(P.dryRun, await w.api.request(P.dryRun, { ...as, params: { id: campaign.id }, query: {} }))
    expectDeclared(P.cancel, await w.api.request(P.cancel, { ...as, params: { id: campaign.id } }))
    expectDeclared(P.yearStats, await w.api.request(P.yearStats, { ...as, query: { year: year() } }))

    // Audited writes above: the log answers its declared shape too.
    const log = expectDeclared(
      AuditEndpoints.list,
      await w.api.request(AuditEndpoints.list, { ...as, query: {} }),
    )
    expect(log.items.length).toBeGreaterThan(5)
  })

  it('names the yearly statistics workbook in the download it declares', async () => {
    const { token } = await buildAdmin(w.api, { roles: ['super_admin'] })
    const res = await w.api.request(CampaignEndpoints.exportYearStats, { token, query: { year: year() } })
    expectOk(res)
    expect(res.headers.get('content-disposition')).toContain(
      encodeURIComponent(`专利信息推送统计-${year()}.xlsx`),
    )
  })
})
