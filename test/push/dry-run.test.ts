import { describe, expect, it } from 'vitest'
import { buildAdmin, buildEnterpriseAdmin, buildPublishedPatent, setInterests } from '../support/factories.js'
import { world } from '../support/world.js'

const w = world()

describe('dry run', () => {
  it('shows each enterprise’s own region when the campaign has no targeting', async () => {
    const editor = await buildAdmin(w.api, { roles: ['content_editor'] })
    const operator = await buildAdmin(w.api, { roles: ['push_operator'] })
    const shaoguan = await buildEnterpriseAdmin(w, '韶关市某机械有限公司')
    await setInterests(w.api, shaoguan.token, { region: '440203', industries: ['34'] })
    const unprofiled = await buildEnterpriseAdmin(w, '尚未填写资料的企业')

    // No tags on the item: the campaign reaches every enterprise.
    const patent = await buildPublishedPatent(w.api, editor.token, { title: '全省专利政策汇编' })
    const c = await w.api.call('POST', '/admin/v1/campaigns', {
      token: operator.token,
      body: { name: '面向全部企业', content: { kind: 'patent', id: patent.id } },
    })
    expect(c.body.targeting).toMatchObject({ regions: [], industries: [], ipcs: [] })

    const dry = await w.api.call('GET', `/admin/v1/campaigns/${c.body.id}/dry-run`, { token: operator.token })
    expect(dry.status).toBe(200)
    expect(dry.body.summary.enterprises).toBe(2)
    const byId = new Map(
      dry.body.rows.items.map((r: { enterpriseId: string }) => [r.enterpriseId, r] as const),
    )
    expect(byId.get(shaoguan.enterpriseId)).toMatchObject({
      name: '韶关市某机械有限公司',
      region: '440203',
      reasons: [{ dimension: 'all', text: '面向全部企业' }],
    })
    expect(byId.get(unprofiled.enterpriseId)).toMatchObject({ region: null })
  })
})
