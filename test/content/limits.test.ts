import { describe, expect, it } from 'vitest'
import { BODY_MAX_BYTES, utf8Bytes } from '@zct/api/contracts/content/content'
import { consoleOf, contentWorld, draftAnnouncement } from './setup.js'

const w = contentWorld()
const cms = consoleOf(w)

/** A paragraph of Chinese text taking `kb` KB in UTF-8 (3 bytes a character). */
const chineseBody = (kb: number) => `<p>${'知'.repeat(Math.floor((kb * 1024 - 7) / 3))}</p>`

describe('body length limits', () => {
  it('keeps the body limit below the api JSON limit and counts UTF-8 bytes as the request does', () => {
    expect(BODY_MAX_BYTES).toBe(200 * 1024)
    // 256 KB is the api's default BODY_LIMIT_KB: the form's limit leaves room for the other fields.
    expect(BODY_MAX_BYTES).toBeLessThan(256 * 1024 - 8 * 1024)
    for (const s of ['', 'abc', '知识产权', 'é', '𠮷字', '<p style="color:#c00">红</p>'])
      expect(utf8Bytes(s)).toBe(Buffer.byteLength(s, 'utf8'))
  })

  it('accepts a Chinese body just under 200 KB', async () => {
    const body = chineseBody(199)
    expect(utf8Bytes(body)).toBeLessThanOrEqual(BODY_MAX_BYTES)
    const res = await cms.create('announcements', { title: '长篇政策解读', body })
    expect(res.status).toBe(201)
  })

  it('refuses a body over the contract limit with 400, naming the limit and its size on the body field', async () => {
    // 210 KB of Chinese is only 70,000 characters: within a character limit, over the byte limit.
    const res = await cms.create('announcements', { title: '超长正文', body: chineseBody(210) })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    expect(res.body.error.details.fields).toEqual([
      { path: 'body', message: expect.stringContaining('正文不能超过 200 KB') },
    ])
    expect(res.body.error.details.fields[0].message).toMatch(/现约 21\d KB.*附件/)

    const a = await draftAnnouncement(w)
    const patch = await cms.update('announcements', a.id, { body: chineseBody(210) })
    expect(patch.status).toBe(400)
    expect(patch.body.error.details.fields[0].path).toBe('body')
    const preview = await cms.call('POST', '/content/preview', { body: chineseBody(210) })
    expect(preview.status).toBe(400)
    expect(preview.body.error.details.fields[0].message).toContain('200 KB')
  })

  it('refuses a request over the raw JSON limit with 413 and says in Chinese what to shorten', async () => {
    const res = await cms.create('announcements', { title: '超大请求', body: chineseBody(300) })
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE')
    expect(res.body.error.message).toContain('请精简正文')
    expect(res.body.error.message).toContain('附件')
    expect(res.body.error.message).not.toMatch(/[a-z]{4,}/i)
  })
})
