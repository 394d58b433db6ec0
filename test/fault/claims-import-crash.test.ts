import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { Types } from 'mongoose'
import { afterAll, describe, expect, it } from 'vitest'
import { ClaimPaymentEndpoints as P } from '@zct/api/contracts/claims/claims.payments'
import {
  ClaimBudgetModel,
  ClaimModel,
  ClaimPolicyModel,
  type ClaimDoc,
} from '@zct/api/internal/modules/claims/claims.model'
import { ClaimBatchModel, ClaimResultLineModel } from '@zct/api/internal/modules/claims/claims.payments.model'
import { beijingYear } from '@zct/api/internal/platform/time'
import { expectOk } from '../support/api.js'
import { buildAdmin } from '../support/factories.js'
import { world } from '../support/world.js'
import { importResults, insertClaims, resultFile } from '../claims/payments-support.js'

const root = path.resolve(import.meta.dirname, '../..')
const w = world()
const children: ChildProcess[] = []

/** A real worker process, as production runs it (node with tsx's loader, so kill -9 hits the worker itself). */
function startWorkerProcess() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'jobs/src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, ...w.api.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  children.push(child)
  return child
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
})

const LINES = 5_000

describe('bank result import survives a crashed worker', () => {
  it('applies each of 5,000 lines exactly once after kill -9 and a new worker: 5,000 paid, one pay entry each, paidFen counted once', async () => {
    const finance = await buildAdmin(w.api, { roles: ['finance'] })
    const year = beijingYear()
    const batchId = new Types.ObjectId()
    const claims = await insertClaims(w, LINES, { status: 'in_payment', batchId })
    await ClaimBatchModel.create({
      _id: batchId,
      no: `PC${year}-0001`,
      year,
      status: 'open',
      claimIds: claims.map((c) => new Types.ObjectId(c.id)),
      createdBy: { kind: 'admin', id: new Types.ObjectId(finance.id), name: finance.username },
    })
    const policy = (await ClaimPolicyModel.findOne({ type: 'exam_fee' }).lean<{ _id: Types.ObjectId }>())!
    const paidBefore =
      (await ClaimBudgetModel.findOne({ policyId: policy._id, year }).lean<{ paidFen: number }>())?.paidFen ??
      0

    const file = await resultFile(claims.map((c) => ({ no: c.no, amountFen: c.amountFen, result: '成功' })))
    const imp = await importResults(w, finance.token, batchId.toHexString(), file)
    expect(imp.lines).toBe(LINES)
    const paid = () => ClaimModel.countDocuments({ batchId, status: 'paid' })

    // Kill the worker once a good part, but not all, of the lines have been applied: past a round of 200
    // lines, so it dies amid a round (claims moved, their lines not yet written), the hardest place.
    const first = startWorkerProcess()
    const deadline = Date.now() + 90_000
    while ((await paid()) < 1_100) {
      if (Date.now() > deadline) throw new Error(`only ${await paid()} paid before the deadline`)
      await new Promise((r) => setTimeout(r, 20))
    }
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    expect(first.signalCode).toBe('SIGKILL')
    const atKill = await paid()
    expect(atKill).toBeLessThan(LINES)

    // A new worker takes the stalled job over and finishes it.
    startWorkerProcess()
    let status = ''
    while (status !== 'done') {
      if (Date.now() > deadline + 60_000) throw new Error(`import stuck in ${status}`)
      await new Promise((r) => setTimeout(r, 250))
      const res = await w.api.request(P.batchImportDetail, {
        token: finance.token,
        params: { id: batchId.toHexString(), importId: imp.id },
      })
      expectOk(res)
      status = res.body.import.status
    }

    const docs = await ClaimModel.find({ batchId }, { status: 1, history: 1 }).lean<ClaimDoc[]>()
    const payEntries = new Map<number, number>()
    for (const d of docs) {
      const n = d.history.filter((h) => h.action === 'pay').length
      payEntries.set(n, (payEntries.get(n) ?? 0) + 1)
    }
    expect({
      paid: docs.filter((d) => d.status === 'paid').length,
      payEntries: Object.fromEntries(payEntries),
    }).toEqual({ paid: LINES, payEntries: { 1: LINES } })
    const budget = await ClaimBudgetModel.findOne({ policyId: policy._id, year }).lean<{ paidFen: number }>()
    expect(budget!.paidFen - paidBefore).toBe(claims.reduce((s, c) => s + c.amountFen, 0))
    // every line reported as applied by this import, none as done before it (the crash is invisible)
    const outcomes = await ClaimResultLineModel.aggregate<{ _id: string; n: number }>([
      { $match: { importId: new Types.ObjectId(imp.id) } },
      { $group: { _id: '$outcome', n: { $sum: 1 } } },
    ])
    expect(outcomes).toEqual([{ _id: 'paid', n: LINES }])
    const detail = await w.api.request(P.batchDetail, {
      token: finance.token,
      params: { id: batchId.toHexString() },
    })
    expectOk(detail)
    expect(detail.body.figures).toMatchObject({
      paid: { count: LINES },
      pending: { count: 0 },
      reconciled: true,
    })
  })
})
