import { afterEach, describe, expect, it } from 'vitest'
import { Types } from 'mongoose'
import { TrainingsEndpoints as E } from '@zct/api/contracts/trainings/trainings'
import { verificationPage } from '@zct/api/internal/modules/trainings/trainings.certificates'
import { CertificateModel } from '@zct/api/internal/modules/trainings/trainings.model'
import { expectOk, expectRefused } from '../support/api.js'
import { world } from '../support/world.js'
import {
  HOUR,
  MINUTE,
  attendedTrainingIn,
  buildTrainer,
  clockOf,
  fastMpUsers,
  publishedTraining,
  register,
} from './support.js'

const w = world()
const attendedTraining = () => attendedTrainingIn(w)
afterEach(() => clockOf(w).reset())

describe('certificates (参训证明) and their public verification page', () => {
  it('escapes everything the verification page shows', () => {
    const html = verificationPage({
      code: 'ABC',
      name: '<script>alert(1)</script>',
      training: '"培训" & <b>',
      organiser: '',
      from: '2026-01-01',
      to: '2026-01-02',
      hours: 3,
      issuedAt: '2026-01-03T00:00:00.000Z',
    })
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('<b>')
    expect(html).toContain('&#60;script&#62;')
    expect(html).toContain('2026-01-01 至 2026-01-02')
    // Rate-limited like the JSON verification.
    const routes = w.api.routes.filter((r) => r.path.startsWith('/mp/v1/certificates/:code'))
    expect(routes.map((r) => [r.path, r.rateLimit]).sort()).toEqual([
      ['/mp/v1/certificates/:code', 'codeExchange'],
      ['/mp/v1/certificates/:code/page', 'codeExchange'],
    ])
  })

  it('gives an attendee a PDF with the CJK font embedded and a code whose public page shows the name masked', async () => {
    const { t, a } = await attendedTraining()
    clockOf(w).advance(HOUR)
    const res = await w.api.request(E.certificate, { token: a.token, params: { id: t.id } })
    expectOk(res)
    expect(res.headers.get('content-type')).toBe('application/pdf')
    expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('参训证明'))
    const pdf = Buffer.from(await res.body.arrayBuffer())
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    const raw = pdf.toString('latin1')
    // The font travels inside the file (a subset of Noto Sans SC), so it renders the same anywhere.
    expect(raw).toMatch(/\/FontFile2/)
    expect(raw).toMatch(/NotoSansSC/)
    expect(raw).toMatch(/\/Subtype \/Image/)

    const cert = await CertificateModel.findOne({ userId: new Types.ObjectId(a.id) }).lean()
    expect(cert).toMatchObject({ hours: 5, nameMasked: '陈**' })
    const again = await w.api.request(E.certificate, { token: a.token, params: { id: t.id } })
    expectOk(again)
    expect(await CertificateModel.countDocuments({ userId: new Types.ObjectId(a.id) })).toBe(1)

    // The verification page is public: no token.
    const page = await w.api.request(E.verifyCertificate, { params: { code: cert!.code } })
    expectOk(page)
    expect(page.body).toMatchObject({
      code: cert!.code,
      name: '陈**',
      training: '商标品牌培育实务培训',
      organiser: '韶关市市场监督管理局（知识产权局）',
      hours: 5,
    })
    expect(page.body.from).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(JSON.stringify(page.body)).not.toContain('陈思远')
    const missing = await w.api.request(E.verifyCertificate, { params: { code: 'ABCDEFGHJKLM' } })
    expect(missing.status).toBe(404)

    // What the QR code opens: the public page at /v/<code>, in Chinese, the same data, the name masked.
    const verifyUrl = w.api.platform.services.trainings.certificates.verifyUrl(cert!.code)
    expect(verifyUrl).toMatch(new RegExp(`/v/${cert!.code}$`))
    const html = await fetch(`${w.api.url}/v/${cert!.code}`)
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toContain('text/html')
    const text = await html.text()
    expect(text).toContain('<html lang="zh-CN">')
    expect(text).toContain('name="viewport"')
    expect(text).toContain('该参训证明真实有效')
    for (const v of ['陈**', '商标品牌培育实务培训', '5 学时', cert!.code]) expect(text).toContain(v)
    expect(text).not.toContain('陈思远')
    const unknown = await fetch(`${w.api.url}/v/ABCDEFGHJKLM`)
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get('content-type')).toContain('text/html')
    expect(await unknown.text()).toContain('未找到该参训证明')
  })

  it('credits hours per person per year only for sessions completed (checked out where required)', async () => {
    const { t, a, b } = await attendedTraining()
    const year = Number(
      new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(
        Date.parse(t.sessions[0]!.startAt),
      ),
    )
    const hoursA = await w.api.request(E.myHours, { token: a.token, query: { year } })
    expectOk(hoursA)
    expect(hoursA.body).toMatchObject({ year, hours: 5, trainings: [{ id: t.id, hours: 5 }] })
    const hoursB = await w.api.request(E.myHours, { token: b.token, query: { year } })
    expect(hoursB.body).toMatchObject({ year, hours: 3 })
    expect(
      (await w.api.request(E.myHours, { token: a.token, query: { year: year + 1 } })).body,
    ).toMatchObject({ hours: 0 })
  })

  it('refuses a certificate with 409 CERTIFICATE_NOT_AVAILABLE before the end and to someone who did not attend', async () => {
    const trainer = await buildTrainer(w)
    const t = await publishedTraining(w, trainer)
    const [a] = await fastMpUsers(w, 1)
    expectOk(await register(w, a!, t.id), 201)
    expectRefused(
      await w.api.request(E.certificate, { token: a!.token, params: { id: t.id } }),
      409,
      'CERTIFICATE_NOT_AVAILABLE',
    )
    const done = await attendedTraining()
    clockOf(w).set(new Date(Date.parse(done.s2.startAt) + 10 * MINUTE))
    expectRefused(
      await w.api.request(E.certificate, { token: done.a.token, params: { id: done.t.id } }),
      409,
      'CERTIFICATE_NOT_AVAILABLE',
    )
  })
})
