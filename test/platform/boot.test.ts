import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { startServer as startMongo } from '@zct/mongo-embedded'
import { describe, expect, it } from 'vitest'
import { loadConfig, ConfigError } from '@zct/api/internal/platform/config'
import { startTestApi, testEnv } from '../support/api.js'

const root = path.resolve(import.meta.dirname, '../..')

describe('config', () => {
  it('names every bad key in one message', () => {
    const env = { ...testEnv(), PORT: 'abc', JWT_SECRET: 'short', MONGODB_URI: 'postgres://x' }
    expect(() => loadConfig(env)).toThrow(ConfigError)
    try {
      loadConfig(env)
    } catch (e) {
      expect((e as Error).message).toMatch(/PORT/)
      expect((e as Error).message).toMatch(/JWT_SECRET: .*32/)
      expect((e as Error).message).toMatch(/MONGODB_URI/)
    }
  })

  it('stops the api process with a message naming the key', () => {
    const res = spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['api/src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, ...testEnv(), DATA_KEY: 'not-a-key' },
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(res.status).toBe(1)
    expect(res.stderr).toMatch(/DATA_KEY: .*32 字节/)
  })
})

/** Starts the api process as production or development would and returns its stdout up to the ready line. */
async function firstLines(nodeEnv: 'production' | 'development') {
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      ...testEnv(),
      NODE_ENV: nodeEnv,
      LOG_LEVEL: 'info',
      WECHAT_APP_SECRET: 'a-real-app-secret',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString()
        if (/api listening[^\n]*\n/.test(out)) resolve()
      })
      child.once('exit', (code) => reject(new Error(`api exited with ${code}: ${out}`)))
    })
  } finally {
    child.kill('SIGTERM')
  }
  // Colour codes, if the terminal asked for them, are not part of the line.
  return stripVTControlCharacters(out).split('\n').filter(Boolean)
}

describe('logs', () => {
  it('are JSON in production, one object per line', async () => {
    const lines = await firstLines('production')
    const listening = lines.map((l) => JSON.parse(l) as { msg: string; name: string; url: string }).at(-1)!
    expect(listening).toMatchObject({ msg: 'api listening', name: 'api', level: 30 })
  })

  it('are readable lines in development (pino-pretty)', async () => {
    const lines = await firstLines('development')
    const listening = lines.findIndex((l) => l.includes('api listening'))
    expect(lines[listening]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(api\): api listening$/)
    expect(() => JSON.parse(lines[listening]!)).toThrow()
  })
})

describe('health', () => {
  it('answers /healthz and /readyz when MongoDB and Redis are up', async () => {
    const api = await startTestApi()
    try {
      expect((await api.call('GET', '/healthz')).status).toBe(200)
      const ready = await api.call('GET', '/readyz')
      expect(ready.status).toBe(200)
      expect(ready.body.checks).toEqual({ mongodb: 'ok', redis: 'ok' })
      expect(ready.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/)
    } finally {
      await api.close()
    }
  })

  it('answers 503 naming mongodb while the database is down and 200 again after it returns, without a restart', async () => {
    const first = await startMongo({ port: 0 })
    const port = first.port
    const api = await startTestApi({ MONGODB_URI: `mongodb://127.0.0.1:${port}/readyz_test` })
    try {
      expect((await api.call('GET', '/readyz')).status).toBe(200)
      await first.close()
      const down = await api.call('GET', '/readyz')
      expect(down.status).toBe(503)
      expect(down.body.failing).toEqual(['mongodb'])
      // A request that needs the database says so in words, never 500.
      const needsDb = await api.call('POST', '/admin/v1/auth/login', {
        body: { username: 'someone', password: 'Whatever-123' },
      })
      expect(needsDb.status).toBe(503)
      expect(needsDb.body.error).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        message: '数据库暂时不可用，请稍后重试',
      })
      const again = await startMongo({ port })
      try {
        let status = 0
        for (let i = 0; i < 40 && status !== 200; i++) {
          await new Promise((r) => setTimeout(r, 250))
          status = (await api.call('GET', '/readyz')).status
        }
        expect(status).toBe(200)
      } finally {
        await api.close()
        await again.close()
      }
    } catch (e) {
      await api.close().catch(() => {})
      throw e
    }
  })

  it('answers unknown routes with the error envelope in Chinese', async () => {
    const api = await startTestApi()
    try {
      const res = await api.call('GET', '/mp/v1/nope')
      expect(res.status).toBe(404)
      expect(res.body.error.code).toBe('NOT_FOUND')
      expect(res.body.error.message).toMatch(/不存在/)
    } finally {
      await api.close()
    }
  })
})
