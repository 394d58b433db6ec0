import { createServer, type AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { Queue } from 'bull'
import { beforeAll, describe, expect, it } from 'vitest'
import { SYSTEM_QUEUE } from '@zct/api/tasks'
import { startWorker } from '@zct/jobs/worker'
import { loadConfig } from '@zct/api/internal/platform/config'
import { createLogger, type Logger } from '@zct/api/internal/platform/logger'
import { reportApiFigures, startMetricsServer } from '@zct/api/internal/platform/metrics'
import { openQueue } from '@zct/api/internal/platform/queues'
import { beijingYear } from '@zct/api/internal/platform/time'
import { buildAdmin, type AdminSession } from '../support/factories.js'
import { PUSH_TEMPLATE, uniqueOpenid, world } from '../support/world.js'

const w = world()

/** The samples of one metric in a Prometheus text exposition, each with its labels. */
function samples(text: string, name: string) {
  const line = new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm')
  return [...text.matchAll(line)].map((m) => ({
    labels: Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]])),
    value: Number(m[2]),
  }))
}

/** The value of the sample carrying at least these labels (undefined when there is none). */
const sample = (text: string, name: string, labels: Record<string, string>) =>
  samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value

async function scrape() {
  const res = await w.api.call('GET', '/metrics')
  expect(res.status).toBe(200)
  return res.body as string
}

async function freePort() {
  const probe = createServer().listen(0, '127.0.0.1')
  await new Promise((r) => probe.once('listening', r))
  const { port } = probe.address() as AddressInfo
  await new Promise((r) => probe.close(r))
  return port
}

describe('/metrics', () => {
  let admin: AdminSession
  beforeAll(async () => {
    admin = await buildAdmin(w.api, { roles: ['super_admin'] })
    // Before the first scrape, which caches the push figures for 30 s.
    const res = await w.api.call('PUT', '/admin/v1/settings/push', {
      token: admin.token,
      body: { weeklyCap: 3, yearTarget: 64_321, templateId: PUSH_TEMPLATE.id, publisher: '市场监管局' },
    })
    expect(res.status).toBe(200)
  })

  it('times requests by route pattern, never by the raw path with its ids', async () => {
    await w.api.call('PATCH', `/admin/v1/users/${admin.id}`, { token: admin.token, body: {} })
    await w.api.call('GET', '/readyz')
    await w.api.call('GET', '/no/such/page')
    const text = await scrape()
    const count = 'http_request_duration_seconds_count'
    expect(sample(text, count, { method: 'PATCH', route: '/admin/v1/users/:id' })).toBeGreaterThan(0)
    expect(sample(text, count, { method: 'GET', route: '/readyz', status: '200' })).toBeGreaterThan(0)
    expect(sample(text, count, { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThan(0)
    expect(samples(text, count).filter((s) => s.labels.route!.includes(admin.id))).toEqual([])
    // the process metrics, labelled with the service
    expect(samples(text, 'process_resident_memory_bytes')[0]?.labels.service).toMatch(/^(api|worker)$/)
  })

  it('reads each queue depth from Redis when scraped', async () => {
    const config = w.api.config
    const queue = openQueue(SYSTEM_QUEUE, config.redis.url, config.redis.prefix)
    try {
      const before = sample(await scrape(), 'zct_queue_jobs', { queue: SYSTEM_QUEUE, state: 'delayed' })
      expect(before).toBeTypeOf('number')
      await queue.add('health', { requestedAt: 'metrics' }, { delay: 3_600_000 })
      const text = await scrape()
      expect(sample(text, 'zct_queue_jobs', { queue: SYSTEM_QUEUE, state: 'delayed' })).toBe(before! + 1)
      for (const state of ['waiting', 'active', 'failed'])
        expect(sample(text, 'zct_queue_jobs', { queue: SYSTEM_QUEUE, state })).toBeTypeOf('number')
      // every queue a module's tasks run on, opened by this api or not
      expect(samples(text, 'zct_queue_jobs').map((s) => s.labels.queue)).toContain('push')
    } finally {
      await queue.obliterate({ force: true })
      await queue.close()
    }
  })

  it("counts WeChat calls by WeChat's errcode", async () => {
    const key = { endpoint: '/sns/jscode2session', errcode: '45011' }
    const before = sample(await scrape(), 'zct_wechat_calls_total', key) ?? 0
    await w.wx.inject({ endpoint: 'jscode2session', errcode: 45011, times: 1 })
    const refused = await w.api.call('POST', '/mp/v1/auth/login', {
      body: { code: await w.loginCode(uniqueOpenid()) },
    })
    expect(refused.status).toBe(429)
    await w.api.call('POST', '/mp/v1/auth/login', { body: { code: await w.loginCode(uniqueOpenid()) } })
    const text = await scrape()
    expect(sample(text, 'zct_wechat_calls_total', key)).toBe(before + 1)
    expect(sample(text, 'zct_wechat_calls_total', { ...key, errcode: '0' })).toBeGreaterThan(0)
    expect(
      sample(text, 'zct_wechat_call_duration_seconds_count', { endpoint: key.endpoint }),
    ).toBeGreaterThan(1)
  })

  it("shows the year's push figures against the target from the push settings", async () => {
    const year = String(beijingYear())
    const stats = await w.api.call('GET', `/admin/v1/stats/push?year=${year}`, { token: admin.token })
    expect(stats.status).toBe(200)
    const text = await scrape()
    expect(sample(text, 'zct_push_year_target', { year })).toBe(64_321)
    expect(sample(text, 'zct_push_messages_sent', { year })).toBe(stats.body.delivered)
  })

  it('still answers when Redis or the database does not: those gauges are left out, warned once', async () => {
    const warnings: string[] = []
    const down = () => Promise.reject(new Error('connect ECONNREFUSED'))
    const stop = reportApiFigures({
      queues: () => [{ name: 'push', getJobCounts: down } as unknown as Queue],
      pushProgress: down,
      log: { warn: (_: unknown, msg: string) => warnings.push(msg) } as unknown as Logger,
    })
    try {
      for (let i = 0; i < 2; i++) {
        const text = await scrape()
        expect(samples(text, 'zct_queue_jobs')).toEqual([])
        expect(samples(text, 'zct_push_year_target')).toEqual([])
        expect(samples(text, 'http_request_duration_seconds_count').length).toBeGreaterThan(0)
      }
      expect(warnings.sort()).toEqual([
        expect.stringMatching(/push figures unavailable/),
        expect.stringMatching(/queue depths unavailable/),
      ])
    } finally {
      stop()
    }
  })

  it("serves a worker's own /metrics and /healthz, to the scraper holding the token", async () => {
    const port = await freePort()
    const config = loadConfig({
      ...w.api.env,
      WORKER_METRICS_PORT: String(port),
      METRICS_TOKEN: 'scrape-secret-2',
    })
    const worker = await startWorker({ config, log: createLogger('silent'), connect: false })
    const queue = openQueue(SYSTEM_QUEUE, config.redis.url, config.redis.prefix)
    const base = `http://127.0.0.1:${port}`
    try {
      const job = await queue.add('health', { requestedAt: 'metrics' }, { attempts: 1 })
      await job.finished()
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' })
      expect((await fetch(`${base}/metrics`)).status).toBe(404)
      const wrong = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })
      expect(wrong.status).toBe(404)
      const scrapeWorker = async () => {
        const res = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer scrape-secret-2' } })
        expect(res.status).toBe(200)
        return res.text()
      }
      const task = { queue: SYSTEM_QUEUE, task: 'health' }
      expect(
        sample(await scrapeWorker(), 'zct_job_duration_seconds_count', { ...task, outcome: 'completed' }),
      ).toBeGreaterThan(0)

      // A payload the task refuses fails both attempts: the first has a retry to follow, the second not.
      const bad = await queue.add('health', { requestedAt: 42 }, { attempts: 2, backoff: 1 })
      await expect(bad.finished()).rejects.toThrow()
      await expect
        .poll(async () => sample(await scrapeWorker(), 'zct_job_failures_total', { ...task, final: 'true' }))
        .toBe(1)
      const text = await scrapeWorker()
      expect(sample(text, 'zct_job_failures_total', { ...task, final: 'false' })).toBe(1)
      expect(sample(text, 'zct_job_duration_seconds_count', { ...task, outcome: 'failed' })).toBe(2)
    } finally {
      await queue.close()
      await worker.close()
    }
    // closed with the worker
    await expect(fetch(`${base}/healthz`)).rejects.toThrow()
  })

  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address
  it.skipIf(!external)('without a token, answers the host itself only', async () => {
    const metrics = await startMetricsServer({ host: '0.0.0.0', port: 0, token: '' })
    try {
      expect((await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).status).toBe(200)
      expect((await fetch(`http://${external}:${metrics.port}/metrics`)).status).toBe(404)
      expect((await fetch(`http://${external}:${metrics.port}/healthz`)).status).toBe(200)
    } finally {
      await metrics.close()
    }
  })
})
