/**
 * Every Prometheus metric of the api and the worker, declared once here on prom-client's global registry
 * (one per process). The names are fixed: the operations guide and the Grafana dashboard refer to them.
 *
 * Figures that live outside the process (queue depths in Redis, the year's push figures in MongoDB) are
 * read when scraped, from sources a process registers, and a store that does not answer leaves its gauge
 * out of that scrape instead of failing it.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { Queue } from 'bull'
import client from 'prom-client'
import { withTimeout } from './db.js'
import type { Logger } from './logger.js'
import type { Core, ModuleDef, Services } from './modules.js'
import { beijingYear } from './time.js'

export const registry = client.register

let defaultMetrics = false

/**
 * prom-client's process metrics (memory, heap, event-loop lag), and the `service` label on every series of
 * this process ("api" or "worker"), so one dashboard tells the two apart behind the same job.
 */
export function useProcessMetrics(service: 'api' | 'worker') {
  registry.setDefaultLabels({ service })
  if (defaultMetrics) return
  defaultMetrics = true
  client.collectDefaultMetrics()
}

// ── api ─────────────────────────────────────────────────────────────────────────────────────────────

export const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by matched route pattern ("unmatched" otherwise) and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
})

// ── worker ──────────────────────────────────────────────────────────────────────────────────────────

export const jobDuration = new client.Histogram({
  name: 'zct_job_duration_seconds',
  help: 'One attempt of a bull job, by queue, task and outcome (completed, failed)',
  labelNames: ['queue', 'task', 'outcome'] as const,
  // from a heartbeat (ms) to a 500-message push batch at the shared send rate (tens of seconds)
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
})

export const jobFailures = new client.Counter({
  name: 'zct_job_failures_total',
  help: 'Failed attempts of bull jobs; final="true" once no retry follows',
  labelNames: ['queue', 'task', 'final'] as const,
})

// ── WeChat (api and worker) ─────────────────────────────────────────────────────────────────────────

export const wechatCalls = new client.Counter({
  name: 'zct_wechat_calls_total',
  help: 'WeChat HTTP calls by endpoint and errcode ("0" success; below -1000 our own: network, timeout, bad answer)',
  labelNames: ['endpoint', 'errcode'] as const,
})

export const wechatCallDuration = new client.Histogram({
  name: 'zct_wechat_call_duration_seconds',
  help: 'WeChat HTTP call latency by endpoint, failures included',
  labelNames: ['endpoint'] as const,
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
})

// ── read at scrape time (api) ───────────────────────────────────────────────────────────────────────

/** What the api reads when scraped: its queues and the year's push figures. */
export interface ApiFigureSources {
  /** every bull queue whose depth the api reports */
  queues(): Queue[]
  /** delivered (the campaign statistics' enterprise-deliveries) and the target of a Beijing year */
  pushProgress(year: number): Promise<{ delivered: number; target: number }>
  log: Logger
}

interface Source extends ApiFigureSources {
  /** one warning per outage, not one per scrape */
  failing: { queues: boolean; push: boolean }
  push?: { at: number; year: number; figures: Promise<{ year: number; delivered: number; target: number }> }
}

/** A scrape never waits on a store longer than this: Prometheus' own timeout is 10 s by default. */
const SCRAPE_READ_MS = 2_000
/** A scrape storm (several Prometheus replicas, a dashboard left open) reads the database once per this. */
const PUSH_CACHE_MS = 30_000
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const

const sources: Source[] = []
/** The newest registration answers: one api per process in production, tests start them one at a time. */
const current = () => sources.at(-1)

function warnOnce(s: Source, key: keyof Source['failing'], err: unknown, msg: string) {
  if (!s.failing[key]) s.log.warn({ err: { message: (err as Error).message } }, msg)
  s.failing[key] = true
}

new client.Gauge({
  name: 'zct_queue_jobs',
  help: 'Jobs in each bull queue by state, read from Redis when scraped',
  labelNames: ['queue', 'state'] as const,
  async collect() {
    this.reset()
    const s = current()
    if (!s) return
    const queues = s.queues()
    try {
      const counts = await withTimeout(Promise.all(queues.map((q) => q.getJobCounts())), SCRAPE_READ_MS)
      queues.forEach((q, i) => {
        for (const state of QUEUE_STATES) this.set({ queue: q.name, state }, counts[i]![state] ?? 0)
      })
      s.failing.queues = false
    } catch (err) {
      warnOnce(s, 'queues', err, 'metrics: queue depths unavailable (Redis); left out of the scrape')
    }
  },
})

/** This year's push figures, read at most once per PUSH_CACHE_MS (a failed read is not kept). */
async function pushFigures() {
  const s = current()
  if (!s) return undefined
  const year = beijingYear()
  if (!s.push || s.push.year !== year || Date.now() - s.push.at >= PUSH_CACHE_MS) {
    const figures = withTimeout(s.pushProgress(year), SCRAPE_READ_MS).then((p) => ({ year, ...p }))
    const entry = { at: Date.now(), year, figures }
    s.push = entry
    figures.then(
      () => {
        s.failing.push = false
      },
      (err: unknown) => {
        if (s.push === entry) delete s.push
        warnOnce(s, 'push', err, 'metrics: push figures unavailable (database); left out of the scrape')
      },
    )
  }
  return s.push.figures.catch(() => undefined)
}

new client.Gauge({
  name: 'zct_push_messages_sent',
  help: 'Push messages delivered to enterprises this Beijing year (the campaign statistics figure)',
  labelNames: ['year'] as const,
  async collect() {
    this.reset()
    const p = await pushFigures()
    if (p) this.set({ year: String(p.year) }, p.delivered)
  },
})

new client.Gauge({
  name: 'zct_push_year_target',
  help: 'The yearly push target (enterprise-deliveries) from the push settings',
  labelNames: ['year'] as const,
  async collect() {
    this.reset()
    const p = await pushFigures()
    if (p) this.set({ year: String(p.year) }, p.target)
  },
})

/** Registers an api's sources of scrape-time figures; the returned function takes them back (on close). */
export function reportApiFigures(figures: ApiFigureSources): () => void {
  const s: Source = { ...figures, failing: { queues: false, push: false } }
  sources.push(s)
  return () => {
    const i = sources.indexOf(s)
    if (i >= 0) sources.splice(i, 1)
  }
}

/**
 * The api's figures from what it built: the depth of every queue a listed module's tasks run on (opened
 * here if this process had not yet), and the campaign statistics' progress against the target.
 */
export function reportApiFiguresOf(
  platform: Pick<Core, 'queue' | 'log'> & { services: Pick<Services, 'campaigns'> },
  modules: readonly ModuleDef[],
): () => void {
  const names = [...new Set(modules.flatMap((m) => (m.tasks ?? []).map((t) => t.queue)))].sort()
  return reportApiFigures({
    queues: () => names.map((n) => platform.queue(n)),
    pushProgress: (year) => platform.services.campaigns.stats.progress(year),
    log: platform.log,
  })
}

// ── exposition ──────────────────────────────────────────────────────────────────────────────────────

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])
const digest = (s: string) => createHash('sha256').update(s).digest()

/**
 * Metrics describe the deployment: they go to the scraper holding METRICS_TOKEN (as a bearer token) or,
 * when no token is configured, to the host itself only. The same rule on the api and the worker.
 */
export function mayScrape(
  token: string,
  authorization: string | undefined,
  remoteAddress: string | undefined,
) {
  if (!token) return LOOPBACK.has(remoteAddress ?? '')
  // compared as digests: equal lengths, and no early exit that would time out the token byte by byte
  return timingSafeEqual(digest(authorization ?? ''), digest(`Bearer ${token}`))
}

/**
 * The worker's own small endpoint (it has no Koa app): GET /metrics under the scrape rule, GET /healthz
 * for the orchestrator. Resolves once listening.
 */
export async function startMetricsServer(opts: { host: string; port: number; token: string }) {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    const answer = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    const json = (status: number, body: unknown) =>
      answer(status, 'application/json; charset=utf-8', JSON.stringify(body))
    const notFound = () => json(404, { error: { code: 'NOT_FOUND', message: '接口不存在或无权查看' } })
    if (req.method !== 'GET' && req.method !== 'HEAD') return notFound()
    if (path === '/healthz') return json(200, { status: 'ok' })
    if (path !== '/metrics' || !mayScrape(opts.token, req.headers.authorization, req.socket.remoteAddress))
      return notFound()
    registry.metrics().then(
      (text) => answer(200, registry.contentType, text),
      () => json(500, { error: { code: 'INTERNAL', message: '指标暂时无法读取' } }),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  return {
    server,
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
