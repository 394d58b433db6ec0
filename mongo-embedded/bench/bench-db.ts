/**
 * pnpm bench:db — starts the embedded server in-memory as a child process (so its RSS is
 * its own) and measures bulk insert, indexed findOne through mongoose .lean() (plus the same
 * through the bare driver, and each process's CPU per lookup, to show which side is the limit),
 * a full-scan filter, and the server's resident memory.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import mongoose from 'mongoose'

const N = 100_000
const LOOKUPS = 20_000
const CONCURRENCY = 32

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--memory'], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
const uri = await new Promise<string>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`server exited with ${String(code)}`)))
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = /listening on (mongodb:\/\/\S+)/.exec(line)
    if (m?.[1]) resolve(m[1])
  })
})

/** utime+stime of the server process in ms (clock ticks are 10 ms on Linux). */
const serverCpuMs = () => {
  const fields = readFileSync(`/proc/${String(child.pid)}/stat`, 'utf8')
    .split(') ')[1]!
    .split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const rssMb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

// Configured as the api configures its connection (api/src/platform/db.ts).
mongoose.set('skipOriginalStackTraces', true)
await mongoose.connect(`${uri}/bench`, { maxPoolSize: CONCURRENCY })
const User = mongoose.model(
  'User',
  new mongoose.Schema({ email: { type: String, index: true }, name: String, age: Number, city: String }),
)
await User.init()
const rssIdle = rssMb()

const rows: Array<[string, string]> = []
let t0 = performance.now()
const docs = Array.from({ length: N }, (_, i) => ({
  email: `user${i}@example.com`,
  name: `User ${i}`,
  age: i % 90,
  city: `c${i % 50}`,
}))
await User.collection.insertMany(docs, { ordered: false })
const ms = performance.now() - t0
rows.push([
  'insertMany 100k small docs',
  `${Math.round(N / (ms / 1000)).toLocaleString()} docs/s (${ms.toFixed(0)} ms)`,
])

/**
 * `count` lookups of random existing users with CONCURRENCY in flight on the one pool; returns
 * wall time and the CPU each process spent per lookup (µs). Server CPU comes from /proc in 10 ms
 * ticks, so runs are long enough for that not to matter.
 */
async function lookups(count: number, find: (email: string) => Promise<unknown>) {
  let next = 0
  const t0 = performance.now()
  const client0 = process.cpuUsage()
  const server0 = serverCpuMs()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = (next++ * 7919) % N
        if (!(await find(`user${i}@example.com`))) throw new Error(`missing user${i}`)
      }
    }),
  )
  const ms = performance.now() - t0
  const client = process.cpuUsage(client0)
  return {
    opsPerSec: count / (ms / 1000),
    clientCpuPerOp: (client.user + client.system) / count,
    serverCpuPerOp: ((serverCpuMs() - server0) * 1000) / count,
  }
}
const leanFindOne = (email: string) => User.findOne({ email }).lean()
const driverFindOne = (email: string) => User.collection.findOne({ email })

// untimed warm-up: opens all CONCURRENCY pooled connections and JIT-compiles both processes' paths
// (otherwise the pool's connection set-up and the post-insert GC land in the measurement)
await lookups(LOOKUPS / 10, leanFindOne)
const lean = await lookups(LOOKUPS, leanFindOne)
rows.push([
  `indexed findOne .lean() (${CONCURRENCY} in flight)`,
  `${Math.round(lean.opsPerSec).toLocaleString()} ops/s`,
])
// the client (mongoose + driver) usually saturates first: compare its CPU per lookup with the server's
rows.push([
  '  server CPU per findOne',
  `${lean.serverCpuPerOp.toFixed(0)} µs (≈ ${Math.round(1e6 / lean.serverCpuPerOp).toLocaleString()} ops/s per core)`,
])
rows.push([
  '  client CPU per findOne',
  `${lean.clientCpuPerOp.toFixed(0)} µs (≈ ${Math.round(1e6 / lean.clientCpuPerOp).toLocaleString()} ops/s per core)`,
])
const driver = await lookups(LOOKUPS, driverFindOne)
rows.push([
  `indexed findOne, driver only (${CONCURRENCY} in flight)`,
  `${Math.round(driver.opsPerSec).toLocaleString()} ops/s (client ${driver.clientCpuPerOp.toFixed(0)} µs, server ${driver.serverCpuPerOp.toFixed(0)} µs per op)`,
])

const scans: number[] = []
let matched = 0
for (let r = 0; r < 5; r++) {
  t0 = performance.now()
  matched = await User.countDocuments({ age: { $gte: 30, $lt: 40 }, city: { $in: ['c1', 'c2', 'c3'] } })
  scans.push(performance.now() - t0)
}
scans.sort((a, b) => a - b)
rows.push([
  `full-scan filter over 100k (${matched} match, median of 5)`,
  `${(scans[2] as number).toFixed(1)} ms`,
])

t0 = performance.now()
const fetched = await User.find({ age: { $gte: 45 } }).lean()
rows.push([
  `full-scan find returning ${fetched.length.toLocaleString()} docs`,
  `${(performance.now() - t0).toFixed(0)} ms`,
])

rows.push(['server RSS idle / with 100k docs', `${rssIdle.toFixed(0)} MB / ${rssMb().toFixed(0)} MB`])

await mongoose.disconnect()
child.kill('SIGTERM')

const width = Math.max(...rows.map((r) => r[0].length))
console.log(`\n${'benchmark'.padEnd(width)}  result\n${'-'.repeat(width)}  ${'-'.repeat(30)}`)
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`)
