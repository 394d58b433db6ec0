/**
 * `pnpm bench:push` (not a test): the push pipeline at provincial scale, with every part a separate process
 * as in production (embedded MongoDB, fake WeChat, one worker) except the planner, timed in-process.
 * Prints: 100,000 enterprises / 150,000 members matched and enqueued (s), end-to-end WeChat deliveries per
 * second through the fake server, and this machine's raw bull no-op job rate for comparison.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Queue from 'bull'
import mongoose, { Types } from 'mongoose'
import { CampaignModel } from '@zct/api/internal/modules/campaigns/campaigns.model'
import { buildServices } from '@zct/api/internal/modules/index'
import { loadConfig } from '@zct/api/internal/platform/config'
import { connectMongo } from '@zct/api/internal/platform/db'
import { createLogger } from '@zct/api/internal/platform/logger'
import { createRedis } from '@zct/api/internal/platform/redis'
import { createControlClient } from '../support/fake-wechat/index.js'
import { seedRecipients } from '../support/seed.js'

const ENTERPRISES = Number(process.env.BENCH_ENTERPRISES ?? 100_000)
const DELIVERY_WINDOW_S = Number(process.env.BENCH_DELIVERY_SECONDS ?? 60)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tsx = path.join(root, 'node_modules/.bin/tsx')
const children: ChildProcess[] = []
const template = 'tpl-patent-push'

function launch(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready?: RegExp,
  nodeArgs: string[] = [],
): Promise<RegExpMatchArray | null> {
  const child = spawn(
    nodeArgs.length ? process.execPath : tsx,
    nodeArgs.length ? [...nodeArgs, '--import', 'tsx', ...args] : args,
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  children.push(child)
  if (!ready) {
    child.stdout!.on('data', (c: Buffer) => process.stdout.write(c))
    return Promise.resolve(null)
  }
  return new Promise((resolve, reject) => {
    let buf = ''
    child.stdout!.on('data', (c: Buffer) => {
      if (buf.length < 10_000) buf += c.toString()
      const m = buf.match(ready)
      if (m) resolve(m)
    })
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)))
  })
}
const row = (label: string, value: string) => console.log(`${label.padEnd(58)} ${value}`)
const secs = (t0: number) => (performance.now() - t0) / 1000

async function main() {
  const mongo = await launch(
    ['mongo-embedded/src/cli.ts', '--port', '0', '--memory'],
    {},
    /listening on (mongodb:\/\/\S+)/,
  )
  const wx = await launch(
    ['test/support/fake-wechat/cli.ts', '--port', '0'],
    {},
    /listening on (http:\/\/\S+)/,
  )
  const wxUrl = wx![1]!
  const control = createControlClient(wxUrl)
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    MONGODB_URI: `${mongo![1]}/bench_push`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `bench:${randomBytes(3).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATA_KEY: randomBytes(32).toString('base64'),
    DATA_HASH_KEY: randomBytes(32).toString('base64'),
    WECHAT_API_BASE: wxUrl,
    WECHAT_SEND_RPS: '10000',
  }
  const config = loadConfig(env)
  const log = createLogger('warn')
  await connectMongo(config.mongo.uri, log)
  const redis = createRedis(config.redis.url)
  const platform = await buildServices({ config, log, redis })

  console.log(`\nseeding ${ENTERPRISES.toLocaleString('en')} enterprises …`)
  let t0 = performance.now()
  const regions = ['440203', '440204', '440205', '440222', '440281', '440106', '440304', '440604']
  const openids = await seedRecipients({
    enterprises: ENTERPRISES,
    members: (i) => (i % 2 === 0 ? 2 : 1),
    profile: (i) => ({
      region: regions[i % regions.length]!,
      ipcs: [i % 3 ? 'H04L 9/32' : 'H04W'],
      industries: ['39'],
    }),
    grantTemplate: template,
  })
  for (let i = 0; i < openids.length; i += 50_000)
    await control.seedUsers({ openids: openids.slice(i, i + 50_000), templateId: template })
  row(
    `seeded ${ENTERPRISES.toLocaleString('en')} enterprises, ${openids.length.toLocaleString('en')} members`,
    `${secs(t0).toFixed(1)} s`,
  )

  const campaign = await CampaignModel.create({
    name: 'bench',
    content: {
      kind: 'patent',
      id: new Types.ObjectId(),
      title: '5G 通信专利预警',
      summary: '关注 H04 领域',
      category: 'warning',
    },
    targeting: {
      regions: ['440000'],
      regionMatch: 'within',
      industries: [],
      ipcs: ['H04'],
      enterpriseTypes: [],
      sizes: [],
    },
    templateId: template,
    status: 'queued',
    createdBy: new Types.ObjectId(),
  })
  t0 = performance.now()
  const plan = await platform.services.campaigns.campaigns.plan(campaign._id.toHexString())
  const planSeconds = secs(t0)
  row(
    `matched and enqueued (${(plan as { enterprises: number }).enterprises.toLocaleString('en')} enterprises, ${(plan as { members: number }).members.toLocaleString('en')} members, ${(plan as { batches: number }).batches} batches)`,
    `${planSeconds.toFixed(2)} s  (goal ≤ 10 s)`,
  )

  // BENCH_WORKER_PROF=dir writes the worker's CPU profile there, to see where a delivery's time goes.
  const prof = process.env.BENCH_WORKER_PROF
  await launch(
    ['jobs/src/main.ts'],
    { ...env, LOG_LEVEL: process.env.BENCH_WORKER_LOG ?? 'warn' },
    undefined,
    prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [],
  )
  const start = performance.now()
  let count = 0
  while (secs(start) < DELIVERY_WINDOW_S && count < openids.length) {
    await new Promise((r) => setTimeout(r, 500))
    count = (await control.messageCount()).count
  }
  const deliveryRate = count / secs(start)
  row(
    `end-to-end WeChat deliveries (${count.toLocaleString('en')} in ${secs(start).toFixed(1)} s, 1 worker)`,
    `${Math.round(deliveryRate).toLocaleString('en')} /s`,
  )
  for (const c of children.splice(2)) c.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 1000))

  // Raw bull on the same Redis: no-op jobs added in bulk and processed with the same concurrency.
  const noop = new Queue(`noop-${randomBytes(3).toString('hex')}`, config.redis.url, {
    prefix: `${config.redis.prefix}:bull`,
  })
  const N = 20_000
  for (let i = 0; i < N; i += 1000)
    await noop.addBulk(
      Array.from({ length: 1000 }, (_, k) => ({ data: { i: i + k }, opts: { removeOnComplete: true } })),
    )
  let done = 0
  const allDone = new Promise<void>((resolve) => {
    void noop.process(2, async () => {
      if (++done === N) setImmediate(resolve)
    })
  })
  t0 = performance.now()
  await allDone
  const noopRate = N / secs(t0)
  row(
    `raw bull no-op jobs (${N.toLocaleString('en')}, concurrency 2)`,
    `${Math.round(noopRate).toLocaleString('en')} /s`,
  )
  row('deliveries/s ÷ no-op jobs/s', `${(deliveryRate / noopRate).toFixed(2)}  (goal ≥ 0.25)`)
  await noop.obliterate({ force: true })
  await noop.close()
  await platform.close()
  redis.disconnect()
  await mongoose.disconnect()
}

main()
  .catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM')
  })
