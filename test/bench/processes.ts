/**
 * What the benches share: the embedded database, Redis and the api, each in its own process as in
 * production (so /proc/<pid> is one process's memory), free ports, memory readings, percentiles and the
 * figures-beside-goals table. Not a test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const children: ChildProcess[] = []

/** Stops every process a bench started. */
export function stopAll() {
  for (const c of children) c.kill('SIGTERM')
}

/** One line of figures: label, value, goal, met or not (widths fit the longest labels). */
export const row = (label: string, value: string, goal = '', met?: boolean) =>
  console.log(
    `${label.padEnd(60)} ${value.padStart(14)}  ${goal.padEnd(14)} ${met === undefined ? '' : met ? 'met' : 'NOT MET'}`,
  )

/** The p-th percentile (nearest rank). */
export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}

export async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}

/** The embedded database, in memory, in its own process: its URI. */
export async function startMongo(): Promise<string> {
  return (await startMongoProcess()).uri
}

/**
 * The embedded database, in memory, in its own process: its URI, pid (for its memory) and how to stop it.
 * `extra` are more of its command-line options (the tests' global setup sweeps TTLs every second).
 */
export function startMongoProcess(
  extra: string[] = [],
): Promise<{ uri: string; pid: number; stop: () => Promise<void> }> {
  // BENCH_MONGO_PROF=dir writes the database's CPU profile there, as BENCH_API_PROF does for the api.
  const prof = process.env.BENCH_MONGO_PROF
    ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_MONGO_PROF}`]
    : []
  const args = [...prof, '--import', 'tsx', 'mongo-embedded/src/cli.ts', '--port', '0', '--memory', ...extra]
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return new Promise((resolve, reject) => {
    let buf = ''
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString()
      const m = buf.match(/listening on (mongodb:\/\/\S+)/)
      if (m) resolve({ uri: m[1]!, pid: child.pid!, stop })
    })
    child.once('exit', (code) => reject(new Error(`嵌入式 MongoDB 启动失败（退出码 ${code}）`)))
  })
}

/** REDIS_URL, or the one on 6379, or a redis-server of our own on a free port. */
export async function redisUrl(bench: string): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL
  if (await portOpen(6379)) return 'redis://127.0.0.1:6379'
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0)
    throw new Error(`${bench} 需要 Redis：请安装 redis-server 或设置 REDIS_URL`)
  const port = await freePort()
  children.push(
    spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }),
  )
  for (let i = 0; i < 50 && !(await portOpen(port)); i++) await new Promise((r) => setTimeout(r, 100))
  return `redis://127.0.0.1:${port}`
}

/**
 * The api as production runs it, in its own node process, once /readyz answers. BENCH_API_PROF=dir writes
 * its CPU profile there, to see where a request's time goes.
 */
export async function startApi(
  env: Record<string, string>,
  opts: { stdout?: 'inherit' | 'ignore' } = {},
): Promise<{ url: string; pid: number }> {
  const port = await freePort()
  const prof = process.env.BENCH_API_PROF
    ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_API_PROF}`]
    : []
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'api/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', opts.stdout ?? 'inherit', 'inherit'],
  })
  children.push(child)
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the api exited with ${child.exitCode}`)
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return { url, pid: child.pid! }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('the api did not become ready in 60 s')
}

/** Resident memory of a process now, and its peak since the last reset, in MB. */
export function memoryOf(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

/** Starts a new peak (VmHWM) for the process: Linux's clear_refs 5. False where that is not allowed. */
export function resetPeak(pid: number) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}
