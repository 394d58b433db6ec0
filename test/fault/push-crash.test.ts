import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { InboxItemModel } from '@zct/api/internal/modules/inbox/inbox.model'
import { buildAdmin, buildPublishedPatent } from '../support/factories.js'
import { seedRecipients } from '../support/seed.js'
import { PUSH_TEMPLATE, world } from '../support/world.js'

const root = path.resolve(import.meta.dirname, '../..')
const w = world({ WECHAT_SEND_RPS: '2000' })
const children: ChildProcess[] = []

/** A real worker process, as production runs it, joined to this test's api by the same environment. */
function startWorkerProcess() {
  // node itself with tsx's loader, not the tsx wrapper: kill -9 must hit the worker, and a wrapper would
  // die alone and leave the real worker running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'jobs/src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, ...w.api.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  children.push(child)
  return child
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
})

describe('push fan-out survives a crashed worker', () => {
  it('gives every one of 10,000 members exactly one WeChat message and one inbox item after kill -9 and a new worker', async () => {
    const openids = await seedRecipients({
      enterprises: 5000,
      members: 2,
      profile: () => ({ region: '440203', ipcs: ['H04L'], industries: ['39'] }),
      grantTemplate: PUSH_TEMPLATE.id,
      onMember: (openid) => {
        w.wxState.users.set(openid, {
          sessionKey: 'seed',
          lastLoginAt: Date.now(),
          recentLogins: [],
        } as never)
        w.wxState.grant(openid, PUSH_TEMPLATE.id, true)
      },
    })
    expect(openids).toHaveLength(10_000)
    const editor = await buildAdmin(w.api, { roles: ['content_editor'] })
    const operator = await buildAdmin(w.api, { roles: ['super_admin'] })
    await w.api.call('PUT', '/admin/v1/settings/push', {
      token: operator.token,
      body: { weeklyCap: 3, yearTarget: 50_000, templateId: PUSH_TEMPLATE.id, publisher: '市场监管局' },
    })
    const patent = await buildPublishedPatent(w.api, editor.token, { tags: { ipcs: ['H04L 9/32'] } })
    const c = await w.api.call('POST', '/admin/v1/campaigns', {
      token: operator.token,
      body: { name: '崩溃演练', content: { kind: 'patent', id: patent.id } },
    })
    const first = startWorkerProcess()
    await w.api.call('POST', `/admin/v1/campaigns/${c.body.id}/send`, { token: operator.token, body: {} })

    // Kill the worker once WeChat has seen a good part, but not all, of the sends.
    const deadline = Date.now() + 90_000
    while (w.wxState.messages.length < 2_500) {
      if (Date.now() > deadline)
        throw new Error(`only ${w.wxState.messages.length} sends before the deadline`)
      await new Promise((r) => setTimeout(r, 20))
    }
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    expect(first.signalCode).toBe('SIGKILL')
    const atKill = w.wxState.messages.length
    expect(atKill).toBeLessThan(10_000)

    startWorkerProcess()
    let status = ''
    while (status !== 'done') {
      if (Date.now() > deadline + 60_000) throw new Error(`campaign stuck in ${status}`)
      await new Promise((r) => setTimeout(r, 250))
      status = (await w.api.call('GET', `/admin/v1/campaigns/${c.body.id}`, { token: operator.token })).body
        .status
    }

    const perUser = new Map<string, number>()
    for (const m of w.wxState.messages) perUser.set(m.toUser, (perUser.get(m.toUser) ?? 0) + 1)
    const missing = openids.filter((o) => !perUser.has(o))
    const doubled = [...perUser.entries()].filter(([, n]) => n !== 1)
    expect({ missing: missing.length, doubled: doubled.length, messages: w.wxState.messages.length }).toEqual(
      {
        missing: 0,
        doubled: 0,
        messages: 10_000,
      },
    )
    expect(await InboxItemModel.countDocuments({ campaignId: c.body.id })).toBe(10_000)
    const detail = await w.api.call('GET', `/admin/v1/campaigns/${c.body.id}`, { token: operator.token })
    expect(detail.body.progress).toMatchObject({
      total: 10_000,
      processed: 10_000,
      wechatSent: 10_000,
      percent: 100,
    })
  })
})
