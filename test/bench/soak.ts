/**
 * `pnpm bench:soak` (not a test): SOAK_MINUTES (default 10) of mixed requests against the api — console
 * lists and /me, the member's inbox, a write, liveness — at 16 connections, printing each process's
 * resident memory and the api's V8 heap every minute, then whether anything kept growing. A leak shows as
 * a rising line; garbage-collected growth levels off within the first minutes.
 */
import autocannon from 'autocannon'
import { startSystem, type Load } from './http-fixture.js'
import { memoryOf, row, stopAll } from './processes.js'

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10)

async function main() {
  const system = await startSystem('bench-soak')
  const { api, loads } = system
  const mix: Load[] = [loads.users, loads.inbox, loads.me, loads.write, loads.inbox, loads.healthz]
  const requests = mix.map((l) => ({
    path: new URL(l.url).pathname + new URL(l.url).search,
    method: l.method ?? 'GET',
    headers: { ...l.headers, ...(l.body ? { 'content-type': 'application/json' } : {}) },
    body: l.body,
  }))
  const heapOf = async () => {
    const text = await (await fetch(`${api.url}/metrics`)).text()
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text)
    return m ? Number(m[1]) / 2 ** 20 : NaN
  }

  console.log(
    `\n${MINUTES} minutes of mixed requests (${mix.map((l) => l.label.split(' ')[1]).join(', ')}), 16 connections:`,
  )
  row('minute', 'requests · failed', 'api RSS / heap · db RSS', undefined)
  const idle = memoryOf(api.pid)
  row(
    '0 (idle)',
    '',
    `${idle.rss.toFixed(0)} / ${(await heapOf()).toFixed(0)} · ${memoryOf(system.mongoPid).rss.toFixed(0)} MB`,
  )
  const rss: number[] = []
  let failed = 0
  for (let minute = 1; minute <= MINUTES; minute++) {
    const r = await autocannon({ url: api.url, connections: 16, duration: 60, requests })
    const bad = r.non2xx + r.errors + r.timeouts
    failed += bad
    const m = memoryOf(api.pid)
    rss.push(m.rss)
    row(
      String(minute),
      `${r.requests.total.toLocaleString('en')} · ${bad}`,
      `${m.rss.toFixed(0)} / ${(await heapOf()).toFixed(0)} · ${memoryOf(system.mongoPid).rss.toFixed(0)} MB`,
    )
  }
  // Bounded: over the second half, the api's RSS rose by less than 10 % of where it stood.
  const half = rss.slice(Math.floor(rss.length / 2))
  const rise = half[half.length - 1]! - half[0]!
  console.log('')
  row('failed requests', String(failed), '0', failed === 0)
  row(
    'api RSS change over the second half',
    `${rise >= 0 ? '+' : ''}${rise.toFixed(0)} MB`,
    `< ${(half[0]! * 0.1).toFixed(0)} MB`,
    rise < half[0]! * 0.1,
  )
  await system.close()
}

try {
  await main()
} finally {
  stopAll()
}
