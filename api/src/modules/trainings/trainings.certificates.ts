import { randomInt } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Types } from 'mongoose'
import PDFDocument from 'pdfkit'
import QRCode from 'qrcode'
import type { MpPrincipal } from '../../platform/auth.js'
import type { PersonalDataCipher } from '../../platform/crypto.js'
import { isDuplicateKey } from '../../platform/errors.js'
import { beijingDate, beijingYear, iso } from '../../platform/time.js'
import { creditedHours } from './trainings.attendance.js'
import type { CertificateVerificationOutput, MyHoursOutput } from './trainings.contract.js'
import { trainingsErrors } from './trainings.errors.js'
import {
  AttendanceModel,
  CertificateModel,
  RegistrationModel,
  TrainingModel,
  type AttendanceDoc,
  type CertificateDoc,
  type RegistrationDoc,
  type TrainingDoc,
} from './trainings.model.js'
import type { Clock } from './trainings.service.js'

/**
 * The CJK font embedded in every certificate, from an npm package (Noto Sans SC, OFL), read once per
 * process: the PDF renders the same on any server and any reader, whatever fonts they have.
 */
const require = createRequire(import.meta.url)
let fonts: { regular: Buffer; bold: Buffer } | undefined
export function certificateFonts() {
  fonts ??= {
    regular: readFileSync(
      require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
    ),
    bold: readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf')),
  }
  return fonts
}

/** 12 characters without look-alikes (no 0/O, 1/I): typed from paper when the QR code is not scanned. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
const newCode = () => Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')

export interface CertificateContent {
  name: string
  training: string
  organiser: string
  from: string
  to: string
  hours: number
  code: string
  verifyUrl: string
}

/** Renders a 参训证明 as a PDF: Chinese text in the embedded font, the code and the QR code of its page. */
export async function renderCertificate(c: CertificateContent): Promise<Buffer> {
  const { regular, bold } = certificateFonts()
  const qr = await QRCode.toBuffer(c.verifyUrl, { type: 'png', margin: 1, width: 220 })
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 60,
    info: { Title: `参训证明 ${c.code}`, Author: c.organiser || '知产通' },
  })
  const chunks: Buffer[] = []
  doc.on('data', (b: Buffer) => chunks.push(b))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.registerFont('cjk', regular)
  doc.registerFont('cjk-bold', bold)
  const width = doc.page.width - 120
  doc
    .rect(30, 30, doc.page.width - 60, doc.page.height - 60)
    .lineWidth(2)
    .stroke('#9a2a2a')
  doc
    .font('cjk-bold')
    .fontSize(34)
    .fillColor('#9a2a2a')
    .text('参 训 证 明', 60, 90, { width, align: 'center' })
  doc.moveDown(1.5)
  doc
    .font('cjk')
    .fontSize(18)
    .fillColor('#222')
    .text(
      `${c.name} 同志于 ${c.from}${c.to !== c.from ? ` 至 ${c.to}` : ''} 参加了“${c.training}”，` +
        `完成培训学时 ${c.hours} 学时。`,
      { width, align: 'left', lineGap: 10 },
    )
  doc.moveDown(0.8).text('特此证明。', { width })
  doc
    .fontSize(16)
    .text(c.organiser || '知识产权局', 60, doc.page.height - 190, { width: width - 200, align: 'right' })
    .text(c.to, { width: width - 200, align: 'right' })
  doc.image(qr, doc.page.width - 230, doc.page.height - 240, { width: 140 })
  doc
    .fontSize(11)
    .fillColor('#555')
    .text(`验证码：${c.code}`, doc.page.width - 250, doc.page.height - 95, { width: 180, align: 'center' })
    .text('扫码或访问验证页核验真伪', { width: 180, align: 'center' })
  doc.end()
  return done
}

/**
 * Certificates and hours. A certificate is issued once per registration, the first time its holder asks
 * after the last session, to those credited with hours (checked in, and out where a session requires it).
 */
export class CertificatesService {
  constructor(private readonly d: { clock: Clock; cipher: PersonalDataCipher; publicUrl: string }) {}

  verifyUrl(code: string) {
    return `${this.d.publicUrl.replace(/\/$/, '')}/v/${encodeURIComponent(code)}`
  }

  async pdf(user: MpPrincipal, trainingId: string) {
    if (!Types.ObjectId.isValid(trainingId)) throw trainingsErrors.notFound()
    const t = await TrainingModel.findById(trainingId, { holders: 0 }).lean<TrainingDoc>()
    if (!t) throw trainingsErrors.notFound()
    const r = await RegistrationModel.findOne({
      trainingId: t._id,
      userId: new Types.ObjectId(user.id),
    }).lean<RegistrationDoc>()
    if (!r || r.status !== 'attended') throw trainingsErrors.noCertificate('not_attended')
    if (this.d.clock.now() < t.lastEndAt) throw trainingsErrors.noCertificate('not_finished')
    const attendance = await AttendanceModel.find({ registrationId: r._id }).lean<AttendanceDoc[]>()
    const hours = t.sessions.reduce(
      (sum, s) =>
        sum +
        creditedHours(
          s,
          attendance.find((a) => a.sessionId.equals(s._id)),
        ),
      0,
    )
    if (hours <= 0) throw trainingsErrors.noCertificate('no_hours')
    const cert = await this.issue(t, r, hours)
    const fileName = `参训证明-${t.title}.pdf`
    const body = await renderCertificate({
      name: this.d.cipher.decrypt(r.person.nameEnc),
      training: t.title,
      organiser: t.organiser,
      from: beijingDate(t.firstStartAt),
      to: beijingDate(t.lastEndAt),
      hours: cert.hours,
      code: cert.code,
      verifyUrl: this.verifyUrl(cert.code),
    })
    return { body, fileName, code: cert.code }
  }

  /** The one certificate of a registration: the first request issues it, later ones read it. */
  private async issue(t: TrainingDoc, r: RegistrationDoc, hours: number): Promise<CertificateDoc> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const doc = await CertificateModel.findOneAndUpdate(
          { registrationId: r._id },
          {
            $setOnInsert: {
              code: newCode(),
              trainingId: t._id,
              userId: r.userId,
              nameMasked: r.person.nameMasked,
              hours,
              year: beijingYear(t.lastEndAt),
              issuedAt: this.d.clock.now(),
            },
          },
          { upsert: true, new: true },
        ).lean<CertificateDoc>()
        return doc!
      } catch (e) {
        // Two first downloads at once, or (rarely) a code that exists: read again or draw a new code.
        if (!isDuplicateKey(e)) throw e
      }
    }
    const existing = await CertificateModel.findOne({ registrationId: r._id }).lean<CertificateDoc>()
    if (!existing) throw new Error('could not issue a certificate code')
    return existing
  }

  /** The public page: masked name, training, dates and hours. */
  async verify(code: string): Promise<CertificateVerificationOutput> {
    const c = await CertificateModel.findOne({ code }).lean<CertificateDoc>()
    if (!c) throw trainingsErrors.certificateNotFound()
    const t = await TrainingModel.findById(c.trainingId, {
      title: 1,
      organiser: 1,
      firstStartAt: 1,
      lastEndAt: 1,
    }).lean<TrainingDoc>()
    if (!t) throw trainingsErrors.certificateNotFound()
    return {
      code: c.code,
      name: c.nameMasked,
      training: t.title,
      organiser: t.organiser,
      from: beijingDate(t.firstStartAt),
      to: beijingDate(t.lastEndAt),
      hours: c.hours,
      issuedAt: iso(c.issuedAt),
    }
  }

  /** The verification page as HTML: the same data as `verify`, or a 404 page for an unknown code. */
  async page(code: string): Promise<{ status: 200 | 404; html: string }> {
    try {
      return { status: 200, html: verificationPage(await this.verify(code)) }
    } catch (e) {
      if ((e as { status?: number }).status === 404) return { status: 404, html: verificationPage(null) }
      throw e
    }
  }

  /** A person's hours of a Beijing year: every session they were credited for, certificate or not. */
  async hours(user: MpPrincipal, year = beijingYear(this.d.clock.now())): Promise<MyHoursOutput> {
    const attendance = await AttendanceModel.find({
      userId: new Types.ObjectId(user.id),
      inAt: { $ne: null },
    }).lean<AttendanceDoc[]>()
    const trainings = await TrainingModel.find(
      {
        _id: {
          $in: [...new Set(attendance.map((a) => a.trainingId.toHexString()))].map(
            (id) => new Types.ObjectId(id),
          ),
        },
      },
      { title: 1, sessions: 1 },
    ).lean<TrainingDoc[]>()
    const rows = trainings.flatMap((t) => {
      let hours = 0
      let date = ''
      for (const s of t.sessions) {
        if (beijingYear(s.startAt) !== year) continue
        const got = creditedHours(
          s,
          attendance.find((a) => a.sessionId.equals(s._id)),
        )
        if (got > 0) {
          hours += got
          date = beijingDate(s.startAt)
        }
      }
      return hours > 0 ? [{ id: t._id.toHexString(), title: t.title, hours, date }] : []
    })
    rows.sort((a, b) => a.date.localeCompare(b.date))
    return { year, hours: rows.reduce((s, r) => s + r.hours, 0), trainings: rows }
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The public verification page: Chinese, mobile first, every value escaped. `null`: no such code. */
export function verificationPage(c: CertificateVerificationOutput | null): string {
  const rows = c
    ? [
        ['证明编号', c.code],
        ['姓名', c.name],
        ['培训名称', c.training],
        ['主办单位', c.organiser || '—'],
        ['培训日期', c.from === c.to ? c.from : `${c.from} 至 ${c.to}`],
        ['培训学时', `${c.hours} 学时`],
        ['签发时间', c.issuedAt.slice(0, 10)],
      ]
    : []
  const main = c
    ? `<p class="ok">✓ 该参训证明真实有效</p>
<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k!)}</dt><dd>${escapeHtml(String(v))}</dd>`).join('')}</dl>
<p class="note">为保护个人信息，姓名已脱敏显示。</p>`
    : `<p class="bad">未找到该参训证明</p>
<p class="note">请核对证明上的验证码是否输入正确；如有疑问，请联系培训主办单位。</p>`
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${c ? '参训证明验证' : '未找到参训证明'} · 知产通</title>
<style>
body{margin:0;font:16px/1.6 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f5f5f5;color:#222}
main{max-width:480px;margin:0 auto;padding:24px 16px}
h1{font-size:20px;margin:0 0 16px;color:#9a2a2a;text-align:center}
.card{background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.ok{color:#1f7a3a;font-weight:600}.bad{color:#b42318;font-weight:600}
dl{display:grid;grid-template-columns:auto 1fr;gap:8px 16px;margin:16px 0}
dt{color:#666}dd{margin:0;word-break:break-all}
.note{color:#888;font-size:13px}
</style>
</head>
<body><main><h1>参训证明验证</h1><div class="card">
${main}
</div></main></body>
</html>
`
}
