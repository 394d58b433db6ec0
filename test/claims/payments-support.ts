import { randomBytes } from 'node:crypto'
import ExcelJS from 'exceljs'
import { Types } from 'mongoose'
import { expect } from 'vitest'
import { ClaimPaymentEndpoints as P } from '@zct/api/contracts/claims/claims.payments'
import {
  ClaimCounterModel,
  ClaimModel,
  ClaimPolicyModel,
  type ClaimDoc,
} from '@zct/api/internal/modules/claims/claims.model'
import { beijingYear } from '@zct/api/internal/platform/time'
import { expectOk } from '../support/api.js'
import type { World } from '../support/world.js'
import { buildAccountNo } from './support.js'

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
/** Distinct valid ID numbers for bulk inserts (random ones would collide among thousands). */
let nextId = randomBytes(2).readUInt16BE() * 4
function idNumberAt(i: number) {
  const seq = String(i % 1000).padStart(3, '0')
  const day = String(1 + (Math.floor(i / 1000) % 28)).padStart(2, '0')
  const month = String(1 + (Math.floor(i / 28_000) % 12)).padStart(2, '0')
  const body = `44020319${80 + (Math.floor(i / 336_000) % 20)}${month}${day}${seq}`
  let sum = 0
  for (let k = 0; k < 17; k++) sum += Number(body[k]) * ID_WEIGHTS[k]!
  return body + '10X98765432'[sum % 11]
}

export interface InsertedClaim {
  id: string
  no: string
  amountFen: number
  accountNo: string
}

/**
 * Claims written straight into the database, past review, as the core would have left them: sealed
 * applicant and bank, in `status` (and `batchId`). For scenarios that are about payment, not application.
 */
export async function insertClaims(
  w: World,
  n: number,
  opts: { status: 'cleared' | 'in_payment'; batchId?: Types.ObjectId; amountFen?: number; userId?: string },
): Promise<InsertedClaim[]> {
  const core = w.api.platform.services.claims.core
  const policy = (await ClaimPolicyModel.findOne({ type: 'exam_fee' }).lean<{
    _id: Types.ObjectId
    title: string
  }>())!
  const year = beijingYear()
  const counter = await ClaimCounterModel.findOneAndUpdate(
    { _id: `claims:${year}` },
    { $inc: { seq: n } },
    { upsert: true, new: true },
  ).lean<{ seq: number }>()
  const first = counter!.seq - n + 1
  const now = new Date()
  const made: InsertedClaim[] = []
  const docs = Array.from({ length: n }, (_, i) => {
    const idNumber = idNumberAt(nextId++)
    const accountNo = buildAccountNo()
    const applicant = core.sealApplicant({ name: '李四光', idNumber, phone: '13900000000' })
    const no = `ZC${year}${String(first + i).padStart(6, '0')}`
    const amountFen = opts.amountFen ?? 42_000
    const _id = new Types.ObjectId()
    made.push({ id: _id.toHexString(), no, amountFen, accountNo })
    return {
      _id,
      no,
      type: 'exam_fee',
      policyId: policy._id,
      policyTitle: policy.title,
      userId: opts.userId ? new Types.ObjectId(opts.userId) : new Types.ObjectId(),
      status: opts.status,
      live: true,
      dupKey: core.dupKeyOf('exam_fee', applicant.idBlind, year),
      amountFen,
      budgetYear: year,
      applicant,
      bank: core.sealBank({ holderName: '李四光', accountNo, bankName: '中国银行韶关分行' }),
      districtCode: '440203',
      residency: 'work',
      examYear: year,
      receipts: [],
      materials: [],
      pledgeText: '本人承诺所填信息真实有效',
      batchId: opts.batchId ?? null,
      history: [],
      submittedAt: now,
    }
  })
  for (let i = 0; i < docs.length; i += 1000) await ClaimModel.insertMany(docs.slice(i, i + 1000))
  return made
}

/** A bank result file as a bank would send it back: ExcelJS-written .xlsx, header in row 1. */
export async function resultFile(
  lines: { no: string; amountFen: number | string; result: string; reason?: string }[],
  header = ['业务参考号', '金额（元）', '结果', '失败原因'],
) {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('银行回单')
  ws.addRow(header)
  for (const l of lines)
    ws.addRow([
      l.no,
      typeof l.amountFen === 'number' ? l.amountFen / 100 : l.amountFen,
      l.result,
      l.reason ?? null,
    ])
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/** A console upload (`POST /admin/v1/files?purpose=…`), answered as it came (status and JSON body). */
export async function uploadAdminFile(
  w: World,
  token: string,
  data: Buffer,
  opts: { purpose?: string; name?: string; type?: string } = {},
) {
  const form = new FormData()
  form.append(
    'file',
    new Blob([new Uint8Array(data)], {
      type: opts.type ?? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    }),
    opts.name ?? '银行回单.xlsx',
  )
  const res = await fetch(`${w.api.url}/admin/v1/files?purpose=${opts.purpose ?? 'claim-import'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  })
  return {
    status: res.status,
    body: (await res.json()) as { id: string; mime: string; error?: { code: string; message: string } },
  }
}

/** Uploads a result file and imports it into the batch; answers the import as queued. */
export async function importResults(w: World, token: string, batchId: string, data: Buffer) {
  const up = await uploadAdminFile(w, token, data)
  expect(up.status, JSON.stringify(up.body)).toBe(201)
  const res = await w.api.request(P.batchImportResults, {
    token,
    params: { id: batchId },
    body: { fileId: up.body.id },
  })
  expectOk(res, 202)
  return res.body
}

/** Waits for the worker to finish an import; answers its first page of lines. */
export async function importDone(w: World, token: string, batchId: string, importId: string, pageSize = 100) {
  let last: unknown
  await expect
    .poll(
      async () => {
        const res = await w.api.request(P.batchImportDetail, {
          token,
          params: { id: batchId, importId },
          query: { pageSize },
        })
        expectOk(res)
        last = res.body
        return res.body.import.status
      },
      { timeout: 60_000, interval: 100 },
    )
    .toBe('done')
  return last as Extract<
    Awaited<ReturnType<typeof w.api.request<typeof P.batchImportDetail>>>,
    { ok: true }
  >['body']
}

/** Reads an xlsx download's first sheet as rows of cell values (header first). */
export async function sheetRows(data: Blob | Buffer, sheet = 1) {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(
    (Buffer.isBuffer(data) ? data : Buffer.from(await data.arrayBuffer())) as unknown as ArrayBuffer,
  )
  const ws = wb.worksheets[sheet - 1]!
  const rows: ExcelJS.CellValue[][] = []
  ws.eachRow((row) => rows.push((row.values as ExcelJS.CellValue[]).slice(1)))
  return rows
}

/** The `pay` entries of a claim's history: a claim paid once has exactly one. */
export async function payEntries(ids: string[]) {
  const docs = await ClaimModel.find({ _id: { $in: ids } }, { history: 1, status: 1 }).lean<ClaimDoc[]>()
  return docs.map((d) => d.history.filter((h) => h.action === 'pay').length)
}
