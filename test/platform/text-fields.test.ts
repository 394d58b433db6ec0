import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cleanText, text } from '@zct/api/internal/modules/common.contract'
import { consoleOf, contentWorld } from '../content/setup.js'
import { buildAdmin, buildCreditCode, buildEnterpriseAdmin, buildMpUser } from '../support/factories.js'

const w = contentWorld()
const cms = consoleOf(w)

/** One of each kind the issue names: NUL, a bidi override, a bidi isolate, zero-width space / joiner, BOM. */
const NUL = '\u0000'
const RLO = '\u202E'
const LRI = '\u2066'
const PDI = '\u2069'
const ZWSP = '\u200B'
const ZWJ = '\u200D'
const BOM = '\uFEFF'

describe('human-entered text fields', () => {
  it('removes NUL, bidi overrides and zero-width characters from a nickname', async () => {
    const user = await buildMpUser(w)
    const res = await w.api.call('PATCH', '/mp/v1/me', {
      token: user.token,
      body: { nickname: `${BOM}张${NUL}工${RLO}程${ZWSP}师${LRI}${PDI} ` },
    })
    expect(res.status).toBe(200)
    expect(res.body.nickname).toBe('张工程师')
    expect((await w.api.call('GET', '/mp/v1/me', { token: user.token })).body.nickname).toBe('张工程师')
  })

  it('removes them from titles, summaries, enterprise, role and people names', async () => {
    const created = await cms.create('announcements', {
      title: `${ZWSP}关于${RLO}开展${ZWJ}宣传周的通知${NUL}`,
      summary: `请${LRI}各单位${PDI}报名\u0007`,
      body: '<p>各有关单位：</p>',
    })
    expect(created.status).toBe(201)
    const stored = await cms.get('announcements', created.body.id)
    expect(stored.body).toMatchObject({ title: '关于开展宣传周的通知', summary: '请各单位报名' })

    const user = await buildMpUser(w)
    const bind = await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: user.token,
      body: { creditCode: buildCreditCode(), name: `韶关${RLO}测试${ZWSP}科技有限公司` },
    })
    expect(bind.status).toBeLessThan(300)
    expect(bind.body.enterprise.name).toBe('韶关测试科技有限公司')

    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const role = await w.api.call('POST', '/admin/v1/roles', {
      token: root.token,
      body: { name: `审核${ZWJ}员${BOM}`, permissions: ['audit.read'] },
    })
    expect(role.status).toBe(201)
    expect(role.body.name).toBe('审核员')
    const person = await w.api.call('POST', '/admin/v1/users', {
      token: root.token,
      body: {
        username: `clerk${Date.now().toString(36)}`,
        displayName: `李${RLO}四${NUL}`,
        password: 'Qv7-mT2x9Lp-zR4w',
        roleIds: [role.body.id],
      },
    })
    expect(person.status).toBe(201)
    expect(person.body.displayName).toBe('李四')
  })

  it('refuses a title made only of invisible characters as empty', async () => {
    const res = await cms.create('announcements', { title: ` ${ZWSP}${RLO}${NUL}${BOM} `, body: '' })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    expect(res.body.error.details.fields).toEqual([{ path: 'title', message: '请填写标题' }])
  })

  it('keeps line breaks in a multi-line reason, and still removes the invisible characters', async () => {
    const applicant = await buildEnterpriseAdmin(w, undefined, { verified: false })
    const reviewer = await buildAdmin(w.api, { permissions: ['enterprise.read', 'enterprise.manage'] })
    const res = await w.api.call(
      'POST',
      `/admin/v1/enterprises/${applicant.enterpriseId}/verification/decision`,
      {
        token: reviewer.token,
        body: {
          decision: 'reject',
          licenceFileId: applicant.licenceFileId,
          reason: `执照照片模糊\r\n请重新拍摄${RLO}\t整页${ZWSP}`,
        },
      },
    )
    expect(res.status).toBe(200)
    expect(res.body.rejectReason).toBe('执照照片模糊\n请重新拍摄\t整页')
  })

  it('keeps a title with HTML in it as the text typed: stored and answered as text, never as markup', async () => {
    const title = '<script>alert(1)</script>专利<b>周</b> & <img src=x onerror=alert(2)>'
    const created = await cms.create('announcements', { title, body: '<p>正文</p>' })
    expect(created.status).toBe(201)
    expect(created.body.title).toBe(title)
    expect((await cms.get('announcements', created.body.id)).body.title).toBe(title)
    const published = await cms.act('announcements', created.body.id, 'publish')
    expect(published.status).toBe(200)
    const reader = await buildMpUser(w)
    const list = await w.api.call('GET', '/mp/v1/announcements?pageSize=100', { token: reader.token })
    expect(list.body.items.find((i: { id: string }) => i.id === created.body.id)?.title).toBe(title)
  })

  it('the console renders titles and names only as escaped text: v-html is kept to the sanitised body preview', () => {
    const src = path.resolve(import.meta.dirname, '../../admin/src')
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(vue|ts)$/.test(f))
      .map((f) => ({ f, code: readFileSync(path.join(src, f), 'utf8') }))
    const htmlSinks = files.flatMap(({ f, code }) =>
      [
        ...code.matchAll(/v-html="([^"]*)"|innerHTML|outerHTML|insertAdjacentHTML|dangerouslyUseHTMLString/g),
      ].map((m) => `${f}: ${m[0]}`),
    )
    // HtmlBodyInput shows the body the server cleaned through its own allowlist (POST /content/preview).
    expect(htmlSinks).toEqual([`components${path.sep}HtmlBodyInput.vue: v-html="preview"`])
  })
})

describe('the shared text helper', () => {
  // every C0 and C1 control but the line breaks and tab (a space in one-line fields, kept in multi-line ones)
  const invisible = [
    ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).filter((c) => !/[\t\n\r]/.test(c)),
    ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)).filter((c) => c !== '\u0085'),
    ...['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'],
    ...['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\uD800'],
  ]

  it('removes every control, bidi and zero-width character, normalises to NFC and trims', () => {
    const dirty = `  ${invisible.map((c, i) => `${c}${i % 10}`).join('')}cafe\u0301  `
    const expected = `${invisible.map((_, i) => i % 10).join('')}café`
    expect(cleanText(dirty)).toBe(expected)
    expect(cleanText(dirty, true)).toBe(expected)
    expect(cleanText('第一行\r\n第二行\u0085第三行\t末尾')).toBe('第一行 第二行 第三行 末尾')
    expect(cleanText('第一行\r\n第二行\u2028第三行\r末尾\t。', true)).toBe('第一行\n第二行\n第三行\n末尾\t。')
  })

  it('measures the cleaned text and words its limits from the label', () => {
    const Name = text({ label: '企业名称', min: 2, max: 5 })
    expect(Name.parse(`${ZWSP}甲乙丙丁戊${RLO}`)).toBe('甲乙丙丁戊')
    expect(Name.safeParse(`${ZWSP}${BOM}`).error?.issues).toMatchObject([{ message: '请填写企业名称' }])
    expect(Name.safeParse('甲').error?.issues).toMatchObject([{ message: '企业名称至少 2 个字' }])
    expect(Name.safeParse('甲乙丙丁戊己').error?.issues).toMatchObject([
      { message: '企业名称不能超过 5 个字' },
    ])
    expect(text({ label: '摘要', max: 5, min: 0 }).parse(` ${ZWSP} `)).toBe('')
  })
})
