import { describe, expect, it } from 'vitest'
import { createContentService } from '@zct/api/internal/modules/content/content.service'
import { createLogger } from '@zct/api/internal/platform/logger'
import { buildMpUser } from '../support/factories.js'
import { multipart, samples } from '../files/fixtures.js'
import { consoleOf, contentWorld, draftAnnouncement, draftPatent } from './setup.js'

const w = contentWorld()
const cms = consoleOf(w)

describe('patent information', () => {
  it('lists published patent information by kind, newest first, and records reads', async () => {
    const user = await buildMpUser(w)
    const draft = await draftPatent(w, { kind: 'licensable' })
    const first = await draftPatent(w, {
      kind: 'licensable',
      tags: { ipcs: ['h01m10/052'], industries: ['3841'], sizes: ['small'] },
    })
    const second = await draftPatent(w, {
      kind: 'licensable',
      link: 'https://example.gov.cn/report.pdf',
      source: '韶关市知识产权保护中心',
    })
    const policy = await draftPatent(w, { kind: 'policy' })
    for (const p of [first, second, policy])
      expect((await cms.act('patents', p.id, 'publish')).status).toBe(200)

    const list = await w.api.call('GET', '/mp/v1/patents?kind=licensable', { token: user.token })
    expect(list.status).toBe(200)
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([second.id, first.id])
    expect(list.body.items[1]).toMatchObject({
      kind: 'licensable',
      kindLabel: '可许可/转让高价值专利',
      summary: '梳理 H01M 领域核心专利与侵权风险',
      unread: true,
      tags: {
        ipcs: ['H01M 10/052'],
        industries: ['3841'],
        sizes: ['small'],
        regions: [],
        enterpriseTypes: [],
      },
    })
    expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(draft.id)

    const detail = await w.api.call('GET', `/mp/v1/patents/${second.id}`, { token: user.token })
    expect(detail.body).toMatchObject({
      link: 'https://example.gov.cn/report.pdf',
      source: '韶关市知识产权保护中心',
      body: '<p>报告正文</p>',
    })
    expect((await w.api.call('GET', `/mp/v1/patents/${draft.id}`, { token: user.token })).status).toBe(404)
    expect((await cms.get('patents', second.id)).body.readCount).toBe(1)
    const again = await w.api.call('GET', '/mp/v1/patents?kind=licensable', { token: user.token })
    expect(again.body.items[0]).toMatchObject({ id: second.id, unread: false })
  })

  it('refuses an invalid IPC class, naming the field path', async () => {
    const res = await cms.create('patents', {
      kind: 'navigation',
      title: '通信产业专利导航',
      summary: '摘要',
      body: '',
      tags: { ipcs: ['H04L 9/32', 'H04X9'] },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    expect(res.body.error.details.fields).toEqual([
      { path: 'tags.ipcs.1', message: expect.stringContaining('H04X9') },
    ])
    expect(res.body.error.message).toContain('"H04X9" 不是有效的 IPC 分类号')
  })

  it('refuses a summary longer than 120 characters, as pushes show it', async () => {
    const res = await cms.create('patents', {
      kind: 'policy',
      title: '政策解读',
      summary: '长'.repeat(121),
      body: '',
    })
    expect(res.status).toBe(400)
    expect(res.body.error.details.fields[0].path).toBe('summary')
  })

  it('gives the campaign module only what is published', async () => {
    const content = createContentService({
      wechat: { msgSecCheck: () => Promise.reject(new Error('not used')) },
      secCheckOpenid: undefined,
      audienceOf: () => Promise.reject(new Error('not used')),
      scheduler: { schedulePublish: () => Promise.resolve() },
      log: createLogger('silent'),
    })
    const p = await draftPatent(w, { kind: 'warning', tags: { ipcs: ['H04L'], regions: ['440200'] } })
    await expect(content.getPublishedForPush('patent', p.id)).rejects.toMatchObject({
      status: 409,
      code: 'CONTENT_NOT_PUBLISHED',
    })
    await cms.act('patents', p.id, 'publish')
    expect(await content.getPublishedForPush('patent', p.id)).toMatchObject({
      id: p.id,
      kind: 'patent',
      category: 'warning',
      summary: '梳理 H01M 领域核心专利与侵权风险',
      tags: {
        ipcs: ['H04L'],
        regions: ['440200'],
        industries: [],
        enterpriseTypes: [],
        sizes: [],
        regionMatch: 'within',
      },
    })
    await expect(content.getPublishedForPush('announcement', p.id)).rejects.toMatchObject({ status: 404 })

    const a = await draftAnnouncement(w, {
      audience: { kind: 'enterprises', regions: ['440200'] },
      body: '<p>截止日期为 11 月 30 日。</p>',
    })
    await cms.act('announcements', a.id, 'publish')
    expect(await content.getPublishedForPush('announcement', a.id)).toMatchObject({
      category: 'announcement',
      summary: '截止日期为 11 月 30 日。',
      tags: { regions: ['440200'], ipcs: [] },
      audience: { kind: 'enterprises', regions: ['440200'], industries: [] },
    })
  })
})

describe('attachments', () => {
  it('attaches files uploaded in the console and refuses any other id, naming its position', async () => {
    const upload = async (token: string) => {
      const { body, contentType } = multipart([
        { filename: '预警报告.pdf', contentType: 'application/pdf', data: samples.pdf() },
      ])
      const res = await fetch(`${w.api.url}/admin/v1/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body,
      })
      expect(res.status).toBe(201)
      return ((await res.json()) as { id: string }).id
    }
    const fileId = await upload(w.editor.token)
    const p = await draftPatent(w, { attachments: [fileId] })
    expect((await cms.get('patents', p.id)).body.attachments).toEqual([
      { id: fileId, name: '预警报告.pdf', mime: 'application/pdf', size: expect.any(Number) },
    ])

    const mpUser = await buildMpUser(w)
    const { body, contentType } = multipart([
      { filename: 'a.pdf', contentType: 'application/pdf', data: samples.pdf() },
    ])
    const mpUpload = await fetch(`${w.api.url}/mp/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mpUser.token}`, 'content-type': contentType },
      body,
    })
    const mpFileId = ((await mpUpload.json()) as { id: string }).id
    const res = await cms.update('patents', p.id, {
      attachments: [fileId, mpFileId, '0123456789abcdef01234567'],
    })
    expect(res.status).toBe(400)
    expect(res.body.error.details.fields.map((f: { path: string }) => f.path)).toEqual([
      'attachments.1',
      'attachments.2',
    ])
    expect((await cms.update('patents', p.id, { attachments: Array(11).fill(fileId) })).status).toBe(400)

    // Readers download the attachment of a published item; not before it is published, and not by id alone.
    const download = (token: string, fid = fileId) =>
      fetch(`${w.api.url}/mp/v1/patents/${p.id}/attachments/${fid}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    expect((await download(mpUser.token)).status).toBe(404)
    expect((await cms.act('patents', p.id, 'publish')).status).toBe(200)
    const ok = await download(mpUser.token)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toBe('application/pdf')
    expect(
      Buffer.from(await ok.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-')
    expect((await download(mpUser.token, mpFileId)).status).toBe(404)
    const direct = await fetch(`${w.api.url}/mp/v1/files/${fileId}`, {
      headers: { authorization: `Bearer ${mpUser.token}` },
    })
    expect(direct.status).toBe(404)
  })
})

describe('rich text', () => {
  it('strips scripts, event handlers and javascript: links but keeps allowed markup', async () => {
    const p = await draftPatent(w, {
      body: [
        '<h2 style="text-align:center;position:fixed">标题</h2>',
        '<p onclick="steal()">正文<strong>加粗</strong><script>alert(1)</script><span style="color:#c00;background:url(x)">红字</span></p>',
        '<img src="x" onerror="alert(1)"><img src="https://cdn.example.cn/a.png" onerror="alert(1)"><img src="/mp/v1/files/0123456789abcdef01234567">',
        '<a href="javascript:alert(1)">坏链接</a><a href="https://cnipa.gov.cn" target="_self">国家知识产权局</a>',
        '<iframe src="https://evil.example"></iframe><table><tbody><tr><td>单元格</td></tr></tbody></table>',
      ].join(''),
    })
    const body = (await cms.get('patents', p.id)).body.body as string
    expect(body).not.toMatch(/script|onerror|onclick|javascript:|iframe|position|background|alert/i)
    expect(body).toContain('<h2 style="text-align:center">标题</h2>')
    expect(body).toContain('<strong>加粗</strong>')
    expect(body).toContain('<span style="color:#c00">红字</span>')
    expect(body).toContain('<img src="https://cdn.example.cn/a.png" />')
    expect(body).toContain('<img src="/mp/v1/files/0123456789abcdef01234567" />')
    expect(body).not.toContain('src="x"')
    expect(body).toContain('<a>坏链接</a>')
    expect(body).toContain(
      '<a href="https://cnipa.gov.cn" rel="noopener noreferrer" target="_blank">国家知识产权局</a>',
    )
    expect(body).toContain('<table><tbody><tr><td>单元格</td></tr></tbody></table>')
  })
})

describe('rich text from elsewhere', () => {
  it('keeps pasted bold and italic, written as b and i, as strong and em', async () => {
    const res = await cms.call('POST', '/content/preview', {
      body: '<p><b>加粗</b><i>斜体</i><b style="font-size:30px">大字</b></p>',
    })
    expect(res.status).toBe(200)
    expect(res.body.html).toBe('<p><strong>加粗</strong><em>斜体</em><strong>大字</strong></p>')
  })
})

describe('content security check', () => {
  it('refuses risky text with CONTENT_RISKY and leaves the item unpublished', async () => {
    const user = await buildMpUser(w)
    const p = await draftPatent(w, { title: '网络赌博平台相关专利分析' })
    const res = await cms.act('patents', p.id, 'publish')
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('CONTENT_RISKY')
    expect(res.body.error.message).toContain('违规内容')
    expect(res.body.error.message).toContain('违法犯罪')
    expect(res.body.error.details).toMatchObject({ label: 20006 })
    const item = (await cms.get('patents', p.id)).body
    expect(item).toMatchObject({
      status: 'draft',
      publishedAt: null,
      secCheck: { suggest: 'risky', label: 20006, labelName: '违法犯罪' },
    })
    expect((await w.api.call('GET', `/mp/v1/patents/${p.id}`, { token: user.token })).status).toBe(404)
    expect((await cms.schedule('patents', p.id, new Date(Date.now() + 3600_000))).body.error.code).toBe(
      'CONTENT_RISKY',
    )
  })

  it('checks every 2500-character chunk of a long body', async () => {
    const a = await draftAnnouncement(w, { body: `<p>${'知识产权保护。'.repeat(800)}</p><p>线上赌博</p>` })
    const res = await cms.act('announcements', a.id, 'publish')
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('CONTENT_RISKY')
  })

  it('publishes text WeChat wants reviewed, flagged for the console', async () => {
    const p = await draftPatent(w, { summary: '咨询请加微信了解许可条件' })
    const res = await cms.act('patents', p.id, 'publish')
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      status: 'published',
      secCheck: { suggest: 'review', label: 10001, labelName: '广告' },
    })
  })

  it('never publishes unchecked while WeChat is unavailable', async () => {
    const p = await draftPatent(w)
    await w.wx.inject({ endpoint: 'msg_sec_check', errcode: -1, times: 3 })
    const res = await cms.act('patents', p.id, 'publish')
    expect(res.status).toBe(503)
    expect(res.body.error.code).toBe('SEC_CHECK_UNAVAILABLE')
    expect(res.body.error.message).toMatch(/稍后重试/)
    expect((await cms.get('patents', p.id)).body).toMatchObject({ status: 'draft', secCheck: null })
    expect((await cms.act('patents', p.id, 'publish')).status).toBe(200)
  })
})
