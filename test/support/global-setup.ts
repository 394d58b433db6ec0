import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import type { TestProject } from 'vitest/node'
import { freePort, portOpen, startMongoProcess } from '../bench/processes.js'

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string
    redisUrl: string
  }
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
    // TTL sweeps every second, so expiry tests need not wait a minute
    const srv = await startMongoProcess(['--ttlMonitorInterval', '1000'])
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
