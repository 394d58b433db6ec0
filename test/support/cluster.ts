/**
 * N api processes and M worker processes as production runs them, on the test's Redis and embedded
 * MongoDB, behind a small round-robin proxy that retries like nginx with `proxy_next_upstream error
 * timeout`. For the scale-out test: every process is node itself with tsx's loader (not the tsx wrapper),
 * so a signal reaches the real process.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../..')

export async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface ClusterResponse {
  status: number
  headers: Headers
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
}

/** fetch against one base URL with JSON in and out, like TestApi.call; never throws on HTTP errors. */
export async function callAt(
  base: string,
  method: string,
  urlPath: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ClusterResponse> {
  const headers: Record<string, string> = { ...opts.headers }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  let body: string | undefined
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = JSON.stringify(opts.body)
  }
  const res = await fetch(base + urlPath, { method, headers, body })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    /* metrics and other text stay text */
  }
  return { status: res.status, headers: res.headers, body: parsed }
}

/** One api or worker process of the cluster: stopped and started again on the same port. */
export class ClusterProcess {
  child: ChildProcess | undefined
  /** every line the process wrote (pino JSON on stdout, anything else on stderr), across restarts */
  readonly lines: string[] = []
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined

  constructor(
    readonly name: string,
    readonly kind: 'api' | 'worker',
    private readonly env: Record<string, string>,
    /** the api's HTTP port, or the worker's metrics port */
    readonly port: number,
  ) {}

  /** the api's base URL, or the worker's metrics server */
  get url() {
    return `http://127.0.0.1:${this.port}`
  }

  get running() {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Starts the process and resolves once it is ready: /readyz 200 for an api, "worker ready" for a worker. */
  async start(timeoutMs = 60_000) {
    if (this.running) throw new Error(`${this.name} is already running`)
    const entry = this.kind === 'api' ? 'api/src/main.ts' : 'jobs/src/main.ts'
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    const collect = (stream: NodeJS.ReadableStream) => {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n')
        rest = parts.pop()!
        this.lines.push(...parts.filter(Boolean))
      })
    }
    collect(child.stdout!)
    collect(child.stderr!)
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
    const seen = this.lines.length
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.running)
        throw new Error(
          `${this.name} exited with ${child.exitCode ?? child.signalCode} while starting:\n${this.lines.slice(seen).join('\n')}`,
        )
      if (this.kind === 'api') {
        const ok = await fetch(`${this.url}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        )
        if (ok) return
      } else if (this.lines.slice(seen).some((l) => l.includes('worker ready'))) return
      await sleep(100)
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs / 1000} s`)
  }

  /** Sends the signal and waits for the process to exit: its exit code, or the signal that ended it. */
  async stop(signal: NodeJS.Signals = 'SIGTERM') {
    if (!this.child || !this.exited) throw new Error(`${this.name} was never started`)
    if (this.running) this.child.kill(signal)
    return this.exited
  }

  /** SIGTERM, wait for exit 0, start again and wait until ready. */
  async restart() {
    const exit = await this.stop('SIGTERM')
    if (exit.code !== 0) throw new Error(`${this.name} exited with ${exit.code ?? exit.signal} on SIGTERM`)
    await this.start()
    return exit
  }

  /** The parsed JSON log lines, optionally those whose `msg` matches. */
  logs(msg?: string | RegExp): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = []
    for (const line of this.lines) {
      let entry: Record<string, unknown>
      try {
        entry = JSON.parse(line) as Record<string, unknown>
      } catch {
        continue
      }
      const m = String(entry.msg ?? '')
      if (msg === undefined || (typeof msg === 'string' ? m === msg : msg.test(m))) out.push(entry)
    }
    return out
  }
}

/** What the proxy did, for the test's report and assertions. */
export interface ProxyStats {
  requests: number
  /** answered by an upstream, per upstream index */
  answered: number[]
  /** tries moved to the next upstream */
  retries: number
  /** connections opened to upstreams (the rest of the tries reused a kept-alive one) */
  connections: number
  /** requests the proxy had to fail (502): no upstream could answer them */
  failed: number
}

/**
 * A round-robin reverse proxy with keep-alive connections to its upstreams, behaving like nginx with
 * `proxy_next_upstream error timeout`: a request moves to the next upstream when a connection cannot be
 * established (refused, or not within `connectTimeoutMs`), and a GET or HEAD also when the upstream fails
 * before sending response headers. Anything else is a 502, as nginx answers. Idle upstream connections are
 * closed after `idleTimeoutMs` (nginx's upstream `keepalive_timeout`).
 *
 * Like HAProxy's `option httpchk`, a Kubernetes readiness probe or nginx Plus's `health_check`, it asks each
 * upstream's /readyz every `healthCheckMs` and sends new requests only to those answering 200 (to all, if
 * none does): a draining api fails /readyz before it stops accepting, so it is out of rotation by then.
 */
export async function startProxy(
  upstreams: string[],
  opts: { idleTimeoutMs?: number; connectTimeoutMs?: number; healthCheckMs?: number } = {},
) {
  const ready = upstreams.map(() => true)
  const checking = setInterval(() => {
    upstreams.forEach((u, i) => {
      fetch(`${u}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
        (r) => {
          ready[i] = r.ok
          return r.arrayBuffer()
        },
        () => (ready[i] = false),
      )
    })
  }, opts.healthCheckMs ?? 200)
  const idleTimeoutMs = opts.idleTimeoutMs ?? 1_000
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5_000
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  // Node's agent lets a free socket live as long as the server's Keep-Alive hint; close it sooner, as nginx's
  // upstream keepalive_timeout does.
  agent.on('free', (socket: net.Socket) => {
    socket.setTimeout(idleTimeoutMs)
  })
  const stats: ProxyStats = { requests: 0, answered: upstreams.map(() => 0), retries: 0, connections: 0, failed: 0 }
  let next = 0

  /** One try against one upstream: the response, or why there is none and whether the request was sent. */
  function attempt(
    target: URL,
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ res: http.IncomingMessage } | { err: Error; connected: boolean }> {
    return new Promise((resolve) => {
      // The body was read whole (so a retry can send it again): its length replaces any chunking.
      const { connection: _c, 'transfer-encoding': _t, 'content-length': _l, ...headers } = req.headers
      if (body.length || ['POST', 'PUT', 'PATCH'].includes(req.method!))
        headers['content-length'] = String(body.length)
      headers.host = target.host
      const up = http.request(target, { method: req.method, headers, agent })
      let connected = false
      let settled = false
      const done = (v: Parameters<typeof resolve>[0]) => {
        if (settled) return
        settled = true
        resolve(v)
      }
      up.on('socket', (socket: net.Socket) => {
        if (up.reusedSocket || !socket.connecting) connected = true
        else {
          const timer = setTimeout(
            () => up.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
            connectTimeoutMs,
          )
          socket.once('connect', () => {
            stats.connections++
            connected = true
            clearTimeout(timer)
          })
          socket.once('close', () => clearTimeout(timer))
        }
        // A free socket's idle timeout must not cut a slow answer short.
        socket.setTimeout(0)
      })
      up.on('response', (res) => done({ res }))
      up.on('error', (err) => {
        if (connected) err.message += up.reusedSocket ? ' (on a reused connection)' : ' (on a new connection)'
        done({ err, connected })
      })
      up.end(body)
    })
  }

  const server = http.createServer(async (req, res) => {
    stats.requests++
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    const idempotent = req.method === 'GET' || req.method === 'HEAD'
    const first = next++ % upstreams.length
    const order = upstreams.map((_, i) => (first + i) % upstreams.length)
    // those passing their health check first; the others only as a last resort
    order.sort((a, b) => Number(ready[b]) - Number(ready[a]))
    let lastErr: Error | undefined
    for (const index of order) {
      const r = await attempt(new URL(req.url!, upstreams[index]), req, body)
      if ('res' in r) {
        stats.answered[index]!++
        // Hop-by-hop headers stay between proxy and upstream, as nginx keeps them.
        const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...headers } = r.res.headers
        res.writeHead(r.res.statusCode!, headers)
        r.res.pipe(res)
        return
      }
      lastErr = r.err
      if (r.connected && !idempotent) break
      stats.retries++
    }
    stats.failed++
    res.writeHead(502, { 'content-type': 'text/plain' })
    res.end(`bad gateway: ${lastErr?.message ?? 'no upstream'} at ${new Date().toISOString()}`)
  })
  server.keepAliveTimeout = 65_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
  return {
    url,
    stats,
    async close() {
      clearInterval(checking)
      agent.destroy()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

/**
 * A TCP pass-through in front of the fake WeChat server, one per worker: each worker's WeChat calls go
 * through its own tap, so the test sees which worker sent how many subscribe messages.
 */
async function startTap(target: string) {
  const to = new URL(target)
  const counter = { sends: 0 }
  const marker = 'POST /cgi-bin/message/subscribe/send'
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(to.port), to.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.once('close', () => sockets.delete(s))
    }
    client.on('data', (chunk: Buffer) => {
      // A request line starts a write of its own: count them as they pass.
      const text = chunk.toString('latin1')
      for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + 1)) counter.sends++
    })
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    counter,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r())
        for (const s of sockets) s.destroy()
      }),
  }
}

export interface ClusterOptions {
  apis: number
  workers: number
  /** the environment an api of the test world runs with (secrets, database, Redis prefix, WeChat base) */
  env: Record<string, string>
  /** extra environment for every process */
  extra?: Record<string, string>
  proxy?: { idleTimeoutMs?: number; connectTimeoutMs?: number }
}

export interface Cluster {
  apis: ClusterProcess[]
  workers: (ClusterProcess & { wechatSends(): number })[]
  proxy: Awaited<ReturnType<typeof startProxy>>
  /** SIGKILLs whatever is still running and closes the proxy and taps. */
  close(): Promise<void>
}

/**
 * Starts `apis` api processes (each on its own port) and `workers` worker processes (each with its own
 * WORKER_METRICS_PORT and its own WeChat tap), all on the given environment, and the proxy in front of the
 * apis. Resolves once every api answers /readyz 200 and every worker said it is ready.
 */
export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const base = {
    PATH: process.env.PATH ?? '',
    ...o.env,
    // Production's level: the worker's "worker ready" line and the shutdown lines are info.
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    ...o.extra,
  }
  const apis: ClusterProcess[] = []
  for (let i = 0; i < o.apis; i++) {
    const port = await freePort()
    apis.push(new ClusterProcess(`api-${i}`, 'api', { ...base, PORT: String(port) }, port))
  }
  const taps: Awaited<ReturnType<typeof startTap>>[] = []
  const workers: Cluster['workers'] = []
  for (let i = 0; i < o.workers; i++) {
    const tap = await startTap(o.env.WECHAT_API_BASE!)
    taps.push(tap)
    const port = await freePort()
    const w = new ClusterProcess(
      `worker-${i}`,
      'worker',
      { ...base, WECHAT_API_BASE: tap.url, WORKER_METRICS_PORT: String(port) },
      port,
    ) as Cluster['workers'][number]
    w.wechatSends = () => tap.counter.sends
    workers.push(w)
  }
  const all = [...apis, ...workers]
  try {
    await Promise.all(all.map((p) => p.start()))
  } catch (e) {
    for (const p of all) if (p.running) p.child!.kill('SIGKILL')
    throw e
  }
  const proxy = await startProxy(
    apis.map((a) => a.url),
    o.proxy,
  )
  return {
    apis,
    workers,
    proxy,
    async close() {
      await Promise.all(all.filter((p) => p.running).map((p) => p.stop('SIGKILL')))
      await proxy.close()
      await Promise.all(taps.map((t) => t.close()))
    },
  }
}
