/**
 * One-line start on embedded defaults: launches what is missing (embedded MongoDB, Redis, fake WeChat),
 * then the api and one worker, and prints one banner. Ctrl-C stops every child in reverse order; the
 * embedded database flushes its data on the way out.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dataDir = path.join(root, 'data')
const tsx = path.join(root, 'node_modules/.bin/tsx')
mkdirSync(dataDir, { recursive: true })

interface Child {
  name: string
  proc: ChildProcess
}
const children: Child[] = []
const embedded: string[] = []
let stopping = false

function launch(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, readyLine?: RegExp) {
  const proc = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push({ name, proc })
  const prefix = `[${name}] `
  let ready: (m: RegExpMatchArray) => void
  const readyP = new Promise<RegExpMatchArray>((resolve, reject) => {
    ready = resolve
    proc.once('exit', (code) => {
      if (!stopping) reject(new Error(`${name} 意外退出（退出码 ${code}）`))
    })
  })
  for (const stream of [proc.stdout, proc.stderr]) {
    let buf = ''
    stream?.on('data', (chunk: Buffer) => {
      buf += chunk.toString()
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        const m = readyLine && line.match(readyLine)
        if (m) ready(m)
        if (process.env.START_VERBOSE || !/"level":30|"level":20/.test(line))
          process.stdout.write(prefix + line + '\n')
      }
    })
  }
  return readyLine ? readyP : Promise.resolve([] as unknown as RegExpMatchArray)
}

/** Stops the api, worker and fake WeChat together, then the stores they were using (MongoDB flushes its data). */
async function stopAll() {
  if (stopping) return
  stopping = true
  console.log('\n正在停止所有进程…')
  const stores = new Set(['mongo', 'redis'])
  await Promise.all(children.filter((c) => !stores.has(c.name)).map(stop))
  await Promise.all(children.filter((c) => stores.has(c.name)).map(stop))
  process.exit(0)
}

function stop(c: Child): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      console.log(`  已停止 ${c.name}`)
      resolve()
    }
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return done()
    const t = setTimeout(() => c.proc.kill('SIGKILL'), 15_000)
    c.proc.once('exit', () => {
      clearTimeout(t)
      done()
    })
    c.proc.kill('SIGTERM')
  })
}
process.on('SIGINT', stopAll)
process.on('SIGTERM', stopAll)

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
  const file = path.join(dataDir, 'dev-secrets.json')
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
  const secrets = devSecrets()
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'development',
    JWT_SECRET: process.env.JWT_SECRET ?? secrets.JWT_SECRET,
    DATA_KEY: process.env.DATA_KEY ?? secrets.DATA_KEY,
    DATA_HASH_KEY: process.env.DATA_HASH_KEY ?? secrets.DATA_HASH_KEY,
    ADMIN_STATIC_DIR: path.join(root, 'admin/dist'),
    STORAGE_DIR: process.env.STORAGE_DIR ?? path.join(dataDir, 'files'),
  }

  if (!process.env.MONGODB_URI) {
    const port = (await portOpen(27017)) ? 0 : 27017
    const m = await launch(
      'mongo',
      tsx,
      ['mongo-embedded/src/cli.ts', '--port', String(port), '--dbpath', path.join(dataDir, 'db')],
      {},
      /listening on (mongodb:\/\/\S+)/,
    )
    env.MONGODB_URI = `${m[1]}/zhichantong`
    embedded.push(`MongoDB：内嵌兼容服务器 ${m[1]}（数据目录 ./data/db）`)
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
      await stopAll()
    }
    mkdirSync(path.join(dataDir, 'redis'), { recursive: true })
    await launch(
      'redis',
      'redis-server',
      [
        '--port',
        String(redisPort),
        '--bind',
        '127.0.0.1',
        '--dir',
        path.join(dataDir, 'redis'),
        '--appendonly',
        'yes',
      ],
      {},
      /Ready to accept connections/,
    )
    embedded.push(`Redis：已自动启动 redis-server（端口 ${redisPort}，数据目录 ./data/redis）`)
  } else embedded.push(`Redis：使用已在运行的 ${redisUrl.href}`)
  env.REDIS_URL = redisUrl.href

  if (!process.env.WECHAT_API_BASE) {
    const w = await launch(
      'wechat',
      tsx,
      ['test/support/fake-wechat/cli.ts', '--port', '0'],
      {},
      /listening on (http:\/\/\S+)/,
    )
    env.WECHAT_API_BASE = w[1]
    embedded.push(`微信接口：模拟服务器 ${w[1]}（控制接口 ${w[1]}/__control/）`)
    // Content security checks run as an operator's WeChat account; in development, a fake one that has
    // just opened the mini-program (msg_sec_check v2 wants a user seen in the last two hours).
    env.WECHAT_SEC_CHECK_OPENID ??= 'dev-operator'
    const { code } = (await (
      await fetch(`${w[1]}/__control/login-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ openid: env.WECHAT_SEC_CHECK_OPENID }),
      })
    ).json()) as { code: string }
    const appid = process.env.WECHAT_APP_ID ?? 'wx-dev-appid'
    const secret = process.env.WECHAT_APP_SECRET ?? 'dev-secret'
    await fetch(
      `${w[1]}/sns/jscode2session?appid=${appid}&secret=${secret}&js_code=${code}&grant_type=authorization_code`,
    )
  }

  // The first super administrator, created once; its password lives in data/dev-secrets.json.
  const created = spawnSync(tsx, ['api/src/cli/create-admin.ts', '--if-none'], {
    cwd: root,
    env: { ...process.env, ...env, ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: secrets.ADMIN_PASSWORD },
    encoding: 'utf8',
  })
  if (created.status !== 0) {
    console.error(created.stderr || created.stdout)
    await stopAll()
  }

  await launch('api', tsx, ['api/src/main.ts'], env, /"msg":"api listening"/)
  await launch('worker', tsx, ['jobs/src/main.ts'], env, /"msg":"worker ready"/)

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
      '  按 Ctrl-C 停止全部进程',
      '━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━',
      '',
    ].join('\n'),
  )
}

main().catch(async (e) => {
  console.error(e instanceof Error ? e.message : e)
  await stopAll()
})
