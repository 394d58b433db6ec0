import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { world } from '../support/world.js'

// The built console (the test line builds it first), served as production serves it.
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../admin/dist')
const w = world({ ADMIN_STATIC_DIR: dist })

/** Raw request: fetch would normalise `..` segments before they reach the server. */
async function raw(pathAndQuery: string, method = 'GET') {
  const { request } = await import('node:http')
  const url = new URL(w.api.url)
  return new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: pathAndQuery, method }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () =>
        resolve({ status: res.statusCode!, body, type: String(res.headers['content-type'] ?? '') }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the console under /admin/', () => {
  it('serves the console and falls back to index.html for its own routes', async () => {
    const index = await raw('/admin/users')
    expect(index.status).toBe(200)
    expect(index.type).toContain('text/html')
  })

  it('answers 404 in Chinese, never 500, to paths escaping its folder', async () => {
    for (const p of [
      '/admin/..%2f..%2fetc/passwd',
      '/admin/..%2F..%2F..%2Fetc%2Fpasswd',
      '/admin/%2e%2e/%2e%2e/etc/passwd',
      '/admin/assets/..%5c..%5cpackage.json',
      '/admin/%00index.html',
    ]) {
      const res = await raw(p)
      expect(res.status, p).toBe(404)
      expect(JSON.parse(res.body).error).toMatchObject({ code: 'NOT_FOUND' })
      expect(res.body).not.toContain('root:')
    }
  })

  it('maps every HTTP error a middleware raises to its own status, not 500', async () => {
    const malformed = await raw('/admin/%E0%A4%A')
    expect(malformed.status).not.toBe(500)
    expect(malformed.status).toBeLessThan(500)
    const method = await raw('/admin/v1/auth/login', 'PUT')
    expect(method.status).toBe(405)
    expect(JSON.parse(method.body).error).toEqual({
      code: 'METHOD_NOT_ALLOWED',
      message: '该接口不支持此请求方法',
    })
    const unknownMethod = await raw('/admin/v1/auth/login', 'PROPFIND')
    expect(unknownMethod.status).toBe(501)
    expect(JSON.parse(unknownMethod.body).error.code).toBe('NOT_IMPLEMENTED')
    const long = await raw(`/admin/${'a'.repeat(5000)}.js`)
    expect(long.status).toBeLessThan(500)
  })
})
