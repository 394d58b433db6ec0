import { mkdtempSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import mongoose from 'mongoose'
import { describe, expect, it } from 'vitest'
import { FileEndpoints as F, FileOut } from '@zct/api/contracts/files/files'
import { expectOk, expectRefused } from '../support/api.js'
import { buildAdmin, buildMpUser, type AdminSession, type MpSession } from '../support/factories.js'
import { world } from '../support/world.js'
import { filesUnder, multipart, samples, sha256, type Part } from './fixtures.js'

const storageDir = mkdtempSync(path.join(os.tmpdir(), 'zct-files-'))
const w = world({ STORAGE_DIR: storageDir, UPLOAD_MAX_MB: '1' })
const MB = 1024 * 1024

// Sign-in goes through the real login endpoints; only these two lines know how.
const signInMp = (): Promise<MpSession> => buildMpUser(w)
const signInAdmin = (opts: Parameters<typeof buildAdmin>[1]): Promise<AdminSession> => buildAdmin(w.api, opts)

interface Sent {
  status: number
  headers: Headers
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
}

/** Posts a multipart body; `chunked` streams it without Content-Length, as a client that does not know it would. */
async function upload(
  token: string | undefined,
  parts: Part[],
  opts: { path?: string; chunked?: boolean } = {},
): Promise<Sent> {
  const { body, contentType } = multipart(parts)
  const headers: Record<string, string> = { 'content-type': contentType }
  if (token) headers.authorization = `Bearer ${token}`
  const init = opts.chunked
    ? {
        method: 'POST',
        headers,
        duplex: 'half',
        body: new ReadableStream<Uint8Array>({
          start(c) {
            for (let i = 0; i < body.length; i += 64 * 1024) c.enqueue(body.subarray(i, i + 64 * 1024))
            c.close()
          },
        }),
      }
    : { method: 'POST', headers, body }
  const res = await fetch(w.api.url + (opts.path ?? '/mp/v1/files'), init as RequestInit)
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
}

async function download(path: string, token?: string) {
  const res = await fetch(w.api.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  const bytes = Buffer.from(await res.arrayBuffer())
  return { status: res.status, headers: res.headers, bytes, json: () => JSON.parse(bytes.toString()) }
}

async function until(check: () => Promise<boolean>, ms = 5000) {
  for (const end = Date.now() + ms; !(await check());) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const filesOf = (userId: string) =>
  mongoose.connection
    .db!.collection('files')
    .find({ 'owner.id': new mongoose.Types.ObjectId(userId) })
    .toArray()

describe('file uploads', () => {
  it('stores a PDF under a server-generated key and answers its sha256', async () => {
    const u = await signInMp()
    const pdf = samples.pdf('材料')
    const res = await upload(u.token, [
      { filename: '考试成绩单.pdf', contentType: 'application/pdf', data: pdf },
    ])
    expect(res.status).toBe(201)
    const out = FileOut.parse(res.body)
    expect(out).toMatchObject({
      name: '考试成绩单.pdf',
      size: pdf.length,
      mime: 'application/pdf',
      sha256: sha256(pdf),
    })

    const [record] = await filesOf(u.id)
    expect(record).toMatchObject({
      sha256: sha256(pdf),
      size: pdf.length,
      purpose: 'claim-material',
      owner: { kind: 'mp' },
    })
    expect(record!.key).toMatch(/^\d{4}\/\d{2}\/[0-9a-f-]{36}$/)
    expect(await readFile(path.join(storageDir, record!.key))).toEqual(pdf)
  })

  it('decides the type by content: JPEG and PNG pass whatever they are called', async () => {
    const u = await signInMp()
    const jpeg = await upload(u.token, [{ filename: 'photo', data: samples.jpeg() }])
    expect(jpeg.status).toBe(201)
    expect(jpeg.body).toMatchObject({ mime: 'image/jpeg', name: 'photo.jpg' })
    const png = await upload(u.token, [
      { filename: 'scan.pdf', contentType: 'application/pdf', data: samples.png() },
    ])
    expect(png.status).toBe(201)
    expect(png.body).toMatchObject({ mime: 'image/png', name: 'scan.pdf.png' })
  })

  it('refuses a file declared larger than the limit with 413 before reading it', async () => {
    const u = await signInMp()
    const before = await filesUnder(storageDir)
    const big = Buffer.concat([samples.pdf(), Buffer.alloc(MB + 1)])
    const res = await upload(u.token, [{ filename: 'big.pdf', data: big }])
    expect(res.status).toBe(413)
    expect(res.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: '文件超过 1 MB 上限' })
    expect(await filesOf(u.id)).toHaveLength(0)
    expect(await filesUnder(storageDir)).toEqual(before)
  })

  it('aborts a streamed upload at the first byte past the limit and leaves no object and no record', async () => {
    const u = await signInMp()
    const before = await filesUnder(storageDir)
    const big = Buffer.concat([samples.pdf(), Buffer.alloc(3 * MB)])
    const res = await upload(u.token, [{ filename: 'big.pdf', data: big }], { chunked: true })
    expect(res.status).toBe(413)
    expect(res.body.error.message).toBe('文件超过 1 MB 上限')
    expect(await filesOf(u.id)).toHaveLength(0)
    expect(await filesUnder(storageDir)).toEqual(before)
  })

  it('accepts a file of exactly the limit', async () => {
    const u = await signInMp()
    const pdf = samples.pdf()
    const exact = Buffer.concat([pdf, Buffer.alloc(MB - pdf.length)])
    const res = await upload(u.token, [{ filename: 'exact.pdf', data: exact }], { chunked: true })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ size: MB, sha256: sha256(exact) })
  })

  it('cleans up after a client that disconnects mid-upload', async () => {
    const u = await signInMp()
    const before = await filesUnder(storageDir)
    const { body, contentType } = multipart([
      { filename: 'slow.pdf', data: Buffer.concat([samples.pdf(), Buffer.alloc(200 * 1024)]) },
    ])
    const abort = new AbortController()
    const sent = fetch(`${w.api.url}/mp/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.token}`, 'content-type': contentType },
      duplex: 'half',
      signal: abort.signal,
      body: new ReadableStream({ start: (c) => c.enqueue(body.subarray(0, 100 * 1024)) }), // never finishes
    } as RequestInit).catch((e: unknown) => e)
    await until(async () => (await filesUnder(storageDir)).some((f) => f.startsWith('.tmp')))
    abort.abort()
    await sent
    await until(async () => (await filesUnder(storageDir)).length === before.length)
    expect(await filesUnder(storageDir)).toEqual(before)
    expect(await filesOf(u.id)).toHaveLength(0)
  })

  it('refuses an SVG renamed .png and HTML renamed .pdf with 415, keeping nothing', async () => {
    const u = await signInMp()
    const before = await filesUnder(storageDir)
    const svg = await upload(u.token, [
      { filename: 'logo.png', contentType: 'image/png', data: samples.svg() },
    ])
    expect(svg.status).toBe(415)
    expect(svg.body.error).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: '仅支持 PDF、JPG、PNG 文件' })
    const html = await upload(u.token, [
      { filename: '证明.pdf', contentType: 'application/pdf', data: samples.html() },
    ])
    expect(html.status).toBe(415)
    expect(html.body.error.message).toBe('仅支持 PDF、JPG、PNG 文件')
    const empty = await upload(u.token, [{ filename: 'empty.pdf', data: '' }])
    expect(empty.status).toBe(415)
    expect(await filesOf(u.id)).toHaveLength(0)
    expect(await filesUnder(storageDir)).toEqual(before)
  })

  it('keeps a path-traversal file name as display text only', async () => {
    const u = await signInMp()
    const res = await upload(u.token, [{ filename: '../../etc/passwd.pdf', data: samples.pdf() }])
    expect(res.status).toBe(201)
    expect(res.body.name).toBe('passwd.pdf')
    const [record] = await filesOf(u.id)
    expect(record!.key).toMatch(/^\d{4}\/\d{2}\/[0-9a-f-]{36}$/)
    expect(record!.originalName).toBe('passwd.pdf')
    expect((await filesUnder(storageDir)).some((f) => f.includes('passwd'))).toBe(false)
    expect((await filesUnder(path.dirname(storageDir))).some((f) => f.includes('passwd'))).toBe(false)
  })

  it('strips control and bidi characters and caps the display name at 200 characters', async () => {
    const u = await signInMp()
    const res = await upload(u.token, [
      { filename: `\u202Egpj.exe\u200B${'长'.repeat(300)}.pdf`, data: samples.pdf() },
    ])
    expect(res.status).toBe(201)
    expect([...res.body.name]).toHaveLength(200)
    expect(res.body.name).toMatch(/^gpj\.exe长+\.pdf$/)
  })

  it('refuses a request that is not multipart with 415', async () => {
    const u = await signInMp()
    const json = await w.api.call('POST', '/mp/v1/files', { token: u.token, body: { file: 'x' } })
    expect(json.status).toBe(415)
    expect(json.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE')
    const raw = await fetch(`${w.api.url}/mp/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/pdf' },
      body: samples.pdf(),
    })
    expect(raw.status).toBe(415)
  })

  it('takes one file per request: a second file part is a 400 and neither is kept', async () => {
    const u = await signInMp()
    const before = await filesUnder(storageDir)
    const res = await upload(u.token, [
      { filename: 'a.pdf', data: samples.pdf('a') },
      { filename: 'b.pdf', data: samples.pdf('b') },
    ])
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('TOO_MANY_FILES')
    expect(await filesOf(u.id)).toHaveLength(0)
    expect(await filesUnder(storageDir)).toEqual(before)
  })

  it('asks for a file when the form has none', async () => {
    const u = await signInMp()
    const res = await upload(u.token, [{ field: 'note', data: 'hello' }])
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('FILE_REQUIRED')
  })

  it('takes only images as avatars', async () => {
    const u = await signInMp()
    const pdf = await upload(u.token, [{ filename: 'me.pdf', data: samples.pdf() }], {
      path: '/mp/v1/files?purpose=avatar',
    })
    expect(pdf.status).toBe(415)
    expect(pdf.body.error.message).toBe('头像仅支持 JPG、PNG 图片')
    const png = await upload(u.token, [{ filename: 'me.png', data: samples.png() }], {
      path: '/mp/v1/files?purpose=avatar',
    })
    expect(png.status).toBe(201)
    const bad = await upload(u.token, [{ filename: 'me.png', data: samples.png() }], {
      path: '/mp/v1/files?purpose=attachment',
    })
    expect(bad.status).toBe(400)
  })

  it('refuses anonymous uploads with 401', async () => {
    const res = await upload(undefined, [{ filename: 'a.pdf', data: samples.pdf() }])
    expect(res.status).toBe(401)
  })

  it('lets console users with content.manage upload attachments, and no one else', async () => {
    const editor = await signInAdmin({ roles: ['content_editor'] })
    const ok = await upload(editor.token, [{ filename: '通知附件.pdf', data: samples.pdf() }], {
      path: '/admin/v1/files',
    })
    expect(ok.status).toBe(201)
    const [record] = await filesOf(editor.id)
    expect(record).toMatchObject({ purpose: 'attachment', owner: { kind: 'admin' } })

    const reviewer = await signInAdmin({ roles: ['claim_reviewer'] })
    const denied = await upload(reviewer.token, [{ filename: 'a.pdf', data: samples.pdf() }], {
      path: '/admin/v1/files',
    })
    expect(denied.status).toBe(403)
    const mp = await signInMp()
    expect(
      (await upload(mp.token, [{ filename: 'a.pdf', data: samples.pdf() }], { path: '/admin/v1/files' }))
        .status,
    ).toBe(401)
  })
})

describe('file downloads', () => {
  async function uploaded(name = '专利代理师资格证书 (1).pdf') {
    const owner = await signInMp()
    const pdf = samples.pdf(name)
    const res = await upload(owner.token, [{ filename: name, data: pdf }])
    expect(res.status).toBe(201)
    return { owner, pdf, id: res.body.id as string }
  }

  it('serves the owner their file as an attachment that is never sniffed or cached', async () => {
    const { owner, pdf, id } = await uploaded()
    const res = await w.api.request(F.mpDownload, { token: owner.token, params: { id } })
    expectOk(res)
    expect(Buffer.from(await res.body.arrayBuffer())).toEqual(pdf)
    expect(res.headers.get('content-type')).toBe('application/pdf')
    expect(res.headers.get('content-length')).toBe(String(pdf.length))
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    const disposition = res.headers.get('content-disposition')!
    expect(disposition).toMatch(/^attachment; /)
    expect(disposition).toContain(
      `filename*=UTF-8''${encodeURIComponent('专利代理师资格证书 (1).pdf').replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    )
  })

  it('answers another mini-program user 404, as for an id that does not exist', async () => {
    const { id } = await uploaded()
    const other = await signInMp()
    const res = await w.api.request(F.mpDownload, { token: other.token, params: { id } })
    expectRefused(res, 404, 'NOT_FOUND')
    const missing = await w.api.request(F.mpDownload, {
      token: other.token,
      params: { id: new mongoose.Types.ObjectId().toHexString() },
    })
    expectRefused(missing, 404, 'NOT_FOUND')
    expect(res.body).toEqual(missing.body)
  })

  it('refuses anonymous downloads with 401', async () => {
    const { id } = await uploaded()
    expect((await w.api.request(F.mpDownload, { params: { id } })).status).toBe(401)
    expect((await w.api.request(F.adminDownload, { params: { id } })).status).toBe(401)
  })

  it('lets a claim reviewer download claim materials, and audits every view', async () => {
    const { pdf, id } = await uploaded('身份证.pdf')
    const reviewer = await signInAdmin({ roles: ['claim_reviewer'] })
    const res = await w.api.request(F.adminDownload, { token: reviewer.token, params: { id } })
    expectOk(res)
    expect(Buffer.from(await res.body.arrayBuffer())).toEqual(pdf)
    expect(res.headers.get('content-disposition')).toContain(
      "filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81.pdf",
    )
    const audits = await mongoose.connection.db!.collection('audit_log').find({ 'target.id': id }).toArray()
    expect(audits).toHaveLength(1)
    expect(audits[0]).toMatchObject({ action: 'file.view', target: { type: 'file', id } })
    expect(String(audits[0]!.actor.id)).toBe(reviewer.id)
  })

  it('refuses claim materials (ID card scans) to content editors and trainers with 403 FILE_FORBIDDEN', async () => {
    const { id } = await uploaded('身份证正反面.pdf')
    for (const roles of [['content_editor'], ['training_manager'], ['push_operator'], ['station_staff']]) {
      const a = await signInAdmin({ roles })
      const res = await download(`/admin/v1/files/${id}`, a.token)
      expect(res.status, roles[0]).toBe(403)
      expect(res.json().error).toMatchObject({
        code: 'FILE_FORBIDDEN',
        details: { missing: ['claim.review', 'claim.pay'] },
      })
      expect(res.json().error.message).toContain('审核资助申请')
    }
    const audits = await mongoose.connection.db!.collection('audit_log').find({ 'target.id': id }).toArray()
    expect(audits).toHaveLength(0)
  })

  it('decides each console read by the purpose the file was uploaded for', async () => {
    const owner = await signInMp()
    const editor = await signInAdmin({ roles: ['content_editor'] })
    const ids: Record<string, string> = {}
    for (const purpose of ['claim-material', 'enterprise-licence', 'avatar'] as const) {
      const res = await upload(
        owner.token,
        [{ filename: `${purpose}.png`, contentType: 'image/png', data: samples.png() }],
        { path: `/mp/v1/files?purpose=${purpose}` },
      )
      expect(res.status, purpose).toBe(201)
      ids[purpose] = res.body.id
    }
    const att = await upload(editor.token, [{ filename: '附件.pdf', data: samples.pdf() }], {
      path: '/admin/v1/files',
    })
    ids.attachment = att.body.id
    /** purpose → built-in roles that may read it; every other built-in role gets 403 */
    const readers: Record<string, string[]> = {
      'claim-material': ['super_admin', 'claim_reviewer', 'finance'],
      'enterprise-licence': ['super_admin'],
      avatar: ['super_admin', 'push_operator'],
      attachment: ['super_admin', 'content_editor'],
    }
    const roles = [
      'super_admin',
      'content_editor',
      'push_operator',
      'training_manager',
      'claim_reviewer',
      'finance',
      'station_staff',
    ]
    const sessions = Object.fromEntries(
      await Promise.all(roles.map(async (r) => [r, await signInAdmin({ roles: [r] })] as const)),
    )
    const wrong: string[] = []
    for (const [purpose, id] of Object.entries(ids))
      for (const role of roles) {
        const res = await download(`/admin/v1/files/${id}`, sessions[role]!.token)
        const want = readers[purpose]!.includes(role) ? 200 : 403
        if (res.status !== want) wrong.push(`${purpose} as ${role}: ${res.status}, want ${want}`)
      }
    expect(wrong).toEqual([])
    const manager = await signInAdmin({ permissions: ['enterprise.manage'] })
    expect((await download(`/admin/v1/files/${ids['enterprise-licence']}`, manager.token)).status).toBe(200)
  })
})
