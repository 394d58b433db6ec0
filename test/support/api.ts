import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import { loadConfig } from '@zct/api/platform/config'
import { createLogger } from '@zct/api/platform/logger'
import { startServer, type RunningServer } from '@zct/api/server'

export interface TestApi extends RunningServer {
  /** the environment this api was configured from: a worker process started with it joins the same system */
  env: Record<string, string>
  dbName: string
  prefix: string
  /** fetch against the api with JSON in and out; never throws on HTTP errors. */
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiResponse>
}

export interface ApiResponse {
  status: number
  headers: Headers
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
}

/** Test env: its own database and Redis prefix per api instance, so test files never see each other's data. */
export function testEnv(overrides: Record<string, string> = {}) {
  const dbName = `t_${randomBytes(5).toString('hex')}`
  const mongo = new URL(inject('mongoUri'))
  mongo.pathname = `/${dbName}`
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    MONGODB_URI: mongo.href,
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: `test:${dbName}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATA_KEY: randomBytes(32).toString('base64'),
    DATA_HASH_KEY: randomBytes(32).toString('base64'),
    ...overrides,
  }
}

export async function startTestApi(overrides: Record<string, string> = {}): Promise<TestApi> {
  const env = testEnv(overrides)
  const config = loadConfig(env)
  const running = await startServer(config, createLogger(env.LOG_LEVEL))
  const dbName = new URL(env.MONGODB_URI).pathname.slice(1)
  return {
    ...running,
    env,
    dbName,
    prefix: env.REDIS_PREFIX,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers }
      if (opts.token) headers.authorization = `Bearer ${opts.token}`
      let body: string | undefined
      if (opts.body !== undefined) {
        headers['content-type'] ??= 'application/json'
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
      }
      const res = await fetch(running.url + path, { method, headers, body })
      const text = await res.text()
      let parsed: unknown = text
      try {
        parsed = text ? JSON.parse(text) : undefined
      } catch {
        /* non-JSON body (metrics, html) stays text */
      }
      return { status: res.status, headers: res.headers, body: parsed }
    },
  }
}
