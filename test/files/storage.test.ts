import { createServer, type Server } from 'node:http'
import { mkdtemp } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalStorage } from '@zct/api/internal/platform/storage/local'
import { S3Storage } from '@zct/api/internal/platform/storage/s3'
import { newObjectKey, StorageNotFoundError, type Storage } from '@zct/api/internal/platform/storage/storage'
import { filesUnder } from './fixtures.js'

/** A stream that yields some bytes and then fails, as an upload refused half-way does. */
function failingStream() {
  return new Readable({
    read() {
      this.push(Buffer.alloc(1024, 1))
      this.destroy(new Error('refused mid-stream'))
    },
  })
}

/** The contract every driver keeps; run against each below. */
function behavesAsStorage(make: () => Promise<Storage>) {
  it('round-trips an object and reports its size', async () => {
    const s = await make()
    const key = newObjectKey()
    expect(await s.put(key, Readable.from([Buffer.from('你好, '), Buffer.from('world')]))).toEqual({
      size: 13,
    })
    expect(await s.exists(key)).toBe(true)
    expect(await text(await s.get(key))).toBe('你好, world')
    await s.delete(key)
    expect(await s.exists(key)).toBe(false)
    await expect(s.get(key)).rejects.toBeInstanceOf(StorageNotFoundError)
    await s.delete(key) // idempotent
  })

  it('keeps nothing when the stream fails', async () => {
    const s = await make()
    const key = newObjectKey()
    await expect(s.put(key, failingStream())).rejects.toThrow('refused mid-stream')
    expect(await s.exists(key)).toBe(false)
  })

  it('refuses keys that could leave its root', async () => {
    const s = await make()
    for (const key of [
      '../x',
      '2026/../../etc/passwd',
      '/etc/passwd',
      '.tmp/x',
      'a\\..\\b',
      'a//b',
      '',
      'a/./b',
    ])
      await expect(s.put(key, Readable.from(['x'])), key).rejects.toThrow(/invalid storage key/)
  })
}

describe('LocalStorage', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zct-local-'))
  })
  behavesAsStorage(async () => new LocalStorage(dir))

  it('writes through a temp file: a failed put leaves no file at all, not even the temp one', async () => {
    const s = new LocalStorage(await mkdtemp(path.join(os.tmpdir(), 'zct-local-')))
    await expect(s.put(newObjectKey(), failingStream())).rejects.toThrow()
    expect(await filesUnder(s.root)).toEqual([])
  })

  it('names objects by key only, in month folders', async () => {
    const s = new LocalStorage(await mkdtemp(path.join(os.tmpdir(), 'zct-local-')))
    const key = newObjectKey(new Date('2026-11-03T00:00:00Z'))
    expect(key).toMatch(/^2026\/11\/[0-9a-f-]{36}$/)
    await s.put(key, Readable.from(['x']))
    expect(await filesUnder(s.root)).toEqual([key])
  })
})

/**
 * A minimal S3 endpoint: enough of PUT/GET/HEAD/DELETE to drive the real SDK, recording each request so the
 * signature's shape can be checked. Not a fidelity test against real S3.
 */
describe('S3Storage (against a minimal fake endpoint)', () => {
  const objects = new Map<string, Buffer>()
  const requests: { method: string; url: string; headers: Record<string, string | string[] | undefined> }[] =
    []
  let server: Server
  let endpoint: string

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers })
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const key = decodeURIComponent(new URL(req.url!, 'http://x').pathname)
      const found = objects.get(key)
      if (req.method === 'PUT') {
        objects.set(key, Buffer.concat(chunks))
        res.writeHead(200, { etag: '"x"' }).end()
      } else if (req.method === 'DELETE') {
        objects.delete(key)
        res.writeHead(204).end()
      } else if (!found) {
        res.writeHead(404, { 'content-type': 'application/xml' })
        res.end(
          req.method === 'HEAD'
            ? undefined
            : '<Error><Code>NoSuchKey</Code><Message>not found</Message></Error>',
        )
      } else {
        res.writeHead(200, { 'content-length': found.length, 'content-type': 'application/octet-stream' })
        res.end(req.method === 'HEAD' ? undefined : found)
      }
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  const make = async () =>
    new S3Storage({
      endpoint,
      bucket: 'zct-files',
      region: 'cn-south-1',
      accessKeyId: 'AKIDTEST',
      secretAccessKey: 'secret',
    })
  behavesAsStorage(make)

  it('signs path-style requests with SigV4 and sends a plain body with its length', async () => {
    const s = await make()
    const key = newObjectKey()
    requests.length = 0
    await s.put(key, Readable.from([Buffer.from('abc')]))
    const put = requests.find((r) => r.method === 'PUT')!
    expect(new URL(put.url, endpoint).pathname).toBe(`/zct-files/${key}`)
    expect(put.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/cn-south-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    )
    expect(put.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/)
    expect(put.headers['x-amz-content-sha256']).toBeTruthy()
    expect(put.headers['content-length']).toBe('3')
    expect(put.headers['content-encoding'] ?? '').not.toContain('aws-chunked')
    expect(objects.get(`/zct-files/${key}`)?.toString()).toBe('abc')
  })
})
