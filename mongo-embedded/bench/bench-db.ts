/**
 * pnpm bench:db — the embedded server's speed, measured two ways side by side in one run, each server a child
 * process (so its CPU and RSS are its own):
 *
 * - bare: an in-memory server (`--memory`), a one-index collection of 100k small documents and a bare
 *   mongoose connection: bulk insert, indexed findOne through `.lean()` and through the bare driver, a
 *   full-scan filter, the server's resident memory;
 * - as the api runs: the server as `pnpm start` runs it (a data directory, so journal and TTL monitor on),
 *   a connection with the api's options (api/src/platform/db.ts), collections shaped like the api's admin
 *   users and inbox items with their indexes, and the api's own reads: the principal's `findById` with its
 *   projection (every authenticated request) and a member's inbox page;
 * - the server alone: the same findById sent over 32 raw sockets, no driver, to show what the server can do
 *   when the client is not the limit.
 *
 * Lookups alternate between the bare and the api way in rounds (the median round is shown), so a busy
 * machine slows both alike. The goal (issue 12): an indexed findOne over the wire at 5,000/s or more with
 * 32 in flight. Each process's CPU per lookup shows which side is the limit.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { BSON, ObjectId, UUID, type Document } from 'bson'
import mongoose, { Schema } from 'mongoose'

const N = 100_000
const ROUND = 10_000
const ROUNDS = 3
const CONCURRENCY = 32
const GOAL = 5_000
const ADMIN_USERS = 10_000
const INBOX_ITEMS = 50_000
const INBOX_MEMBERS = 1_000

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

interface Server {
  uri: string
  child: ChildProcess
  /** utime+stime in ms (clock ticks are 10 ms on Linux, so measure long runs) */
  cpuMs(): number
  rssMb(): number
}

async function launch(args: string[]): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const uri = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${String(code)}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /listening on (mongodb:\/\/\S+)/.exec(line)
      if (m?.[1]) resolve(m[1])
    })
  })
  return {
    uri,
    child,
    cpuMs() {
      const fields = readFileSync(`/proc/${String(child.pid)}/stat`, 'utf8')
        .split(') ')[1]!
        .split(' ')
      return (Number(fields[11]) + Number(fields[12])) * 10
    },
    rssMb() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'))
      return m ? Number(m[1]) / 1024 : NaN
    },
  }
}

const load0 = loadavg()[0]!
const dataDir = mkdtempSync(join(tmpdir(), 'bench-db-'))
// bare: in memory; api: as scripts/start.ts launches it (a data directory, default journal and TTL intervals)
const [bare, persistent] = await Promise.all([launch(['--memory']), launch(['--dbpath', dataDir])])

// Both connections are configured as the api configures mongoose (api/src/platform/db.ts); the bare one keeps
// the driver's defaults otherwise, the api one takes the api's connection options.
mongoose.set('strictQuery', true)
mongoose.set('skipOriginalStackTraces', true)
await mongoose.connect(`${bare.uri}/bench`, { maxPoolSize: CONCURRENCY })
const apiConn = await mongoose
  .createConnection(`${persistent.uri}/zhichantong`, {
    serverSelectionTimeoutMS: 5_000,
    heartbeatFrequencyMS: 2_000,
    maxPoolSize: 50,
    autoIndex: true,
  })
  .asPromise()

const User = mongoose.model(
  'User',
  new Schema({ email: { type: String, index: true }, name: String, age: Number, city: String }),
)
await User.init()

// The api's admin user (api/src/modules/staff/staff.model.ts): fields, timestamps and both indexes.
const AdminUserSchema = new Schema(
  {
    username: { type: String, required: true },
    displayName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    roleIds: { type: [Schema.Types.ObjectId], default: [] },
    stationId: { type: Schema.Types.ObjectId, default: null },
    phoneEnc: { type: String, default: null },
    disabled: { type: Boolean, default: false },
    lastLoginAt: { type: Date, default: null },
    mustChangePassword: { type: Boolean, default: false },
    passwordExpiresAt: { type: Date, default: null },
    tokenVersion: { type: Number, default: 0 },
  },
  { timestamps: true },
)
AdminUserSchema.index({ username: 1 }, { unique: true })
AdminUserSchema.index({ roleIds: 1 })
const AdminUser = apiConn.model('AdminUser', AdminUserSchema)

// The api's inbox item (api/src/modules/inbox/inbox.model.ts) with its five indexes.
const InboxItemSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    campaignId: { type: Schema.Types.ObjectId, required: true },
    enterpriseId: { type: Schema.Types.ObjectId, default: null },
    content: { kind: { type: String, required: true }, id: { type: Schema.Types.ObjectId, required: true } },
    title: { type: String, required: true },
    summary: { type: String, default: '' },
    readAt: { type: Date, default: null },
    clickedAt: { type: Date, default: null },
    createdAt: { type: Date, default: () => new Date() },
  },
  { versionKey: false },
)
InboxItemSchema.index({ userId: 1, campaignId: 1 }, { unique: true })
InboxItemSchema.index({ userId: 1, createdAt: -1 })
InboxItemSchema.index({ userId: 1, readAt: 1 })
InboxItemSchema.index({ campaignId: 1, readAt: 1 })
InboxItemSchema.index({ campaignId: 1, clickedAt: 1 })
const InboxItem = apiConn.model('InboxItem', InboxItemSchema)
await Promise.all([AdminUser.init(), InboxItem.init()])
const rssIdle = bare.rssMb()

interface Row {
  name: string
  result: string
  goal?: string
}
const rows: Row[] = []
const section = (name: string) => rows.push({ name, result: '' })

let t0 = performance.now()
await User.collection.insertMany(
  Array.from({ length: N }, (_, i) => ({
    email: `user${i}@example.com`,
    name: `User ${i}`,
    age: i % 90,
    city: `c${i % 50}`,
  })),
  { ordered: false },
)
const insertMs = performance.now() - t0

const roleIds = Array.from({ length: 8 }, () => new ObjectId())
const adminIds = Array.from({ length: ADMIN_USERS }, () => new ObjectId())
const now = new Date()
await AdminUser.collection.insertMany(
  adminIds.map((_id, i) => ({
    _id,
    username: `staff${i}`,
    displayName: `工作人员${i}`,
    passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${'x'.repeat(64)}`,
    roleIds: [roleIds[i % roleIds.length]],
    stationId: null,
    phoneEnc: null,
    disabled: false,
    lastLoginAt: now,
    mustChangePassword: false,
    passwordExpiresAt: null,
    tokenVersion: 0,
    createdAt: now,
    updatedAt: now,
    __v: 0,
  })),
)
const members = Array.from({ length: INBOX_MEMBERS }, () => new ObjectId())
const campaigns = Array.from({ length: INBOX_ITEMS / INBOX_MEMBERS }, () => new ObjectId())
await InboxItem.collection.insertMany(
  Array.from({ length: INBOX_ITEMS }, (_, i) => ({
    userId: members[i % INBOX_MEMBERS],
    campaignId: campaigns[Math.floor(i / INBOX_MEMBERS)],
    enterpriseId: null,
    content: { kind: 'patent', id: new ObjectId() },
    title: `专利信息推送 ${i}`,
    summary: '本期推送与贵企业关注的技术领域相关的专利信息。',
    readAt: i % 3 ? null : now,
    clickedAt: null,
    createdAt: new Date(now.getTime() - i * 60_000),
  })),
  { ordered: false },
)

/**
 * `count` lookups with CONCURRENCY in flight on one pool; wall time and each process's CPU per lookup (µs).
 * Server CPU comes from /proc in 10 ms ticks, so rounds are long enough for that not to matter.
 */
async function lookups(server: Server, count: number, find: (i: number) => Promise<unknown>) {
  let next = 0
  const start = performance.now()
  const client0 = process.cpuUsage()
  const server0 = server.cpuMs()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++
        if (!(await find(i))) throw new Error(`lookup ${i} found nothing`)
      }
    }),
  )
  const ms = performance.now() - start
  const client = process.cpuUsage(client0)
  return {
    opsPerSec: count / (ms / 1000),
    clientUs: (client.user + client.system) / count,
    serverUs: ((server.cpuMs() - server0) * 1000) / count,
  }
}
type Result = Awaited<ReturnType<typeof lookups>>

const leanFindOne = (i: number) => User.findOne({ email: `user${(i * 7919) % N}@example.com` }).lean()
const driverFindOne = (i: number) => User.collection.findOne({ email: `user${(i * 7919) % N}@example.com` })
// what every authenticated console request reads (StaffService.resolvePrincipal): id from the token, projected
const PRINCIPAL = {
  username: 1,
  roleIds: 1,
  stationId: 1,
  disabled: 1,
  tokenVersion: 1,
  mustChangePassword: 1,
  passwordExpiresAt: 1,
}
const principalById = (i: number) =>
  AdminUser.findById(adminIds[(i * 7919) % ADMIN_USERS]!.toHexString(), PRINCIPAL).lean()
// the mini-program's inbox: a member's 20 newest items
const inboxPage = async (i: number) =>
  (
    await InboxItem.find({ userId: members[(i * 7919) % INBOX_MEMBERS] })
      .sort({ createdAt: -1 })
      .limit(20)
      .lean()
  ).length

// untimed warm-up: opens the pooled connections and JIT-compiles both processes' paths (otherwise the pools'
// connection set-up and the post-insert GC land in the measurement)
await lookups(bare, ROUND / 5, leanFindOne)
await lookups(persistent, ROUND / 5, principalById)
await lookups(persistent, ROUND / 10, inboxPage)

const rounds = { lean: [] as Result[], principal: [] as Result[] }
for (let r = 0; r < ROUNDS; r++) {
  rounds.lean.push(await lookups(bare, ROUND, leanFindOne))
  rounds.principal.push(await lookups(persistent, ROUND, principalById))
}
const median = (list: Result[]) => [...list].sort((a, b) => a.opsPerSec - b.opsPerSec)[list.length >> 1]!
const lean = median(rounds.lean)
const principal = median(rounds.principal)
const driver = await lookups(bare, ROUND, driverFindOne)
const inbox = await lookups(persistent, ROUND / 2, inboxPage)

// the server alone: the principal lookup as mongoose sends it, written straight to 32 sockets
const rawMsgs = adminIds.slice(0, 2_000).map((_id, i) => {
  const body = BSON.serialize({
    find: 'adminusers',
    filter: { _id },
    projection: PRINCIPAL,
    limit: 1,
    singleBatch: true,
    batchSize: 1,
    lsid: { id: new UUID() },
    $db: 'zhichantong',
  })
  const msg = Buffer.alloc(21 + body.length) // header, flagBits 0, section kind 0, body
  msg.writeInt32LE(msg.length, 0)
  msg.writeInt32LE(i + 1, 4)
  msg.writeInt32LE(2013, 12) // OP_MSG
  msg.set(body, 21)
  return msg
})
async function rawLookups(server: Server, count: number): Promise<Result> {
  const { port, hostname } = new URL(server.uri)
  let next = 0
  const start = performance.now()
  const client0 = process.cpuUsage()
  const server0 = server.cpuMs()
  await Promise.all(
    Array.from(
      { length: CONCURRENCY },
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = net.connect(Number(port), hostname)
          socket.setNoDelay(true)
          let pending: Buffer = Buffer.alloc(0)
          const send = () => {
            if (next < count) socket.write(rawMsgs[next++ % rawMsgs.length]!)
            else socket.end(resolve)
          }
          socket.once('connect', send)
          socket.on('error', reject)
          socket.on('data', (chunk: Buffer) => {
            pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
            while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
              const reply = BSON.deserialize(pending.subarray(21, pending.readInt32LE(0))) as Document
              if ((reply.cursor as Document | undefined)?.firstBatch?.length !== 1)
                return reject(new Error(`raw lookup failed: ${JSON.stringify(reply)}`))
              pending = pending.subarray(pending.readInt32LE(0))
              send()
            }
          })
        }),
    ),
  )
  const ms = performance.now() - start
  const client = process.cpuUsage(client0)
  return {
    opsPerSec: count / (ms / 1000),
    clientUs: (client.user + client.system) / count,
    serverUs: ((server.cpuMs() - server0) * 1000) / count,
  }
}
await rawLookups(persistent, ROUND / 5)
const raw = await rawLookups(persistent, ROUND * 3)

const ops = (r: Result) => `${Math.round(r.opsPerSec).toLocaleString()} ops/s`
const cpu = (r: Result) => `client ${r.clientUs.toFixed(0)} µs, server ${r.serverUs.toFixed(0)} µs per op`
/** the most one core could do at this CPU per op: what bounds the row's throughput */
const perCore = (us: number) => `${Math.round(1e6 / us).toLocaleString()}/s`
const bound = (r: Result) => `${cpu(r)} (one core each: ${perCore(r.clientUs)} / ${perCore(r.serverUs)})`
const goal = (r: Result) =>
  `≥ ${GOAL.toLocaleString()}/s with ${CONCURRENCY} in flight: ${r.opsPerSec >= GOAL ? 'met' : 'not met'}`

rows.push({
  name: 'insertMany 100k small docs',
  result: `${Math.round(N / (insertMs / 1000)).toLocaleString()} docs/s (${insertMs.toFixed(0)} ms)`,
})
section(`indexed findOne over the wire, ${CONCURRENCY} in flight (median of ${ROUNDS} alternating rounds)`)
rows.push({ name: '  bare: in-memory server, bare connection, .lean()', result: ops(lean), goal: goal(lean) })
rows.push({ name: '    CPU per lookup', result: bound(lean) })
rows.push({
  name: '  as the api runs: persistent server, api options, findById',
  result: ops(principal),
  goal: goal(principal),
})
rows.push({ name: '    CPU per lookup', result: bound(principal) })
rows.push({ name: '  bare, driver only (no mongoose)', result: `${ops(driver)} (${cpu(driver)})` })
rows.push({
  name: '  server alone: findById over 32 raw sockets',
  result: `${ops(raw)} (server ${raw.serverUs.toFixed(0)} µs per op)`,
})
rows.push({
  name: '  inbox page as the api runs (20 newest of a member)',
  result: `${ops(inbox)} (${cpu(inbox)})`,
})

const scans: number[] = []
let matched = 0
for (let r = 0; r < 5; r++) {
  t0 = performance.now()
  matched = await User.countDocuments({ age: { $gte: 30, $lt: 40 }, city: { $in: ['c1', 'c2', 'c3'] } })
  scans.push(performance.now() - t0)
}
scans.sort((a, b) => a - b)
rows.push({
  name: `full-scan filter over 100k (${matched} match, median of 5)`,
  result: `${scans[2]!.toFixed(1)} ms`,
})

t0 = performance.now()
const fetched = await User.find({ age: { $gte: 45 } }).lean()
rows.push({
  name: `full-scan find returning ${fetched.length.toLocaleString()} docs`,
  result: `${(performance.now() - t0).toFixed(0)} ms`,
})
rows.push({
  name: 'server RSS idle / with 100k docs',
  result: `${rssIdle.toFixed(0)} MB / ${bare.rssMb().toFixed(0)} MB`,
})

await Promise.all([mongoose.disconnect(), apiConn.close()])
const stopped = (s: Server) => new Promise((resolve) => s.child.once('exit', resolve))
const exits = [stopped(bare), stopped(persistent)]
bare.child.kill('SIGTERM')
persistent.child.kill('SIGTERM')
await Promise.all(exits)
rmSync(dataDir, { recursive: true, force: true })

const w0 = Math.max(...rows.map((r) => r.name.length))
const w1 = Math.max(...rows.map((r) => r.result.length))
console.log(`\n${'benchmark'.padEnd(w0)}  ${'result'.padEnd(w1)}  goal`)
console.log(`${'-'.repeat(w0)}  ${'-'.repeat(w1)}  ${'-'.repeat(34)}`)
for (const r of rows) console.log(`${r.name.padEnd(w0)}  ${r.result.padEnd(w1)}  ${r.goal ?? ''}`.trimEnd())
const load1 = loadavg()[0]!
console.log(
  `\nload average ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at end, on ${cpus().length} cores` +
    (Math.max(load0, load1) > cpus().length / 2
      ? ': other processes shared the CPU, so throughput is low and CPU per op high (run again when idle)'
      : ''),
)
