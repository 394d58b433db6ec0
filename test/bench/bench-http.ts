/**
 * `pnpm bench:http` (not a test): what one request costs, side by side in one run on this machine.
 *
 * Each row is driven by autocannon at 32 connections for BENCH_SECONDS (default 8) against processes
 * started as production starts them (the embedded database, the api; a bare node:http hello in a process
 * of its own as the ceiling):
 *   - node:http hello — the ceiling;
 *   - `/healthz` — Koa and the middleware chain (goal ≥ 0.55× hello);
 *   - `GET /admin/v1/users?pageSize=20` with 20 users — an authenticated console list (goal ≥ 0.30× /healthz);
 *   - `GET /mp/v1/inbox?pageSize=20` of a member of a verified enterprise with 60 items — an authenticated
 *     mini-program list (goal ≥ 0.30× /healthz);
 *   - `PATCH /mp/v1/me` — a write;
 * then the sequential latency of /healthz and `GET /admin/v1/me` (one connection, mean), and each
 * process's resident memory idle and after the load.
 */
import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
import { startSystem, type Load } from './http-fixture.js'
import { freePort, memoryOf, row, stopAll } from './processes.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const CONNECTIONS = 32

/** A bare node:http server in its own process: the ceiling every other row is compared with. */
async function startHello() {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end('{"status":"ok"}') }).listen(${port}, '127.0.0.1', () => console.log('up'))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()))
  return { url: `http://127.0.0.1:${port}`, child }
}

async function drive(load: Load) {
  const result = await autocannon({
    url: load.url,
    method: load.method ?? 'GET',
    headers: { ...load.headers, ...(load.body ? { 'content-type': 'application/json' } : {}) },
    body: load.body,
    connections: CONNECTIONS,
    duration: SECONDS,
  })
  const bad = result.non2xx + result.errors + result.timeouts
  if (bad) throw new Error(`${load.label}: ${bad} failed requests of ${result.requests.total}`)
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 }
}

/** Mean latency of `n` requests one after another on one connection. */
async function sequential(url: string, headers: Record<string, string>, n = 500) {
  for (let i = 0; i < 50; i++) await (await fetch(url, { headers })).arrayBuffer()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, { headers })
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`${url}: ${res.status}`)
  }
  return (performance.now() - t0) / n
}

async function main() {
  const system = await startSystem('bench-http')
  const { api, loads: l } = system
  const hello = await startHello()
  const idle = memoryOf(api.pid)
  const loads: Load[] = [
    { label: 'node:http hello (separate process)', url: `${hello.url}/` },
    l.healthz,
    l.users,
    l.inbox,
    l.write,
  ]
  if (!process.env.BENCH_ONLY) await drive({ ...loads[1]!, label: 'warm-up' })

  console.log(
    `\n${CONNECTIONS} connections, ${SECONDS} s each, on ${process.env.HOSTNAME ?? 'this machine'}:`,
  )
  row('route', 'req/s · p99 ms', 'goal', undefined)
  const results: number[] = []
  for (const l of loads) {
    // BENCH_ONLY=users (a part of a label) drives that row alone, to profile it with BENCH_API_PROF
    if (process.env.BENCH_ONLY && !l.label.includes(process.env.BENCH_ONLY)) {
      results.push(NaN)
      continue
    }
    const r = await drive(l)
    results.push(r.rps)
    row(l.label, `${Math.round(r.rps).toLocaleString('en')} · ${r.p99}`, '', undefined)
  }
  const [ceiling, health, users, inbox, write] = results as [number, number, number, number, number]
  console.log('\nratios:')
  row('/healthz ÷ node:http hello', `${(health / ceiling).toFixed(2)}×`, '≥ 0.55×', health / ceiling >= 0.55)
  row('console users list ÷ /healthz', `${(users / health).toFixed(2)}×`, '≥ 0.30×', users / health >= 0.3)
  row('mini-program inbox ÷ /healthz', `${(inbox / health).toFixed(2)}×`, '≥ 0.30×', inbox / health >= 0.3)
  row('write (PATCH /mp/v1/me) ÷ /healthz', `${(write / health).toFixed(2)}×`, '', undefined)

  console.log('\nsequential, one connection (mean of 500):')
  row('GET /healthz', `${(await sequential(`${api.url}/healthz`, {})).toFixed(2)} ms`)
  row('GET /admin/v1/me', `${(await sequential(l.me.url, l.me.headers)).toFixed(2)} ms`)

  const after = memoryOf(api.pid)
  console.log('\nresident memory:')
  row('api idle (after start)', `${idle.rss.toFixed(0)} MB`)
  row('api after the load (now / peak)', `${after.rss.toFixed(0)} / ${after.peak.toFixed(0)} MB`)
  row('embedded database after the load', `${memoryOf(system.mongoPid).rss.toFixed(0)} MB`)

  hello.child.kill()
  await system.close()
}

try {
  await main()
} finally {
  stopAll()
}
