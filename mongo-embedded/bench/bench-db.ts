/**
 * pnpm bench:db — starts the embedded server in-memory as a child process (so its RSS is
 * its own) and measures bulk insert, indexed findOne through mongoose .lean(), a
 * full-scan filter, and the server's resident memory.
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
let ms = performance.now() - t0
rows.push([
  'insertMany 100k small docs',
  `${Math.round(N / (ms / 1000)).toLocaleString()} docs/s (${ms.toFixed(0)} ms)`,
])

t0 = performance.now()
const cpu0 = serverCpuMs()
let next = 0
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < LOOKUPS) {
      const i = (next++ * 7919) % N
      const u = await User.findOne({ email: `user${i}@example.com` }).lean()
      if (!u) throw new Error(`missing user${i}`)
    }
  }),
)
ms = performance.now() - t0
const cpuPerOp = ((serverCpuMs() - cpu0) * 1000) / LOOKUPS
rows.push([
  `indexed findOne .lean() (${CONCURRENCY} in flight)`,
  `${Math.round(LOOKUPS / (ms / 1000)).toLocaleString()} ops/s`,
])
// the client (mongoose) usually saturates first; this is what the server itself could serve
rows.push([
  '  server CPU per findOne',
  `${cpuPerOp.toFixed(0)} µs (≈ ${Math.round(1e6 / cpuPerOp).toLocaleString()} ops/s per core)`,
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
