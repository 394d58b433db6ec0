import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { startServer } from '@zct/mongo-embedded'
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

async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}

/**
 * MONGODB_URI (a real server) wins over the embedded one; REDIS_URL likewise. Otherwise the embedded
 * database runs in memory, and a Redis is started on a free port when none listens on 6379.
 */
export default async function setup(project: TestProject) {
  let stopMongo: (() => Promise<void>) | undefined
  let redisProc: ChildProcess | undefined
  let mongoUri = process.env.MONGODB_URI
  if (!mongoUri) {
    const srv = await startServer({ port: 0, ttlMonitorIntervalMs: 1000 } as Parameters<
      typeof startServer
    >[0])
    mongoUri = srv.uri
    stopMongo = () => srv.close()
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
