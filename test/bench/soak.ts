/**
 * `pnpm bench:soak` (not a test): SOAK_MINUTES (default 10) of mixed requests against the api — console
 * lists and /me, the member's inbox, a write, liveness — at 16 connections, printing each process's
 * resident memory and the api's live heap every minute, then whether anything kept growing. A leak shows as
 * a rising live heap; garbage waiting for collection only makes the heap swing between readings.
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
    `\n${MINUTES} minutes of mixed requests (${mix.map((l) => l.label.split(' ')[1]).join(', ')}), 16 connections.`,
  )
  console.log(
    'The heap is read every 5 s: its lowest reading in a minute is what survives collection (live data).',
  )
  row('minute', 'requests · failed', 'api RSS · live heap · db RSS', undefined)
  const idle = memoryOf(api.pid)
  row(
    '0 (idle)',
    '',
    `${idle.rss.toFixed(0)} · ${(await heapOf()).toFixed(0)} · ${memoryOf(system.mongoPid).rss.toFixed(0)} MB`,
  )
  const rss: number[] = []
  const live: number[] = []
  let failed = 0
  for (let minute = 1; minute <= MINUTES; minute++) {
    let lowest = Infinity
    const sampling = setInterval(() => {
      heapOf().then(
        (h) => (lowest = Math.min(lowest, h)),
        () => {},
      )
    }, 5_000)
    const r = await autocannon({ url: api.url, connections: 16, duration: 60, requests })
    clearInterval(sampling)
    const bad = r.non2xx + r.errors + r.timeouts
    failed += bad
    const m = memoryOf(api.pid)
    rss.push(m.rss)
    live.push(lowest)
    row(
      String(minute),
      `${r.requests.total.toLocaleString('en')} · ${bad}`,
      `${m.rss.toFixed(0)} · ${lowest.toFixed(0)} · ${memoryOf(system.mongoPid).rss.toFixed(0)} MB`,
    )
  }
  // Bounded: the live heap over the second half stays within 10 % of the first half's highest, and so
  // does the resident memory (which follows the heap's high-water mark, so it is judged by its peak).
  const half = Math.floor(MINUTES / 2)
  const judge = (xs: number[]) => ({
    early: Math.max(...xs.slice(0, half)),
    late: Math.max(...xs.slice(half)),
  })
  const heap = judge(live)
  const resident = judge(rss)
  console.log('')
  row('failed requests', String(failed), '0', failed === 0)
  row(
    'live heap, highest of the second half vs the first',
    `${heap.late.toFixed(0)} vs ${heap.early.toFixed(0)} MB`,
    '≤ +10 %',
    heap.late <= heap.early * 1.1,
  )
  row(
    'api RSS, highest of the second half vs the first',
    `${resident.late.toFixed(0)} vs ${resident.early.toFixed(0)} MB`,
    '≤ +10 %',
    resident.late <= resident.early * 1.1,
  )
  await system.close()
}

try {
  await main()
} finally {
  stopAll()
}
