import { randomBytes } from 'node:crypto'
import { expect, inject } from 'vitest'
import type { ErrorBodyOutput } from '@zct/api/contracts/errors'
import {
  fillPath,
  type EndpointDef,
  type EndpointRequest,
  type EndpointResponse,
} from '@zct/api/contracts/endpoints'
import { loadConfig } from '@zct/api/internal/platform/config'
import { createLogger } from '@zct/api/internal/platform/logger'
import { startServer, type RunningServer } from '@zct/api/internal/server'

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
  /**
   * A call from the endpoint's declaration: path filled from `params`, `query` encoded, `body` sent as JSON,
   * each typed as the contract takes it; a 2xx body is typed as the contract answers it.
   */
  request<E extends EndpointDef>(endpoint: E, ...opts: OptionsArg<E>): Promise<EndpointResult<E>>
}

/** The options may be left out only when the endpoint needs no params or body. */
type OptionsArg<E extends EndpointDef> =
  Record<never, never> extends RequestOptions<E> ? [opts?: RequestOptions<E>] : [opts: RequestOptions<E>]

/** What a test sends: the declared parts as their schemas' input, plus who calls. */
export type RequestOptions<E extends EndpointDef> = EndpointRequest<E> & {
  token?: string
  headers?: Record<string, string>
}

/** A success carries the declared response; anything else the error envelope. Narrow on `ok`. */
export type EndpointResult<E extends EndpointDef> =
  | { ok: true; status: number; headers: Headers; body: EndpointResponse<E> }
  | { ok: false; status: number; headers: Headers; body: ErrorBodyOutput }

/** Fails the test with the error body unless the call succeeded with `status`; narrows to the success. */
export function expectOk<E extends EndpointDef>(
  res: EndpointResult<E>,
  status = 200,
): asserts res is Extract<EndpointResult<E>, { ok: true }> {
  if (!res.ok || res.status !== status)
    expect.fail(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`)
}

/** Fails the test unless the call was refused with `status` and `code`; narrows to the error envelope. */
export function expectRefused<E extends EndpointDef>(
  res: EndpointResult<E>,
  status: number,
  code: string,
): asserts res is Extract<EndpointResult<E>, { ok: false }> {
  expect({ status: res.status, code: res.ok ? undefined : res.body.error.code }).toEqual({ status, code })
}

/** `?a=1&tags=x&tags=y`: arrays repeat their key, undefined is left out. */
function queryString(query: Record<string, unknown> | undefined) {
  const q = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {}))
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) q.append(key, String(v))
  const text = q.toString()
  return text ? `?${text}` : ''
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
  const call: TestApi['call'] = async (method, path, opts = {}) => {
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
  }
  const request: TestApi['request'] = async <E extends EndpointDef>(endpoint: E, ...args: OptionsArg<E>) => {
    const { params, query, body, token, headers } = (args[0] ?? {}) as {
      params?: Record<string, unknown>
      query?: Record<string, unknown>
      body?: unknown
      token?: string
      headers?: Record<string, string>
    }
    const path = fillPath(endpoint.path, params) + queryString(query)
    const method = endpoint.method.toUpperCase()
    if (endpoint.response === 'file') {
      // a download: the bytes on success, the JSON error envelope otherwise
      const res = await fetch(running.url + path, {
        method,
        headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      })
      const answer = res.ok ? await res.blob() : await res.json()
      return { ok: res.ok, status: res.status, headers: res.headers, body: answer } as EndpointResult<E>
    }
    const res = await call(method, path, {
      ...(token ? { token } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(headers ? { headers } : {}),
    })
    // The body is what the api answered, typed as its contract says: the api's presenters are held to it.
    const ok = res.status >= 200 && res.status < 300
    return { ok, ...res } as EndpointResult<E>
  }
  return { ...running, env, dbName, prefix: env.REDIS_PREFIX, call, request }
}
