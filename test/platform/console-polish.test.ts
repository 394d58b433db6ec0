import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import ExcelJS from 'exceljs'
import mongoose, { Types } from 'mongoose'
import { afterEach, describe, expect, it } from 'vitest'
import { AUDIT_ACTION_LABELS, AUDIT_FIELD_LABELS } from '@zct/api/internal/modules/audit/audit.contract'
import { CampaignModel, EnterpriseDeliveryModel } from '@zct/api/internal/modules/campaigns/campaigns.model'
import { CampaignCreate, CampaignUpdate } from '@zct/api/internal/modules/campaigns/campaigns.contract'
import {
  AnnouncementCreate,
  AnnouncementUpdate,
  PatentCreate,
  PatentUpdate,
} from '@zct/api/internal/modules/content/content.contract'
import { PushSettings } from '@zct/api/internal/modules/settings/settings.contract'
import {
  RoleCreate,
  RoleUpdate,
  UserCreate,
  UserUpdate,
} from '@zct/api/internal/modules/staff/staff.contract'
import type { Permission } from '@zct/api/internal/platform/permissions'
import { buildAdmin, buildEnterpriseAdmin, buildMpUser, buildPublishedPatent } from '../support/factories.js'
import { world } from '../support/world.js'

const w = world()
const root = path.resolve(import.meta.dirname, '../..')
const strongPassword = () => `Zc-${randomBytes(8).toString('hex')}-t`
const currentYear = () => new Date(Date.now() + 8 * 3600_000).getUTCFullYear()

/** Every `.ts` file under a folder of the repository. */
function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(root, dir, f))
}

/** A console user creates a person a request to join `boss`'s enterprise; answers the pending membership. */
async function joinRequest(boss: { creditCode: string; name: string }) {
  const applicant = await buildMpUser(w)
  const res = await w.api.call('POST', '/mp/v1/enterprise/bind', {
    token: applicant.token,
    body: { creditCode: boss.creditCode, name: boss.name },
  })
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
  return applicant
}

describe('audit log in Chinese', () => {
  it('has a Chinese label for every action the api records', () => {
    const missing: string[] = []
    for (const file of [...sources('api/src'), ...sources('jobs/src')]) {
      const text = readFileSync(file, 'utf8')
      // `action: 'x.y'`, `action: cond ? 'x.y' : 'x.z'`: every dotted literal on an `action:` line.
      for (const line of text.split('\n').filter((l) => /\baction:\s*[^\s]/.test(l)))
        for (const [, code] of line.matchAll(/['"]([a-z_]+(?:\.[a-z_]+)+)['"]/g))
          if (!Object.hasOwn(AUDIT_ACTION_LABELS, code!))
            missing.push(`${path.relative(root, file)}: ${code}`)
    }
    // Template actions (`enterprise.member.${decision}`) are held by the type of AuditEvent.action.
    expect(missing).toEqual([])
  })

  it('has a Chinese label for every field an audited write can record', () => {
    const bodies = {
      UserCreate,
      UserUpdate,
      RoleCreate,
      RoleUpdate,
      CampaignCreate,
      CampaignUpdate,
      PushSettings,
      AnnouncementCreate,
      AnnouncementUpdate,
      PatentCreate,
      PatentUpdate,
    }
    const keys = new Set(Object.values(bodies).flatMap((s) => Object.keys(s.shape)))
    // Literal field lists in the routes' audit calls (`fields: ['status', 'pinned']`, ternaries of lists).
    for (const file of sources('api/src').filter((f) => f.endsWith('.routes.ts')))
      for (const line of readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => /\bfields:/.test(l)))
        for (const [, list] of line.matchAll(/\[([^\]]*)\]/g))
          for (const [, f] of list!.matchAll(/'([A-Za-z]+)'/g)) keys.add(f!)
    expect([...keys].filter((k) => !Object.hasOwn(AUDIT_FIELD_LABELS, k))).toEqual([])
  })

  it('shows each entry with its action, object kind, object name and fields in Chinese', async () => {
    const rootAdmin = await buildAdmin(w.api, { roles: ['super_admin'] })
    const editor = await buildAdmin(w.api, { roles: ['content_editor'] })
    const username = `clerk${randomBytes(3).toString('hex')}`
    const contentRole = (
      await w.api.call('GET', '/admin/v1/roles', { token: rootAdmin.token })
    ).body.items.find((r: { key: string }) => r.key === 'content_editor')
    const created = await w.api.call('POST', '/admin/v1/users', {
      token: rootAdmin.token,
      body: { username, displayName: '王小明', password: strongPassword(), roleIds: [contentRole.id] },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const role = await w.api.call('POST', '/admin/v1/roles', {
      token: rootAdmin.token,
      body: { name: `统计查看-${randomBytes(2).toString('hex')}`, permissions: ['stats.read'] },
    })
    expect(role.status).toBe(201)
    await w.api.call('PUT', '/admin/v1/settings/push', {
      token: rootAdmin.token,
      body: {
        weeklyCap: 3,
        yearTarget: 50_000,
        templateId: 'tpl-patent-push',
        publisher: '韶关市市场监管局',
      },
    })
    const patent = await buildPublishedPatent(w.api, editor.token, { title: '新能源电池专利预警' })
    const boss = await buildEnterpriseAdmin(w, `韶关审计测试有限公司${randomBytes(2).toString('hex')}`)
    await joinRequest(boss)
    const pending = (
      await w.api.call('GET', '/admin/v1/join-requests', { token: rootAdmin.token })
    ).body.items.find((m: { enterprise: { id: string } }) => m.enterprise.id === boss.enterpriseId)
    const decided = await w.api.call(
      'POST',
      `/admin/v1/enterprises/${boss.enterpriseId}/members/${pending.id}/decision`,
      { token: rootAdmin.token, body: { decision: 'approve' } },
    )
    expect(decided.status, JSON.stringify(decided.body)).toBe(200)

    const licence = await fetch(`${w.api.url}/admin/v1/files/${boss.licenceFileId}`, {
      headers: { authorization: `Bearer ${rootAdmin.token}` },
    })
    expect(licence.status).toBe(200)
    await licence.arrayBuffer()

    const log = await w.api.call('GET', '/admin/v1/audit?pageSize=100', { token: rootAdmin.token })
    expect(log.status).toBe(200)
    const entry = (action: string, targetId?: string) =>
      log.body.items.find(
        (e: { action: string; target: { id: string } }) =>
          e.action === action && (!targetId || e.target.id === targetId),
      )
    expect(entry('user.create', created.body.id)).toMatchObject({
      actionLabel: '创建后台用户',
      actor: { kind: 'admin', kindLabel: '后台用户', name: rootAdmin.username },
      target: { type: 'admin_user', typeLabel: '后台用户', name: `王小明（${username}）` },
    })
    const userFields = entry('user.create', created.body.id)
    expect(userFields.fieldLabels).toEqual(userFields.fields.map((f: string) => AUDIT_FIELD_LABELS[f]))
    expect(userFields.fieldLabels).toEqual(expect.arrayContaining(['用户名', '显示名称', '角色']))
    expect(entry('role.create', role.body.id)).toMatchObject({
      actionLabel: '创建角色',
      target: { typeLabel: '角色', name: role.body.name },
      fieldLabels: ['名称', '权限'],
    })
    expect(entry('settings.push.update')).toMatchObject({
      actionLabel: '修改推送设置',
      target: { typeLabel: '设置', name: '推送设置' },
      fieldLabels: expect.arrayContaining(['每周推送上限', '订阅消息模板 ID']),
    })
    expect(entry('patent_info.publish', patent.id)).toMatchObject({
      actionLabel: '发布专利信息',
      target: { typeLabel: '专利信息', name: '新能源电池专利预警' },
      fieldLabels: ['状态'],
    })
    expect(entry('enterprise.verification.approve', boss.enterpriseId)).toMatchObject({
      actionLabel: '通过企业管理员认证',
      target: { typeLabel: '企业', name: boss.name },
      fieldLabels: ['认证状态'],
    })
    expect(entry('file.view', boss.licenceFileId)).toMatchObject({
      actionLabel: '查看上传的材料',
      target: { typeLabel: '文件', name: '营业执照.png' },
    })
    expect(entry('enterprise.member.approve', pending.id)).toMatchObject({
      actionLabel: '同意加入企业',
      target: { typeLabel: '企业成员', name: expect.stringContaining(boss.name) },
    })
    // No entry of this page is left in codes.
    for (const e of log.body.items) {
      expect(e.actionLabel, e.action).not.toBe(e.action)
      expect(e.target.typeLabel, e.target.type).not.toBe(e.target.type)
    }
  })

  describe('name lookups', () => {
    const queries: { collection: string; method: string }[] = []
    afterEach(() => {
      mongoose.set('debug', false)
    })

    it('looks target names up once per target type for a whole page, not once per row', async () => {
      const rootAdmin = await buildAdmin(w.api, { roles: ['super_admin'] })
      const roles = await w.api.call('GET', '/admin/v1/roles', { token: rootAdmin.token })
      const editorRole = roles.body.items.find((r: { key: string }) => r.key === 'content_editor').id
      for (let i = 0; i < 5; i++) {
        const u = await w.api.call('POST', '/admin/v1/users', {
          token: rootAdmin.token,
          body: {
            username: `batch${i}${randomBytes(3).toString('hex')}`,
            displayName: `批量${i}`,
            password: strongPassword(),
            roleIds: [editorRole],
          },
        })
        expect(u.status).toBe(201)
      }
      mongoose.set('debug', (collection: string, method: string) => {
        queries.push({ collection, method })
      })
      const log = await w.api.call('GET', `/admin/v1/audit?action=user.create&pageSize=100`, {
        token: rootAdmin.token,
      })
      mongoose.set('debug', false)
      expect(log.body.items.length).toBeGreaterThanOrEqual(5)
      expect(
        log.body.items.every((e: { target: { name: string } }) => /^批量\d|王小明/.test(e.target.name)),
      ).toBe(true)
      const userLookups = queries.filter((q) => q.collection === 'admin_users' && q.method === 'find')
      // Five rows, one lookup (the guard's read of the signed-in user is a findOne, not counted here).
      expect(userLookups).toHaveLength(1)
    })
  })
})

describe('Excel export of the year', () => {
  it('writes Beijing times, Chinese statuses, and region and industry names beside their codes', async () => {
    const viewer = await buildAdmin(w.api, { permissions: ['stats.read'] })
    const year = 2025
    // 16:30 UTC on 31 December is 00:30 on 1 January in Beijing: a campaign of the new year.
    const campaign = await CampaignModel.create({
      name: '元旦专利推送',
      content: { kind: 'patent', id: new Types.ObjectId(), title: '新能源专利导航', category: 'warning' },
      targeting: {
        regions: [],
        regionMatch: 'within',
        industries: [],
        ipcs: [],
        enterpriseTypes: [],
        sizes: [],
      },
      templateId: 'tpl-patent-push',
      status: 'done',
      startedAt: new Date('2024-12-31T16:30:00Z'),
      finishedAt: new Date('2025-01-01T02:05:00Z'),
      plan: { enterprises: 2, members: 3, capped: 0, batches: 1 },
      createdBy: new Types.ObjectId(),
    })
    await EnterpriseDeliveryModel.create([
      {
        campaignId: campaign._id,
        enterpriseId: new Types.ObjectId(),
        at: new Date('2024-12-31T16:31:00Z'),
        year,
        month: 1,
        region: '440203',
        sections: ['C'],
      },
      {
        campaignId: campaign._id,
        enterpriseId: new Types.ObjectId(),
        at: new Date('2024-12-31T16:31:00Z'),
        year,
        month: 1,
        region: null,
        sections: [],
      },
    ])

    const res = await fetch(`${w.api.url}/admin/v1/stats/push/export?year=${year}`, {
      headers: { authorization: `Bearer ${viewer.token}` },
    })
    expect(res.status).toBe(200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never)
    const rows = (name: string) =>
      wb
        .getWorksheet(name)!
        .getSheetValues()
        .slice(1)
        .map((r) => (r as unknown[]).slice(1))

    const detail = rows('推送明细')
    expect(detail[0]).toEqual([
      '推送名称',
      '内容标题',
      '开始时间（北京时间）',
      '结束时间（北京时间）',
      '企业数',
      '成员数',
      '状态',
    ])
    expect(detail[1]).toEqual([
      '元旦专利推送',
      '新能源专利导航',
      '2025-01-01 00:30',
      '2025-01-01 10:05',
      2,
      3,
      '已完成',
    ])
    expect(rows('按地区')).toEqual([
      ['行政区划代码', '地区名称', '推送（企业·次）'],
      ['440203', '广东省韶关市武江区', 1],
      [undefined, '未填写', 1],
    ])
    expect(rows('按行业')).toEqual([
      ['行业门类', '门类名称', '推送（企业·次）'],
      ['C', '制造业', 1],
      [undefined, '未填写', 1],
    ])
    expect(rows('按月')[1]).toEqual(['1月', 2])
  })
})

describe('push settings', () => {
  it('refuses a cleared required setting with a field error instead of saving a default', async () => {
    const operator = await buildAdmin(w.api, { permissions: ['push.manage'] })
    const saved = {
      weeklyCap: 2,
      yearTarget: 80_000,
      templateId: 'tpl-bureau-own',
      publisher: '韶关市市场监管局',
    }
    expect(
      (await w.api.call('PUT', '/admin/v1/settings/push', { token: operator.token, body: saved })).status,
    ).toBe(200)

    const cleared = await w.api.call('PUT', '/admin/v1/settings/push', {
      token: operator.token,
      body: { ...saved, templateId: '', weeklyCap: null },
    })
    expect(cleared.status).toBe(400)
    expect(cleared.body.error.code).toBe('VALIDATION_FAILED')
    expect(cleared.body.error.details.fields).toEqual([
      { path: 'weeklyCap', message: '请填写每周推送上限' },
      { path: 'templateId', message: '请填写订阅消息模板 ID' },
    ])
    // What the console sends for a cleared optional box: the key left out.
    const { publisher: _omitted, ...withoutPublisher } = saved
    const absent = await w.api.call('PUT', '/admin/v1/settings/push', {
      token: operator.token,
      body: withoutPublisher,
    })
    expect(absent.status).toBe(400)
    expect(absent.body.error.details.fields).toEqual([{ path: 'publisher', message: '请填写发布单位' }])

    const now = await w.api.call('GET', '/admin/v1/settings/push', { token: operator.token })
    expect(now.body).toEqual(saved)
  })
})

describe('duplicate names', () => {
  it('answers a second user with the same username with 409 用户名已存在 on the username field', async () => {
    const rootAdmin = await buildAdmin(w.api, { roles: ['super_admin'] })
    const roles = await w.api.call('GET', '/admin/v1/roles', { token: rootAdmin.token })
    const editorRole = roles.body.items.find((r: { key: string }) => r.key === 'content_editor').id
    const body = {
      username: `dup${randomBytes(3).toString('hex')}`,
      displayName: '张三',
      password: strongPassword(),
      roleIds: [editorRole],
    }
    expect((await w.api.call('POST', '/admin/v1/users', { token: rootAdmin.token, body })).status).toBe(201)
    const again = await w.api.call('POST', '/admin/v1/users', {
      token: rootAdmin.token,
      body: { ...body, displayName: '张三二' },
    })
    expect(again.status).toBe(409)
    expect(again.body.error).toEqual({
      code: 'USERNAME_TAKEN',
      message: '用户名已存在',
      details: { fields: [{ path: 'username', message: '用户名已存在' }] },
    })
  })

  it('names a duplicate role name 角色名称已存在', async () => {
    const rootAdmin = await buildAdmin(w.api, { roles: ['super_admin'] })
    const body = { name: `重名角色${randomBytes(2).toString('hex')}`, permissions: ['stats.read'] }
    expect((await w.api.call('POST', '/admin/v1/roles', { token: rootAdmin.token, body })).status).toBe(201)
    const again = await w.api.call('POST', '/admin/v1/roles', { token: rootAdmin.token, body })
    expect(again.status).toBe(409)
    expect(again.body.error).toMatchObject({
      code: 'ROLE_NAME_TAKEN',
      message: '角色名称已存在',
      details: { fields: [{ path: 'name', message: '角色名称已存在' }] },
    })
  })
})

describe('workbench', () => {
  it('gives a super administrator every figure: join requests, verifications, campaigns and the year against target', async () => {
    const rootAdmin = await buildAdmin(w.api, { roles: ['super_admin'] })
    const before = await w.api.call('GET', '/admin/v1/workbench', { token: rootAdmin.token })
    expect(before.status).toBe(200)

    const boss = await buildEnterpriseAdmin(w, `工作台测试有限公司${randomBytes(2).toString('hex')}`)
    await joinRequest(boss)
    await joinRequest(boss)
    // An administrator who sent a licence that nobody has verified yet.
    await buildEnterpriseAdmin(w, `待认证测试有限公司${randomBytes(2).toString('hex')}`, { verified: false })
    const base = {
      content: { kind: 'patent', id: new Types.ObjectId(), title: '标题', category: 'warning' },
      targeting: {
        regions: [],
        regionMatch: 'within',
        industries: [],
        ipcs: [],
        enterpriseTypes: [],
        sizes: [],
      },
      templateId: 'tpl-patent-push',
      createdBy: new Types.ObjectId(),
    }
    await CampaignModel.create([
      { ...base, name: '发送中', status: 'sending', startedAt: new Date() },
      { ...base, name: '规划中', status: 'queued', startedAt: new Date() },
      { ...base, name: '已排期', status: 'scheduled', scheduledAt: new Date(Date.now() + 86_400_000) },
      { ...base, name: '已完成', status: 'done', startedAt: new Date(), finishedAt: new Date() },
    ])
    const year = currentYear()
    await EnterpriseDeliveryModel.create(
      Array.from({ length: 3 }, () => ({
        campaignId: new Types.ObjectId(),
        enterpriseId: new Types.ObjectId(),
        at: new Date(),
        year,
        month: 1,
      })),
    )
    await w.api.call('PUT', '/admin/v1/settings/push', {
      token: rootAdmin.token,
      body: { weeklyCap: 3, yearTarget: 120, templateId: 'tpl-patent-push', publisher: '知识产权局' },
    })

    const after = await w.api.call('GET', '/admin/v1/workbench', { token: rootAdmin.token })
    expect(after.status).toBe(200)
    expect(after.body.joinRequests.pending - before.body.joinRequests.pending).toBe(2)
    expect(after.body.verifications.pending - before.body.verifications.pending).toBe(1)
    expect(after.body.campaigns.inProgress - before.body.campaigns.inProgress).toBe(2)
    expect(after.body.campaigns.scheduled - before.body.campaigns.scheduled).toBe(1)
    expect(after.body.deliveries).toMatchObject({ year, target: 120 })
    expect(after.body.deliveries.delivered - before.body.deliveries.delivered).toBe(3)
    expect(after.body.deliveries.percent).toBe(
      Math.round((after.body.deliveries.delivered / 120) * 1000) / 10,
    )
  })

  it('leaves out each figure the user holds no permission for', async () => {
    const figures = async (permissions: Permission[]) => {
      const a = await buildAdmin(w.api, { permissions })
      const res = await w.api.call('GET', '/admin/v1/workbench', { token: a.token })
      expect(res.status).toBe(200)
      return Object.keys(res.body).sort()
    }
    expect(await figures(['push.manage'])).toEqual(['campaigns'])
    expect(await figures(['enterprise.read'])).toEqual(['joinRequests'])
    expect(await figures(['enterprise.manage'])).toEqual(['joinRequests', 'verifications'])
    expect(await figures(['stats.read'])).toEqual(['deliveries'])
    expect(await figures(['audit.read'])).toEqual([])
  })

  it('answers 401 UNAUTHORIZED to a caller who is not signed in', async () => {
    const res = await w.api.call('GET', '/admin/v1/workbench')
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe('UNAUTHORIZED')
  })
})
