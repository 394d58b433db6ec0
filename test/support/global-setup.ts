import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string
    redisUrl: string
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}

/** The embedded server (TTL sweeps every second, so expiry tests need not wait a minute): its URI. */
function startEmbeddedMongo(): Promise<{ uri: string; stop: () => Promise<void> }> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'mongo-embedded/src/cli.ts',
      '--port',
      '0',
      '--memory',
      '--ttlMonitorInterval',
      '1000',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const m = /listening on (mongodb:\/\/\S+)/.exec(out)
      if (m) resolve({ uri: m[1]!, stop })
    })
    child.once('exit', (code) => reject(new Error(`嵌入式 MongoDB 启动失败（退出码 ${code}）`)))
  })
}

async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}

/**
 * MONGODB_URI (a real server) wins over the embedded one; REDIS_URL likewise. Otherwise the embedded
 * database runs in memory in a process of its own, as production's database runs apart from the api: in
 * vitest's own process its work for every test file (and the scale-out test's four processes) would hold up
 * vitest's messages to its workers. A Redis is started on a free port when none listens on 6379.
 */
export default async function setup(project: TestProject) {
  let stopMongo: (() => Promise<void>) | undefined
  let redisProc: ChildProcess | undefined
  let mongoUri = process.env.MONGODB_URI
  if (!mongoUri) {
    const srv = await startEmbeddedMongo()
    mongoUri = srv.uri
    stopMongo = srv.stop
  }
  let redisUrl = process.env.REDIS_URL
  if (!redisUrl) {
    if (await portOpen(6379)) redisUrl = 'redis://127.0.0.1:6379'
    else {
      if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0)
        throw new Error(
          '测试需要 Redis：请安装 redis-server（apt-get install -y redis-server）或设置 REDIS_URL',
        )
      const port = await freePort()
      redisProc = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      })
      for (let i = 0; i < 50 && !(await portOpen(port)); i++) await new Promise((r) => setTimeout(r, 100))
      redisUrl = `redis://127.0.0.1:${port}`
    }
  }
  project.provide('mongoUri', mongoUri)
  project.provide('redisUrl', redisUrl)
  return async () => {
    await stopMongo?.()
    redisProc?.kill('SIGTERM')
  }
}
