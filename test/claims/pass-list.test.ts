import ExcelJS from 'exceljs'
import { Types } from 'mongoose'
import { beforeAll, describe, expect, it } from 'vitest'
import { ClaimsEndpoints as C } from '@zct/api/contracts/claims/claims'
import { ClaimInsightEndpoints as E } from '@zct/api/contracts/claims/claims.insights'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import {
  ClaimIdentityModel,
  ClaimInvitationModel,
  ClaimPassEntryModel,
} from '@zct/api/internal/modules/claims/claims.insights.model'
import { ClaimModel, ClaimPolicyModel } from '@zct/api/internal/modules/claims/claims.model'
import { StoredFileModel } from '@zct/api/internal/modules/files/files.model'
import { expectOk, expectRefused } from '../support/api.js'
import {
  buildAdmin,
  buildMpUser,
  LICENCE_PNG,
  type AdminSession,
  type MpSession,
} from '../support/factories.js'
import { world, type World } from '../support/world.js'
import {
  buildAccountNo,
  buildApplicant,
  buildIdNumber,
  claimsWorker,
  examFeeBody,
  openPolicies,
  submitted,
  YEAR,
  type Applicant,
} from './support.js'

const w = world()
claimsWorker(w)

let root: AdminSession
let reviewer: AdminSession
beforeAll(async () => {
  await openPolicies()
  // For what a reviewer may not do: upload attachments, open any file.
  root = await buildAdmin(w.api, { roles: ['super_admin'] })
  reviewer = await buildAdmin(w.api, { permissions: ['claim.review'] })
})

type Cell = string | number | null
/** A pass list as the bureau writes it: a header row, then one person a row. */
async function passList(rows: Cell[][], header: string[] = ['姓名', '身份证号', '考试年度', '通过科目']) {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('合格名单')
  ws.addRow(header)
  for (const r of rows) ws.addRow(r)
  return Buffer.from(await wb.xlsx.writeBuffer())
}

async function uploadImport(
  world: World,
  token: string,
  data: Buffer,
  name = '考试合格名单.xlsx',
  purpose = 'claim-import',
) {
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(data)]), name)
  const res = await fetch(`${world.api.url}/admin/v1/files?purpose=${purpose}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  })
  const body = (await res.json()) as { id: string }
  expect(res.status, JSON.stringify(body)).toBe(201)
  return body.id
}

/**
 * A reviewer (claim.review alone) uploads the list and imports it; a fresh one each time, since uploads and
 * imports are rate-limited per user and this file makes more of them in a minute than a bureau would.
 */
async function importList(rows: Cell[][], header?: string[]) {
  const importer = await buildAdmin(w.api, { permissions: ['claim.review'] })
  const fileId = await uploadImport(w, importer.token, await passList(rows, header))
  const { key } = (await StoredFileModel.findById(fileId).lean())!
  return {
    fileId,
    key,
    res: await w.api.request(E.passListImport, { token: importer.token, body: { fileId } }),
  }
}

const ALL = '专利法律知识、相关法律知识、专利代理实务'

async function inbox(user: MpSession) {
  return (await w.api.call('GET', '/mp/v1/inbox?pageSize=50', { token: user.token })).body.items as {
    title: string
    content: { kind: string; id: string }
  }[]
}

async function invitationsOf(user: MpSession) {
  const res = await w.api.request(E.invitations, { token: user.token })
  expectOk(res)
  return res.body.items
}

/** An ordinary exam-fee claim for last year's exam: the person's ID number is then known. */
async function lastYearClaim(a: Applicant) {
  const body = await examFeeBody(w, a)
  return { ...body, examYear: YEAR - 1, receipts: body.receipts.map((r) => ({ ...r, examYear: YEAR - 1 })) }
}

const acceptBody = (name: string) => ({
  phone: '13912345678',
  bank: { holderName: name, accountNo: buildAccountNo(), bankName: '中国工商银行韶关分行' },
  districtCode: '440204',
  residency: 'work' as const,
  pledge: true as const,
})

describe('importing the exam pass list (免申即享)', () => {
  it('stores good rows sealed, reports bad rows by number, invites known people at once and deletes the upload', async () => {
    // Known by a saved identity, known by an earlier claim, and not known yet.
    const byIdentity = await buildMpUser(w)
    const identityId = buildIdNumber()
    expectOk(
      await w.api.request(E.invitationIdentity, {
        token: byIdentity.token,
        body: { name: '王 小明', idNumber: identityId },
      }),
    )
    const claimant = await buildApplicant(w, '李四海')
    await submitted(w, claimant, await lastYearClaim(claimant))
    const unknownId = buildIdNumber()
    const { fileId, key, res } = await importList([
      ['王小明', identityId, YEAR, ALL],
      ['李四海', claimant.idNumber, `${YEAR}年`, '专利法律知识,专利代理实务'],
      ['赵六', unknownId, YEAR, '相关法律知识'],
      [null, null, null, null], // row 5, blank: not counted
      ['钱七', `${unknownId.slice(0, 17)}${unknownId[17] === '0' ? '1' : '0'}`, YEAR, ALL],
      ['孙八', Number(buildIdNumber().slice(0, 17)) * 10, YEAR, ALL], // typed into a number cell
      ['周九', buildIdNumber(), 1999, '专利法'],
      ['赵六', unknownId, YEAR, '相关法律知识'], // the same person and year again
    ])
    expectOk(res, 201)
    expect(res.body).toMatchObject({
      rows: 7,
      imported: 3,
      duplicates: 1,
      matched: 2,
      waiting: 1,
      waitingNow: 1,
    })
    expect(res.body.invalid).toEqual([
      { row: 6, message: '身份证号码校验不通过，请核对最后一位（校验码）及出生日期' },
      { row: 7, message: '身份证号被 Excel 存成了数字，末几位已丢失，请将该列设为“文本”格式后重新填写' },
      {
        row: 8,
        message: `考试年度应为 2000 至 ${YEAR} 之间的年份，如 ${YEAR}；无法识别的科目：专利法（应为 专利法律知识、相关法律知识、专利代理实务，以顿号分隔）`,
      },
    ])

    // Never in clear: not the names, not the ID numbers; the upload is gone, record and bytes.
    const raw = JSON.stringify(await ClaimPassEntryModel.collection.find({}).toArray())
    for (const clear of ['王小明', '李四海', '赵六', identityId, claimant.idNumber, unknownId])
      expect(raw).not.toContain(clear)
    expect(await StoredFileModel.countDocuments({ _id: new Types.ObjectId(fileId) })).toBe(0)
    expect(await w.api.platform.storage.exists(key)).toBe(false)
    expect((await w.api.call('GET', `/admin/v1/files/${fileId}`, { token: root.token })).status).toBe(404)
    expect(
      await AuditModel.countDocuments({ action: 'claim.pass_list.import', 'target.id': res.body.id }),
    ).toBe(1)

    // The two known people are invited, and told in 我的消息.
    const [inv] = await invitationsOf(byIdentity)
    expect(inv).toMatchObject({
      status: 'open',
      examYear: YEAR,
      applicant: { name: '王小明', idNumber: `${identityId.slice(0, 3)}***********${identityId.slice(-4)}` },
      amountFen: 45_000,
      claimId: null,
    })
    expect(inv!.receipts.map((r) => r.subject).sort()).toEqual(['patent_law', 'practice', 'related_law'])
    const [claimantInv] = await invitationsOf(claimant.user)
    expect(claimantInv).toMatchObject({ examYear: YEAR, amountFen: 30_000 })
    await expect
      .poll(
        async () => (await inbox(byIdentity)).find((i) => i.content.kind === 'claim_invitation')?.content.id,
      )
      .toBe(inv!.id)
  })

  it('counts a re-import as duplicates and lists every import with its figures', async () => {
    const id = buildIdNumber()
    const { res: first } = await importList([['吴十', id, YEAR, ALL]])
    expectOk(first, 201)
    const { res: again } = await importList([['吴十', id, YEAR, ALL]])
    expectOk(again, 201)
    expect(again.body).toMatchObject({
      rows: 1,
      imported: 0,
      duplicates: 1,
      matched: 0,
      waiting: 0,
      invalid: [],
    })
    const list = await w.api.request(E.passLists, { token: reviewer.token, query: { pageSize: 100 } })
    expectOk(list)
    expect(list.body.items[0]).toMatchObject({
      id: again.body.id,
      duplicates: 1,
      fileName: '考试合格名单.xlsx',
    })
    expect(list.body.items.find((l) => l.id === first.body.id)).toMatchObject({
      imported: 1,
      waiting: 1,
      waitingNow: 1,
    })
  })

  it('invites a waiting person the day they first enter their ID number, if the name is theirs', async () => {
    const id = buildIdNumber()
    const { res } = await importList([['郑十一', id, YEAR, ALL]])
    expectOk(res, 201)
    expect(res.body).toMatchObject({ matched: 0, waiting: 1 })

    // Someone who knows the number but not the name gets nothing.
    const stranger = await buildMpUser(w)
    const wrong = await w.api.request(E.invitationIdentity, {
      token: stranger.token,
      body: { name: '冒名者', idNumber: id },
    })
    expectOk(wrong)
    expect(wrong.body.openInvitations).toBe(0)

    const person = await buildMpUser(w)
    const saved = await w.api.request(E.invitationIdentity, {
      token: person.token,
      body: { name: '郑十一', idNumber: id.toLowerCase() },
    })
    expectOk(saved)
    expect(saved.body).toMatchObject({ name: '郑十一', openInvitations: 1 })
    expect(saved.body.idNumber).toBe(`${id.slice(0, 3)}***********${id.slice(-4)}`)
    const mine = await w.api.request(E.invitationIdentityMine, { token: person.token })
    expectOk(mine)
    expect(mine.body.identity).toMatchObject({ name: '郑十一', openInvitations: 1 })
    // The identity is sealed too.
    expect(
      JSON.stringify(await ClaimIdentityModel.collection.findOne({ userId: new Types.ObjectId(person.id) })),
    ).not.toContain(id)
    const lists = await w.api.request(E.passLists, { token: reviewer.token })
    expectOk(lists)
    expect(lists.body.items.find((l) => l.id === res.body.id)).toMatchObject({ waiting: 1, waitingNow: 0 })

    // Saving another ID number closes what the first one opened.
    expectOk(
      await w.api.request(E.invitationIdentity, {
        token: person.token,
        body: { name: '郑十一', idNumber: buildIdNumber() },
      }),
    )
    expect((await invitationsOf(person)).map((i) => i.status)).toEqual(['closed'])
  })

  it('invites a waiting person when they submit a claim of their own with that ID number', async () => {
    const a = await buildApplicant(w, '冯十二')
    expectOk((await importList([['冯十二', a.idNumber, YEAR, ALL]])).res, 201)
    expect(await invitationsOf(a.user)).toEqual([])
    await submitted(w, a, await lastYearClaim(a))
    expect((await invitationsOf(a.user)).map((i) => [i.status, i.examYear])).toEqual([['open', YEAR]])
  })

  it('refuses a file that is not a pass list with PASS_LIST_INVALID, naming what is missing', async () => {
    const { fileId, res } = await importList(
      [['陈十三', buildIdNumber(), YEAR, ALL]],
      ['姓名', '证件', '年度'],
    )
    expectRefused(res, 400, 'PASS_LIST_INVALID')
    expect(res.body.error.message).toBe(
      '名单第一行缺少表头：身份证号、考试年度、通过科目（应为 姓名、身份证号、考试年度、通过科目）',
    )
    expect(res.body.error.details).toMatchObject({ fields: [{ path: 'fileId' }] })
    // Not recognisably a pass list (it may be another import's file): left as it was, nothing stored.
    expect(await StoredFileModel.countDocuments({ _id: new Types.ObjectId(fileId) })).toBe(1)

    // A pass list without rows is refused, and deleted like any pass list.
    const empty = await importList([])
    expectRefused(empty.res, 400, 'PASS_LIST_INVALID')
    expect(empty.res.body.error.message).toBe('名单中没有数据行，请在表头下逐行填写合格人员')
    expect(await StoredFileModel.countDocuments({ _id: new Types.ObjectId(empty.fileId) })).toBe(0)

    const png = await fetch(`${w.api.url}/admin/v1/files?purpose=attachment`, {
      method: 'POST',
      headers: { authorization: `Bearer ${root.token}` },
      body: (() => {
        const f = new FormData()
        f.append('file', new Blob([new Uint8Array(LICENCE_PNG)]), 'a.png')
        return f
      })(),
    })
    const attachment = (await png.json()) as { id: string }
    const wrongPurpose = await w.api.request(E.passListImport, {
      token: root.token,
      body: { fileId: attachment.id },
    })
    expectRefused(wrongPurpose, 400, 'PASS_LIST_INVALID')
    expect(await StoredFileModel.countDocuments({ _id: new Types.ObjectId(attachment.id) })).toBe(1) // never deleted
    expect(await ClaimPassEntryModel.countDocuments({ examYear: { $lt: 2000 } })).toBe(0)
  })
})

describe('accepting an invitation', () => {
  async function invited(name: string, subjects = ALL) {
    const user = await buildMpUser(w)
    const idNumber = buildIdNumber()
    expectOk(await w.api.request(E.invitationIdentity, { token: user.token, body: { name, idNumber } }))
    expectOk((await importList([[name, idNumber, YEAR, subjects]])).res, 201)
    const [inv] = await invitationsOf(user)
    return { user, idNumber, inv: inv! }
  }

  it('makes the pre-filled exam-fee claim from the list, at the fee table, with no receipt files', async () => {
    const { user, idNumber, inv } = await invited('褚十四', '专利法律知识、专利代理实务')
    const res = await w.api.request(E.invitationAccept, {
      token: user.token,
      params: { id: inv.id },
      body: acceptBody('褚十四'),
    })
    expectOk(res, 201)
    expect(res.body).toMatchObject({
      type: 'exam_fee',
      status: 'submitted',
      source: 'pass_list',
      amountFen: 30_000,
      examYear: YEAR,
      applicant: {
        name: '褚十四',
        idNumber: `${idNumber.slice(0, 3)}***********${idNumber.slice(-4)}`,
        phone: '139****5678',
      },
      materials: [],
      districtCode: '440204',
    })
    expect(res.body.receipts).toEqual([
      { subject: 'patent_law', examYear: YEAR, amountFen: 15_000, file: null },
      { subject: 'practice', examYear: YEAR, amountFen: 15_000, file: null },
    ])
    expect(res.body.pledgeText).toContain('本人承诺')
    expect(res.body.history.map((h) => h.note)).toEqual([`免申即享：依据 ${YEAR} 年考试合格名单生成`])
    const stored = await ClaimModel.findById(res.body.id).lean()
    expect(stored!.passEntryId).not.toBeNull()
    expect((await invitationsOf(user))[0]).toMatchObject({ status: 'accepted', claimId: res.body.id })

    // The console reviews it like any other claim.
    const detail = await w.api.request(C.detail, { token: reviewer.token, params: { id: res.body.id } })
    expectOk(detail)
    expect(detail.body).toMatchObject({ source: 'pass_list', status: 'submitted' })

    const again = await w.api.request(E.invitationAccept, {
      token: user.token,
      params: { id: inv.id },
      body: acceptBody('褚十四'),
    })
    expectRefused(again, 409, 'INVITATION_STATE')
    expect(await ClaimModel.countDocuments({ passEntryId: stored!.passEntryId })).toBe(1)
  })

  it('lets exactly one of two concurrent accepts through', async () => {
    const { user, inv } = await invited('卫十五')
    const results = await Promise.all(
      [0, 1].map(() =>
        w.api.request(E.invitationAccept, {
          token: user.token,
          params: { id: inv.id },
          body: acceptBody('卫十五'),
        }),
      ),
    )
    expect(results.map((r) => r.status).sort()).toEqual([201, 409])
    expect(
      await ClaimModel.countDocuments({ userId: new Types.ObjectId(user.id), source: 'pass_list' }),
    ).toBe(1)
  })

  it('answers CLAIM_DUPLICATE when the person already has a live claim for that year, and keeps the invitation open', async () => {
    const a = await buildApplicant(w, '蒋十六')
    await submitted(w, a, await examFeeBody(w, a))
    expectOk((await importList([['蒋十六', a.idNumber, YEAR, ALL]])).res, 201)
    const [inv] = await invitationsOf(a.user)
    const res = await w.api.request(E.invitationAccept, {
      token: a.user.token,
      params: { id: inv!.id },
      body: acceptBody('蒋十六'),
    })
    expectRefused(res, 409, 'CLAIM_DUPLICATE')
    expect((await invitationsOf(a.user))[0]!.status).toBe('open')
  })

  it('checks the holder and the residency as a submission does, and needs an open policy', async () => {
    const { user, inv } = await invited('沈十七')
    const other = await w.api.request(E.invitationAccept, {
      token: user.token,
      params: { id: inv.id },
      body: { ...acceptBody('沈十七'), bank: { ...acceptBody('沈十七').bank, holderName: '沈父亲' } },
    })
    expectRefused(other, 400, 'HOLDER_MISMATCH_UNEXPLAINED')
    await ClaimPolicyModel.updateMany({ type: 'exam_fee' }, { $set: { residency: ['work'] } })
    const study = await w.api.request(E.invitationAccept, {
      token: user.token,
      params: { id: inv.id },
      body: { ...acceptBody('沈十七'), residency: 'study' },
    })
    expectRefused(study, 400, 'RESIDENCY_NOT_ELIGIBLE')
    await ClaimPolicyModel.updateMany(
      { type: 'exam_fee' },
      { $set: { residency: ['work', 'business', 'study'] } },
    )

    await ClaimPolicyModel.updateMany(
      { type: 'exam_fee' },
      { $set: { window: { from: `${YEAR - 2}-01-01`, to: `${YEAR - 2}-12-31` } } },
    )
    try {
      const closed = await w.api.request(E.invitationAccept, {
        token: user.token,
        params: { id: inv.id },
        body: acceptBody('沈十七'),
      })
      expectRefused(closed, 409, 'CLAIM_WINDOW_CLOSED')
      expect((await invitationsOf(user))[0]).toMatchObject({ status: 'open', policy: null, amountFen: 0 })
    } finally {
      await openPolicies()
    }
    expect(await ClaimModel.countDocuments({ userId: new Types.ObjectId(user.id) })).toBe(0)
    expect(
      await ClaimInvitationModel.countDocuments({ _id: new Types.ObjectId(inv.id), status: 'open' }),
    ).toBe(1)
  })

  it('shows a user only their own invitations: another user’s is 404', async () => {
    const { inv } = await invited('韩十八')
    const other = await buildMpUser(w)
    const res = await w.api.request(E.invitationAccept, {
      token: other.token,
      params: { id: inv.id },
      body: acceptBody('韩十八'),
    })
    expectRefused(res, 404, 'NOT_FOUND')
  })
})
