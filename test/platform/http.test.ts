import { spawn } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildAdmin } from '../support/factories.js'
import type { AddressInfo } from 'node:net'
import { createHttpApp } from '@zct/api/internal/platform/app'
import { createLogger } from '@zct/api/internal/platform/logger'
import { world } from '../support/world.js'

const root = path.resolve(import.meta.dirname, '../..')
const CONSOLE = 'https://console.ip.example.gov.cn'
const w = world({ BODY_LIMIT_KB: '16', ADMIN_ORIGIN: CONSOLE })

describe('HTTP platform', () => {
  it('refuses a JSON body over the limit with 413 and malformed JSON with 400, in Chinese', async () => {
    const big = await w.api.call('POST', '/admin/v1/auth/login', {
      body: { username: 'a', password: 'x'.repeat(20_000) },
    })
    expect(big.status).toBe(413)
    expect(big.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
    expect(big.body.error.message).toMatch(/内容过大/)
    const bad = await w.api.call('POST', '/admin/v1/auth/login', { body: '{"username": ' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('BAD_REQUEST')
    expect(bad.body.error.message).toMatch(/JSON/)
  })

  it('sends security headers and a request id', async () => {
    const res = await w.api.call('GET', '/readyz', { headers: { 'x-request-id': 'trace-abc-123' } })
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123')
  })

  it('serves /metrics to the host itself (no token configured)', async () => {
    const res = await w.api.call('GET', '/metrics')
    expect(res.status).toBe(200)
    expect(res.body).toContain('http_request_duration_seconds')
  })

  it('with METRICS_TOKEN set, serves /metrics only to the scraper holding it', async () => {
    const app = createHttpApp(
      {
        log: createLogger('silent'),
        bodyLimitKb: 16,
        adminOrigin: '',
        trustProxy: false,
        adminStaticDir: '',
        readiness: {},
        isShuttingDown: () => false,
        metricsToken: 'scrape-secret-1',
      },
      [],
    )
    const server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`
    try {
      expect((await fetch(url)).status).toBe(404)
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(404)
      expect((await fetch(url, { headers: { authorization: 'Bearer scrape-secret-1' } })).status).toBe(200)
    } finally {
      server.close()
    }
  })

  it('opens CORS to the configured console origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${w.api.url}/admin/v1/me`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      })
    expect((await preflight(CONSOLE)).headers.get('access-control-allow-origin')).toBe(CONSOLE)
    expect(
      (await preflight('https://evil.example.com')).headers.get('access-control-allow-origin'),
    ).toBeNull()
  })

  it('on SIGTERM finishes the upload in flight, then exits 0', async () => {
    const admin = await buildAdmin(w.api, { roles: ['content_editor'] })
    // A second api process on the same database, as a deployment runs several.
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['api/src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, ...w.api.env, PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString()
        const m = out.match(/"url":"(http:\/\/[^"]+)","msg":"api listening"/)
        if (m) resolve(m[1]!)
      })
      child.once('exit', (code) => reject(new Error(`api exited early (${code}): ${out}`)))
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

    // A PDF streamed slowly: still arriving when SIGTERM comes.
    const boundary = 'zctboundary'
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="notice.pdf"\r\nContent-Type: application/pdf\r\n\r\n`
    const chunks = [
      Buffer.from(head + '%PDF-1.7\n'),
      ...Array.from({ length: 8 }, () => Buffer.alloc(4096, 0x20)),
      Buffer.from(`\n%%EOF\r\n--${boundary}--\r\n`),
    ]
    let sentSignal = false
    const body = new ReadableStream({
      async pull(controller) {
        const next = chunks.shift()
        if (!next) return controller.close()
        await new Promise((r) => setTimeout(r, 100))
        if (!sentSignal && chunks.length < 6) {
          sentSignal = true
          child.kill('SIGTERM')
        }
        controller.enqueue(next)
      },
    })
    const res = await fetch(`${url}/admin/v1/files`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body,
      duplex: 'half',
    } as RequestInit)
    expect(sentSignal).toBe(true)
    expect(res.status).toBe(201)
    expect((await res.json()).mime).toBe('application/pdf')
    expect(await exited).toBe(0)
    expect(out).toContain('shutdown complete')
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
  })
})
