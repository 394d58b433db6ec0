import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import bodyParser from '@koa/bodyparser'
import cors from '@koa/cors'
import Router from '@koa/router'
import Koa from 'koa'
import helmet from 'koa-helmet'
import serve from 'koa-static'
import { z } from 'zod'
import { productMessages } from '../modules/common.contract.js'
import { errorMiddleware, errors } from './errors.js'
import type { Logger } from './logger.js'
import { httpDuration, mayScrape, registry, useProcessMetrics } from './metrics.js'
import type { ApiRouter } from './routing.js'

// Validation messages in product words, built from each contract field's label (zhCN for anything left).
z.config({ ...z.locales.zhCN(), ...productMessages() })

export interface HttpOptions {
  log: Logger
  bodyLimitKb: number
  adminOrigin: string
  trustProxy: boolean
  adminStaticDir: string
  /** Each returns true when its dependency answers; named in the 503 body when it does not. */
  readiness: Record<string, () => Promise<boolean>>
  isShuttingDown: () => boolean
  /** when set, /metrics requires it as a bearer token; when not, /metrics answers loopback callers only */
  metricsToken: string
}

useProcessMetrics('api')

const HEALTHY = Object.freeze({ status: 'ok' })

export function createHttpApp(opts: HttpOptions, routers: ApiRouter[]) {
  const app = new Koa({ proxy: opts.trustProxy })
  app.context.log = opts.log
  // Errors the error middleware could not answer (a client gone mid-upload): log, never print to stderr.
  app.on('error', (err: NodeJS.ErrnoException & { status?: number }) => {
    if (
      err.code === 'ECONNRESET' ||
      err.code === 'ECONNABORTED' ||
      err.message === 'Parse Error' ||
      err.message === 'aborted'
    )
      return
    opts.log.warn({ err }, 'unhandled koa error')
  })

  // Liveness first and alone: a load balancer or orchestrator asks every few seconds, and the answer only
  // says the process runs its event loop. No log line, headers or metrics for it (readiness is /readyz).
  app.use((ctx, next) => {
    if (ctx.path !== '/healthz' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next()
    ctx.body = HEALTHY
    return undefined
  })

  // Request id first, so even the error middleware's log lines carry it.
  app.use(async (ctx, next) => {
    const incoming = ctx.get('x-request-id')
    const id = /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID()
    ctx.state.requestId = id
    // A request's own logger (`ctx.state.log`, with its id and caller) is made when something first logs
    // through it: most requests never do, and a pino child costs a serialisation of its bindings.
    let child: Logger | undefined
    Object.defineProperty(ctx.state, 'log', {
      configurable: true,
      enumerable: true,
      get: () =>
        (child ??= opts.log.child({
          reqId: id,
          ...(ctx.state.user ? { user: (ctx.state.user as { id: string }).id } : {}),
        })),
      set: (l: Logger) => (child = l),
    })
    ctx.set('X-Request-Id', id)
    const started = process.hrtime.bigint()
    try {
      await next()
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched'
      httpDuration.observe({ method: ctx.method, route, status: String(ctx.status) }, ms / 1000)
      // One flat line per request: a few scalars, never a body or a header bag.
      if (!ctx.path.startsWith('/admin/') || ctx.path.startsWith('/admin/v1'))
        opts.log.info(
          {
            reqId: id,
            user: (ctx.state.user as { id?: string } | undefined)?.id,
            method: ctx.method,
            path: ctx.path,
            status: ctx.status,
            ms: Math.round(ms * 10) / 10,
          },
          'request',
        )
    }
  })
  app.use(errorMiddleware())
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          // the console previews a PDF it fetched with the session's token from a blob: URL in an iframe
          frameSrc: ["'self'", 'blob:'],
          styleSrc: ["'self'", "'unsafe-inline'"],
          scriptSrc: ["'self'"],
        },
      },
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }),
  )
  // The console is served from this origin; CORS only opens for a separately hosted console if configured.
  app.use(
    cors({
      origin: (ctx) => (opts.adminOrigin && ctx.get('origin') === opts.adminOrigin ? opts.adminOrigin : ''),
      allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposeHeaders: [
        'X-Request-Id',
        'Retry-After',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
      ],
      maxAge: 600,
    }),
  )
  // While shutting down, every response closes its connection, so keep-alive clients move elsewhere.
  app.use(async (ctx, next) => {
    await next()
    if (opts.isShuttingDown()) ctx.set('Connection', 'close')
  })
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: `${opts.bodyLimitKb}kb`,
      encoding: 'utf-8',
    }),
  )

  const system = new Router()
  system.get('/readyz', async (ctx) => {
    const names = Object.keys(opts.readiness)
    const results = await Promise.all(names.map((n) => opts.readiness[n]!()))
    const failing = names.filter((_, i) => !results[i])
    if (opts.isShuttingDown()) failing.push('shutdown')
    ctx.status = failing.length ? 503 : 200
    ctx.body = {
      status: failing.length ? 'unavailable' : 'ok',
      checks: Object.fromEntries(names.map((n, i) => [n, results[i] ? 'ok' : 'down'])),
      ...(failing.length ? { failing } : {}),
    }
  })
  // Metrics describe the deployment: for the scraper (bearer METRICS_TOKEN) or the host itself only.
  system.get('/metrics', async (ctx) => {
    if (!mayScrape(opts.metricsToken, ctx.get('authorization'), ctx.request.socket.remoteAddress))
      throw errors.notFound('接口')
    ctx.type = registry.contentType
    ctx.body = await registry.metrics()
  })
  app.use(system.routes())

  // Short public addresses printed on paper (a certificate's QR code: /v/<code>) are served by the
  // endpoint they stand for, with its validation and rate limit.
  app.use(async (ctx, next) => {
    const alias = /^\/v\/([^/]{1,64})$/.exec(ctx.path)
    if (alias && (ctx.method === 'GET' || ctx.method === 'HEAD'))
      ctx.path = `/mp/v1/certificates/${alias[1]}/page`
    return next()
  })

  // throw: 405 and 501 become errors, answered in the envelope like every other refusal.
  for (const r of routers) app.use(r.router.routes()).use(r.router.allowedMethods({ throw: true }))

  if (opts.adminStaticDir && existsSync(path.join(opts.adminStaticDir, 'index.html')))
    mountConsole(app, opts.adminStaticDir)
  return app
}

/** Serves the built console at /admin/, with history-mode fallback to index.html. */
function mountConsole(app: Koa, dir: string) {
  const index = readFileSync(path.join(dir, 'index.html'))
  const files = serve(dir, { index: false, maxage: 3600_000, immutable: false })
  app.use(async (ctx, next) => {
    if (ctx.path === '/admin') return ctx.redirect('/admin/')
    if (!ctx.path.startsWith('/admin/') || ctx.path.startsWith('/admin/v1/')) return next()
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next()
    const original = ctx.path
    ctx.path = original.slice('/admin'.length)
    try {
      await files(ctx, async () => {})
    } catch (err) {
      // koa-send refuses what escapes the folder (403), cannot be decoded (400) or named (ENAMETOOLONG):
      // none of it is a console page, and none of it says more than "not here".
      ctx.path = original
      if ((err as { status?: number }).status || (err as { code?: string }).code === 'ENAMETOOLONG')
        throw errors.notFound('页面')
      throw err
    }
    if (ctx.body === undefined || ctx.body === null) {
      ctx.path = original
      ctx.type = 'html'
      ctx.set('Cache-Control', 'no-cache')
      ctx.body = index
    } else if (ctx.path.startsWith('/assets/')) {
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable')
    }
  })
}
