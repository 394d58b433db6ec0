/**
 * One-line start on embedded defaults: builds the console if its sources changed, launches what is missing
 * (embedded MongoDB, Redis, fake WeChat), creates the first administrator, then runs the api and one worker,
 * restarting either if it crashes, and prints one banner. Ctrl-C stops every child in reverse order; the
 * embedded database flushes its data on the way out.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEV_RUNTIME_FILE, DEV_SECRETS_FILE, RUNTIME_KEYS, devDataDir } from '../api/src/cli/dev-env.js'
import { keepOperatorActive } from '../test/support/fake-wechat/operator.js'
import { ensureConsoleBuilt } from './lib/console-build.js'
import { supervise, type Supervised } from './lib/supervise.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dataDir = devDataDir()
mkdirSync(dataDir, { recursive: true })
const runtimeFile = path.join(dataDir, DEV_RUNTIME_FILE)
/** A path as the banner shows it: relative inside the repository, absolute outside (DEV_DATA_DIR). */
const shown = (p: string) => (p.startsWith(root + path.sep) ? path.relative(root, p) : p)

/** TypeScript entry points run in one node process (not a tsx wrapper), so exit codes and signals are its own. */
const nodeTs = (script: string, args: string[], env: NodeJS.ProcessEnv) =>
  spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })

const print = (name: string) => (line: string) => process.stdout.write(`[${name}] ${line}\n`)

interface Store {
  name: string
  proc: ChildProcess
}
/** MongoDB, Redis and the fake WeChat: started once, stopped last. */
const stores: Store[] = []
/** The api and the worker. */
const services: Supervised[] = []
const embedded: string[] = []
let stopping = false

/** A store's routine lines: JSON info/debug records (MongoDB), Redis notices (`pid:M date * text`). */
const routine = /"level":(20|30)\b|^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [*.-] /

/** Runs a store until stop; resolves with its ready line's match. Its unexpected exit is reported. */
function launch(name: string, cmd: ChildProcess, readyLine: RegExp): Promise<RegExpMatchArray> {
  stores.push({ name, proc: cmd })
  const out = print(name)
  return new Promise((resolve, reject) => {
    let ready = false
    /** Start-up chatter, shown only if the store dies before it is ready. */
    const early: string[] = []
    cmd.once('exit', (code, signal) => {
      if (stopping) return
      if (!ready) {
        early.forEach(out)
        reject(new Error(`${name} 意外退出（${signal ? `信号 ${signal}` : `code ${code}`}）`))
      } else
        out(`意外退出（${signal ? `信号 ${signal}` : `code ${code}`}）；请按 Ctrl-C 后重新运行 pnpm start`)
    })
    for (const stream of [cmd.stdout, cmd.stderr]) {
      let buf = ''
      stream?.on('data', (chunk: Buffer) => {
        buf += chunk.toString()
        let nl: number
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          const m = !ready && line.match(readyLine)
          if (m) {
            ready = true
            resolve(m)
          }
          // One line per store (its ready line) and its warnings; the rest with START_VERBOSE=1.
          if (process.env.START_VERBOSE || m) out(line)
          else if (!ready) early.push(line)
          else if (!stopping && !routine.test(line)) out(line)
        }
      })
    }
  })
}

/** Stops the api and worker, then the fake WeChat, then the stores they were using (MongoDB flushes its data). */
async function stopAll(code = 0) {
  if (stopping) return
  stopping = true
  console.log('\n正在停止所有进程…')
  rmSync(runtimeFile, { force: true })
  await Promise.all(services.map((s) => s.stop()))
  if (services.length) console.log('  已停止 api、worker')
  const order = [['wechat'], ['mongo', 'redis']]
  for (const names of order)
    await Promise.all(stores.filter((s) => names.includes(s.name)).map((s) => stopStore(s)))
  process.exit(code)
}

function stopStore(s: Store): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      console.log(`  已停止 ${s.name}`)
      resolve()
    }
    if (s.proc.exitCode !== null || s.proc.signalCode !== null) return done()
    const t = setTimeout(() => s.proc.kill('SIGKILL'), 15_000)
    s.proc.once('exit', () => {
      clearTimeout(t)
      done()
    })
    s.proc.kill('SIGTERM')
  })
}
process.on('SIGINT', () => void stopAll())
process.on('SIGTERM', () => void stopAll())

function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host)
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
    s.setTimeout(1000, () => (s.destroy(), resolve(false)))
  })
}

/** Development secrets are generated once and kept under data/, so tokens and encrypted data survive restarts. */
function devSecrets() {
  const file = path.join(dataDir, DEV_SECRETS_FILE)
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
  const s = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    DATA_KEY: randomBytes(32).toString('base64'),
    DATA_HASH_KEY: randomBytes(32).toString('base64'),
    // Letters and digits, as the password policy asks.
    ADMIN_PASSWORD: `Zct-${randomBytes(6).toString('base64url')}-${100 + (randomBytes(1)[0]! % 900)}`,
  }
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 })
  return s
}

async function main() {
  if (process.env.NODE_ENV === 'production') {
    console.error('pnpm start 仅用于开发环境；生产环境请分别运行 api 与 worker，并通过环境变量提供全部配置。')
    process.exit(1)
  }
  await ensureConsoleBuilt(root, { force: !!process.env.CONSOLE_REBUILD })
  const secrets = devSecrets()
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'development',
    JWT_SECRET: process.env.JWT_SECRET ?? secrets.JWT_SECRET,
    DATA_KEY: process.env.DATA_KEY ?? secrets.DATA_KEY,
    DATA_HASH_KEY: process.env.DATA_HASH_KEY ?? secrets.DATA_HASH_KEY,
    ADMIN_STATIC_DIR: path.join(root, 'admin/dist'),
    STORAGE_DIR: process.env.STORAGE_DIR ?? path.join(dataDir, 'files'),
    // pino-pretty colours only what it believes is a terminal; the terminal is ours, not the child's.
    ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1' } : {}),
  }

  if (!process.env.MONGODB_URI) {
    const port = (await portOpen(27017)) ? 0 : 27017
    const m = await launch(
      'mongo',
      nodeTs('mongo-embedded/src/cli.ts', ['--port', String(port), '--dbpath', path.join(dataDir, 'db')], {}),
      /listening on (mongodb:\/\/\S+)/,
    )
    env.MONGODB_URI = `${m[1]}/zhichantong`
    embedded.push(`MongoDB：内嵌兼容服务器 ${m[1]}（数据目录 ${shown(path.join(dataDir, 'db'))}）`)
  }

  const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
  const redisPort = Number(redisUrl.port || 6379)
  if (!(await portOpen(redisPort, redisUrl.hostname))) {
    const local = ['127.0.0.1', 'localhost'].includes(redisUrl.hostname)
    const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0
    if (!local || !hasRedis) {
      console.error(
        `无法连接 Redis（${redisUrl.href}）。请启动 Redis，或安装后重试：\n  sudo apt-get install -y redis-server\n或设置 REDIS_URL 指向可用的 Redis。`,
      )
      return stopAll(1)
    }
    mkdirSync(path.join(dataDir, 'redis'), { recursive: true })
    const redisArgs = ['--port', String(redisPort), '--bind', '127.0.0.1', '--appendonly', 'yes']
    await launch(
      'redis',
      spawn('redis-server', [...redisArgs, '--dir', path.join(dataDir, 'redis')], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      /Ready to accept connections/,
    )
    embedded.push(
      `Redis：已自动启动 redis-server（端口 ${redisPort}，数据目录 ${shown(path.join(dataDir, 'redis'))}）`,
    )
  } else embedded.push(`Redis：使用已在运行的 ${redisUrl.href}`)
  env.REDIS_URL = redisUrl.href

  if (!process.env.WECHAT_API_BASE) {
    const w = await launch(
      'wechat',
      nodeTs('test/support/fake-wechat/cli.ts', ['--port', '0'], {}),
      /listening on (http:\/\/\S+)/,
    )
    env.WECHAT_API_BASE = w[1]
    embedded.push(`微信接口：模拟服务器 ${w[1]}（控制接口 ${w[1]}/__control/）`)
    // Content security checks run as an operator's WeChat account, which WeChat wants to have opened the
    // mini-program in the last two hours. In development a fake operator does so every 30 minutes.
    const operator = process.env.WECHAT_SEC_CHECK_OPENID || 'dev-operator'
    env.WECHAT_SEC_CHECK_OPENID = operator
    await keepOperatorActive({
      baseUrl: w[1]!,
      openid: operator,
      appId: process.env.WECHAT_APP_ID || 'wx-dev-appid',
      appSecret: process.env.WECHAT_APP_SECRET || 'dev-secret',
      onError: (e) => print('wechat')(`内容安全检测账号登录失败：${e.message}`),
    })
  }

  // What create-admin and rotate-data-key need to reach this running system (see api/src/cli/dev-env.ts).
  const runtime = Object.fromEntries(RUNTIME_KEYS.flatMap((k) => (env[k] ? [[k, env[k]]] : [])))
  writeFileSync(runtimeFile, JSON.stringify(runtime, null, 2))

  // The first super administrator, created once; its password lives in data/dev-secrets.json.
  const created = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'api/src/cli/create-admin.ts', '--if-none'],
    {
      cwd: root,
      env: { ...process.env, ...env, ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: secrets.ADMIN_PASSWORD },
      encoding: 'utf8',
    },
  )
  if (created.status !== 0) {
    console.error(created.stderr || created.stdout)
    return stopAll(1)
  }

  for (const [name, script, ready] of [
    ['api', 'api/src/main.ts', /api listening/],
    ['worker', 'jobs/src/main.ts', /worker ready/],
  ] as const) {
    const s = supervise({ name, spawn: () => nodeTs(script, [], env), readyLine: ready, onLine: print(name) })
    services.push(s)
    await s.ready
  }

  const url = `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? 3000}`
  console.log(
    [
      '',
      '━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━',
      ' 知产通已启动（开发模式）',
      `  管理后台   ${url}/admin/   （用户名 admin，密码 ${secrets.ADMIN_PASSWORD}）`,
      `  小程序接口 ${url}/mp/v1/`,
      `  健康检查   ${url}/healthz   ${url}/readyz`,
      ...embedded.map((e) => `  ${e}`),
      `  密钥与管理员密码保存在 ${shown(path.join(dataDir, DEV_SECRETS_FILE))}`,
      '  按 Ctrl-C 停止全部进程',
      '━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━',
      '',
    ].join('\n'),
  )
}

main().catch(async (e) => {
  console.error(e instanceof Error ? e.message : e)
  await stopAll(1)
})
