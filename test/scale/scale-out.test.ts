import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BATCH_SIZE } from '@zct/api/internal/modules/campaigns/campaigns.jobs'
import { InboxItemModel } from '@zct/api/internal/modules/inbox/inbox.model'
import { AdminUserModel } from '@zct/api/internal/modules/staff/staff.model'
import { callAt, startCluster, type Cluster, type ClusterProcess } from '../support/cluster.js'
import {
  buildAdmin,
  buildEnterpriseAdmin,
  buildPublishedPatent,
  type AdminSession,
} from '../support/factories.js'
import { seedRecipients } from '../support/seed.js'
import { PUSH_TEMPLATE, uniqueOpenid, world } from '../support/world.js'

/**
 * Issue 12, item 7: two api processes and two workers on one Redis and one database, as production runs
 * them, behind a proxy that retries like nginx. The in-process api of the world only builds fixtures.
 */
const w = world({
  WECHAT_SEND_RPS: '2000',
  // Failed logins here are counted by the rate limiter alone, not slowed down by the login guard.
  LOGIN_MAX_FAILURES: '20',
  LOGIN_SPRAY_FAILURES: '1000',
})
let cluster: Cluster
let A: ClusterProcess
let B: ClusterProcess
let operator: AdminSession
/** the 10,000 members of the first campaign, and the 5,000 of the worker-restart campaign */
let firstGroup: string[]
let secondGroup: string[]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  const seed = (enterprises: number, ipc: string) =>
    seedRecipients({
      enterprises,
      members: 2,
      profile: () => ({ region: '440203', ipcs: [ipc], industries: ['39'] }),
      grantTemplate: PUSH_TEMPLATE.id,
      onMember: (openid) => w.registerAtFake(openid),
    })
  firstGroup = await seed(5000, 'H04L')
  secondGroup = await seed(2500, 'G06F')
  operator = await buildAdmin(w.api, { roles: ['super_admin'] })
  await w.api.call('PUT', '/admin/v1/settings/push', {
    token: operator.token,
    body: { weeklyCap: 3, yearTarget: 50_000, templateId: PUSH_TEMPLATE.id, publisher: '市场监管局' },
  })
  cluster = await startCluster({
    apis: 2,
    workers: 2,
    env: w.api.env,
    // The proxy drops idle upstream connections after 0.5 s, well inside the api's 1.5 s drain.
    extra: { SHUTDOWN_DRAIN_MS: '1500' },
    proxy: { idleTimeoutMs: 500 },
  })
  ;[A, B] = cluster.apis as [ClusterProcess, ClusterProcess]
}, 180_000)

afterAll(async () => {
  await cluster?.close()
})

/** A campaign of one published patent tagged with `ipc`, sent through the proxy; its id. */
async function sendCampaign(name: string, ipc: string) {
  const patent = await buildPublishedPatent(w.api, operator.token, { tags: { ipcs: [ipc] } })
  const c = await callAt(cluster.proxy.url, 'POST', '/admin/v1/campaigns', {
    token: operator.token,
    body: { name, content: { kind: 'patent', id: patent.id } },
  })
  expect(c.status).toBe(201)
  const sent = await callAt(cluster.proxy.url, 'POST', `/admin/v1/campaigns/${c.body.id}/send`, {
    token: operator.token,
    body: {},
  })
  expect(sent.status).toBe(202)
  return c.body.id as string
}

async function campaignDone(id: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs
  let status = ''
  while (status !== 'done') {
    if (Date.now() > deadline) throw new Error(`campaign stuck in ${status}`)
    await sleep(250)
    status = (await callAt(cluster.proxy.url, 'GET', `/admin/v1/campaigns/${id}`, { token: operator.token }))
      .body.status
  }
}

/** WeChat messages per member of `group`: every member exactly once, and nothing else to them. */
function deliveries(group: string[]) {
  const members = new Set(group)
  const perUser = new Map<string, number>()
  for (const m of w.wxState.messages)
    if (members.has(m.toUser)) perUser.set(m.toUser, (perUser.get(m.toUser) ?? 0) + 1)
  return {
    missing: group.filter((o) => !perUser.has(o)).length,
    doubled: [...perUser.values()].filter((n) => n !== 1).length,
    messages: [...perUser.values()].reduce((a, b) => a + b, 0),
  }
}

/** Completed push batches on one worker's own /metrics (WORKER_METRICS_PORT). */
async function completedBatches(worker: ClusterProcess) {
  const res = await fetch(`${worker.url}/metrics`)
  expect(res.status).toBe(200)
  const line = (await res.text())
    .split('\n')
    .find(
      (l) =>
        l.startsWith('zct_job_duration_seconds_count{') &&
        l.includes('task="campaign.batch"') &&
        l.includes('outcome="completed"'),
    )
  return line ? Number(line.split(' ').pop()) : 0
}

describe('two api processes and two workers on one Redis and one database', () => {
  it('delivers a 10,000-member campaign exactly once, with both workers doing part of the work', async () => {
    const id = await sendCampaign('横向扩展演练', 'H04L 9/32')
    await campaignDone(id)

    expect(deliveries(firstGroup)).toEqual({ missing: 0, doubled: 0, messages: 10_000 })
    expect(await InboxItemModel.countDocuments({ campaignId: id })).toBe(10_000)
    // Each worker reached WeChat through its own tap: both sent, and together exactly the campaign.
    const sends = cluster.workers.map((wk) => wk.wechatSends())
    expect(sends.every((n) => n > 0)).toBe(true)
    expect(sends[0]! + sends[1]!).toBe(10_000)
    // The workers' own account of it: each completed some of the campaign's batches, together all of them.
    const batches = await Promise.all(cluster.workers.map((wk) => completedBatches(wk)))
    expect(batches.every((n) => n > 0)).toBe(true)
    expect(batches[0]! + batches[1]!).toBe(10_000 / BATCH_SIZE)
    console.info(
      `[scale] campaign of 10,000: WeChat sends per worker ${sends.join(' + ')}; completed batches per worker (metrics) ${batches.join(' + ')}`,
    )
  })

  it('holds the login rate limit across processes: the 11th failed attempt gets 429 from either api', async () => {
    const username = `rl${uniqueOpenid()
      .slice(1, 9)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}`
    await w.api.platform.services.staff.createSuperAdmin(username, 'Right-password-1', false)
    for (let i = 0; i < 10; i++) {
      const res = await callAt(i % 2 ? B.url : A.url, 'POST', '/admin/v1/auth/login', {
        body: { username, password: `wrong-${i}` },
      })
      expect(res.status).toBe(401)
    }
    for (const api of [A, B]) {
      const res = await callAt(api.url, 'POST', '/admin/v1/auth/login', {
        body: { username, password: 'Right-password-1' },
      })
      expect(res.status).toBe(429)
    }
  })

  describe('revocation is seen by the other api at once', () => {
    /** Signs a console user in on api A: their access and refresh tokens. */
    async function signInOnA(u: AdminSession, password = u.password) {
      const res = await callAt(A.url, 'POST', '/admin/v1/auth/login', {
        body: { username: u.username, password },
      })
      expect(res.status).toBe(200)
      return { token: res.body.accessToken as string, refreshToken: res.body.refreshToken as string }
    }
    /** The status B answers for this token on this route, twice over so any cache B keeps is warm. */
    async function onB(token: string, path = '/admin/v1/me') {
      const first = await callAt(B.url, 'GET', path, { token })
      const second = await callAt(B.url, 'GET', path, { token })
      expect(second.status).toBe(first.status)
      return first.status
    }
    const atB = async (token: string, path = '/admin/v1/me') =>
      (await callAt(B.url, 'GET', path, { token })).status

    it('logout on A', async () => {
      const u = await buildAdmin(w.api, { permissions: ['enterprise.read'] })
      const s = await signInOnA(u)
      expect(await onB(s.token)).toBe(200)
      const out = await callAt(A.url, 'POST', '/admin/v1/auth/logout', {
        token: s.token,
        body: { refreshToken: s.refreshToken },
      })
      expect(out.status).toBe(204)
      expect(await atB(s.token)).toBe(401)
    })

    it('disabling the user on A', async () => {
      const u = await buildAdmin(w.api, { permissions: ['enterprise.read'] })
      const s = await signInOnA(u)
      expect(await onB(s.token, '/admin/v1/enterprises')).toBe(200)
      const res = await callAt(A.url, 'PATCH', `/admin/v1/users/${u.id}`, {
        token: operator.token,
        body: { disabled: true },
      })
      expect(res.status).toBe(200)
      expect(await atB(s.token, '/admin/v1/enterprises')).toBe(401)
    })

    it("changing the user's roles on A: the old token is refused, a new one carries the new permissions", async () => {
      const u = await buildAdmin(w.api, { roles: ['content_editor'] })
      const s = await signInOnA(u)
      expect(await onB(s.token, '/admin/v1/patents')).toBe(200)
      expect(await onB(s.token, '/admin/v1/campaigns')).toBe(403)
      const role = (await callAt(A.url, 'GET', '/admin/v1/roles', { token: operator.token })).body.items.find(
        (r: { key: string }) => r.key === 'push_operator',
      )
      const res = await callAt(A.url, 'PATCH', `/admin/v1/users/${u.id}`, {
        token: operator.token,
        body: { roleIds: [role.id] },
      })
      expect(res.status).toBe(200)
      expect(await atB(s.token, '/admin/v1/patents')).toBe(401)
      const again = await signInOnA(u)
      expect(await atB(again.token, '/admin/v1/patents')).toBe(403)
      expect(await atB(again.token, '/admin/v1/campaigns')).toBe(200)
    })

    it('resetting the password on A', async () => {
      const u = await buildAdmin(w.api, { permissions: ['enterprise.read'] })
      const s = await signInOnA(u)
      expect(await onB(s.token)).toBe(200)
      const res = await callAt(A.url, 'POST', `/admin/v1/users/${u.id}/password`, {
        token: operator.token,
        body: { password: 'Temporary-pass-2' },
      })
      expect(res.status).toBe(204)
      expect(await atB(s.token)).toBe(401)
    })

    it('changing the own password on A', async () => {
      const u = await buildAdmin(w.api, { permissions: ['enterprise.read'] })
      const s = await signInOnA(u)
      expect(await onB(s.token)).toBe(200)
      const res = await callAt(A.url, 'POST', '/admin/v1/me/password', {
        token: s.token,
        body: { oldPassword: u.password, newPassword: 'Brand-new-pass-3' },
      })
      expect(res.status).toBe(204)
      expect(await atB(s.token)).toBe(401)
    })

    it("changing a role's permissions on A applies to its holders' tokens on B", async () => {
      const u = await buildAdmin(w.api, { permissions: ['enterprise.read'] })
      const roleId = (await AdminUserModel.findById(u.id).lean())!.roleIds[0]!.toHexString()
      const s = await signInOnA(u)
      expect(await onB(s.token, '/admin/v1/enterprises')).toBe(200)
      expect(await onB(s.token, '/admin/v1/campaigns')).toBe(403)
      const res = await callAt(A.url, 'PATCH', `/admin/v1/roles/${roleId}`, {
        token: operator.token,
        body: { permissions: ['push.manage'] },
      })
      expect(res.status).toBe(200)
      expect(await atB(s.token, '/admin/v1/enterprises')).toBe(403)
      expect(await atB(s.token, '/admin/v1/campaigns')).toBe(200)
    })

    /** A mini-program user signed in on api A through the fake WeChat. */
    async function mpSignInOnA(openid = uniqueOpenid()) {
      const res = await callAt(A.url, 'POST', '/mp/v1/auth/login', {
        body: { code: await w.loginCode(openid) },
      })
      expect(res.status).toBe(200)
      return {
        id: res.body.user.id as string,
        token: res.body.accessToken as string,
        refreshToken: res.body.refreshToken as string,
      }
    }

    it('a mini-program logout on A', async () => {
      const u = await mpSignInOnA()
      expect(await onB(u.token, '/mp/v1/me')).toBe(200)
      const out = await callAt(A.url, 'POST', '/mp/v1/auth/logout', {
        token: u.token,
        body: { refreshToken: u.refreshToken },
      })
      expect(out.status).toBe(204)
      expect(await atB(u.token, '/mp/v1/me')).toBe(401)
    })

    it("a join request approved on A makes the member's token on B act for the enterprise", async () => {
      const boss = await buildEnterpriseAdmin(w)
      const applicant = await mpSignInOnA()
      const bind = await callAt(A.url, 'POST', '/mp/v1/enterprise/bind', {
        token: applicant.token,
        body: { creditCode: boss.creditCode, name: boss.name },
      })
      expect(bind.status).toBe(202)
      expect(await onB(applicant.token, '/mp/v1/enterprise/profile')).toBe(403)
      const members = await callAt(A.url, 'GET', '/mp/v1/enterprise/members', { token: boss.token })
      const pending = members.body.items.find((m: { userId: string }) => m.userId === applicant.id)
      const decided = await callAt(A.url, 'POST', `/mp/v1/enterprise/members/${pending.id}/decision`, {
        token: boss.token,
        body: { decision: 'approve' },
      })
      expect(decided.status).toBe(200)
      expect(await atB(applicant.token, '/mp/v1/enterprise/profile')).toBe(200)
    })

    it("the enterprise's verification decided on A lets its administrator's token on B act as verified", async () => {
      const boss = await buildEnterpriseAdmin(w, undefined, { verified: false })
      expect(await onB(boss.token, '/mp/v1/enterprise/members')).toBe(403)
      const res = await callAt(
        A.url,
        'POST',
        `/admin/v1/enterprises/${boss.enterpriseId}/verification/decision`,
        {
          token: operator.token,
          body: { decision: 'approve', licenceFileId: boss.licenceFileId },
        },
      )
      expect(res.status).toBe(200)
      expect(await atB(boss.token, '/mp/v1/enterprise/members')).toBe(200)
    })
  })

  it('answers every request of a mixed load while each api in turn is SIGTERMed and started again', async () => {
    // A member of the first campaign (run above), signed in through the proxy, with its item in the inbox.
    const member = firstGroup[0]!
    const login = await callAt(cluster.proxy.url, 'POST', '/mp/v1/auth/login', {
      body: { code: await w.loginCode(member) },
    })
    expect(login.status).toBe(200)
    const mpToken = login.body.accessToken as string
    const inbox = await callAt(cluster.proxy.url, 'GET', '/mp/v1/inbox', { token: mpToken })
    const itemId = inbox.body.items[0].id as string
    const patent = await buildPublishedPatent(w.api, operator.token, { tags: { ipcs: ['A01B 1/00'] } })

    const mix = [
      { method: 'GET', path: '/admin/v1/users?pageSize=20', token: operator.token, expect: 200 },
      { method: 'GET', path: '/mp/v1/inbox?pageSize=20', token: mpToken, expect: 200 },
      { method: 'POST', path: `/mp/v1/inbox/${itemId}/click`, token: mpToken, expect: 200 },
      {
        method: 'POST',
        path: '/admin/v1/campaigns',
        token: operator.token,
        body: { name: '滚动重启草稿', content: { kind: 'patent', id: patent.id } },
        expect: 201,
      },
    ]
    const unexpected: string[] = []
    let requests = 0
    let running = true
    const client = async (n: number) => {
      for (let i = n; running; i++) {
        const r = mix[i % mix.length]!
        const res = await callAt(cluster.proxy.url, r.method, r.path, { token: r.token, body: r.body }).catch(
          (e: Error) => ({ status: 0, body: e.message }),
        )
        requests++
        if (res.status !== r.expect)
          unexpected.push(`${r.method} ${r.path} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`)
      }
    }
    const clients = Array.from({ length: 8 }, (_, n) => client(n))
    await sleep(1000)
    const exits = []
    for (const api of [A, B]) {
      const exited = api.stop('SIGTERM')
      // Draining: the api says it is not ready while it still answers.
      await expect.poll(async () => (await callAt(api.url, 'GET', '/readyz')).status).toBe(503)
      exits.push(await exited)
      await api.start()
    }
    await sleep(1000)
    running = false
    await Promise.all(clients)

    console.info(
      `[scale] rolling restart: ${requests} requests through the proxy, ${cluster.proxy.stats.retries} retried on the other api, ${cluster.proxy.stats.connections} connections opened to the apis, ${unexpected.length} unexpected answers`,
    )
    expect(exits.map((e) => e.code)).toEqual([0, 0])
    expect(unexpected).toEqual([])
    expect(cluster.proxy.stats.failed).toBe(0)
    expect(requests).toBeGreaterThan(0)
  })

  it('lets a worker SIGTERMed mid-campaign finish its batches and exit 0 while the other finishes the campaign', async () => {
    const [first, second] = cluster.workers as [Cluster['workers'][0], Cluster['workers'][0]]
    const before = w.wxState.messages.length
    const sendsBefore = first.wechatSends()
    const id = await sendCampaign('工作进程重启演练', 'G06F 16/00')
    const deadline = Date.now() + 90_000
    while (w.wxState.messages.length - before < 1000) {
      if (Date.now() > deadline) throw new Error(`only ${w.wxState.messages.length - before} sends`)
      await sleep(20)
    }
    const atSignal = first.wechatSends()
    const secondAtSignal = second.wechatSends()
    const exit = await first.stop('SIGTERM')
    expect(exit).toEqual({ code: 0, signal: null })
    const finishedAfterSignal = first.wechatSends() - atSignal
    await campaignDone(id)

    expect(deliveries(secondGroup)).toEqual({ missing: 0, doubled: 0, messages: 5_000 })
    expect(await InboxItemModel.countDocuments({ campaignId: id })).toBe(5_000)
    expect(second.wechatSends()).toBeGreaterThan(secondAtSignal)
    console.info(
      `[scale] worker restart: SIGTERM at ${atSignal - sendsBefore} sends by the stopped worker, which sent ${finishedAfterSignal} more finishing its active batches; the other worker sent ${second.wechatSends() - secondAtSignal} after the signal`,
    )
  })
})
