import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CampaignMachine } from '@zct/api/contracts/campaigns/campaigns'
import { ErrorCode, PlatformErrorCode } from '@zct/api/contracts/errors'
import { campaignErrors } from '@zct/api/internal/modules/campaigns/campaigns.errors'
import { CampaignModel } from '@zct/api/internal/modules/campaigns/campaigns.model'
import { enterpriseErrors } from '@zct/api/internal/modules/enterprises/enterprises.errors'
import { EnterpriseModel } from '@zct/api/internal/modules/enterprises/enterprises.model'
import { fileErrors } from '@zct/api/internal/modules/files/files.errors'
import { staffErrors } from '@zct/api/internal/modules/staff/staff.errors'
import { AppError, fromDatabaseError } from '@zct/api/internal/platform/errors'
import { transition } from '@zct/api/internal/platform/transitions'
import { buildCreditCode } from '../support/factories.js'
import { world } from '../support/world.js'

// Error codes are declared once (a zod enum per domain, joined in errors.contract.ts) and raised only from
// a catalogue: `<domain>.errors.ts` or platform/errors.ts. These checks keep it so.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const apiSrc = path.join(root, 'api/src')

function filesUnder(dir: string, keep: (f: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : filesUnder(p, keep)
    return keep(p) ? [p] : []
  })
}
const isCatalogue = (f: string) => f.endsWith('.errors.ts') || f === path.join(apiSrc, 'platform/errors.ts')
const rel = (f: string) => path.relative(root, f)

/** The text of each call to an error factory, from its name to its closing parenthesis. */
const ERROR_CALL =
  /\b(?:errors\.(?:conflict|badRequest|forbidden|unauthorized|upstream|tooManyRequests)|new AppError)\(/g
function errorCalls(source: string): string[] {
  const calls: string[] = []
  for (const m of source.matchAll(ERROR_CALL)) {
    let depth = 0
    let i = m.index! + m[0].length - 1
    for (; i < source.length; i++) {
      if (source[i] === '(') depth++
      else if (source[i] === ')' && --depth === 0) break
    }
    calls.push(source.slice(m.index!, i + 1))
  }
  return calls
}
/** Codes written as string literals inside error factory calls. */
const bareCodes = (source: string) =>
  errorCalls(source).flatMap((call) =>
    [...call.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'/g)].map((m) => m[1]!),
  )

describe('error catalogues', () => {
  it('finds a bare code in every shape of error call, so the scan below can be trusted', () => {
    expect(bareCodes(`throw errors.conflict('X_TAKEN', '已存在')`)).toEqual(['X_TAKEN'])
    expect(bareCodes(`errors.badRequest(\n  'BAD_THING',\n  \`\${a}\`,\n)`)).toEqual(['BAD_THING'])
    expect(bareCodes(`errors.forbidden('不行', { missing: f(x) }, 'NOPE')`)).toEqual(['NOPE'])
    expect(bareCodes(`new AppError(429, 'SLOW_DOWN', '慢点', { errcode }, false, { a: 'b' })`)).toEqual([
      'SLOW_DOWN',
    ])
    expect(bareCodes(`errors.notFound('推送'); errors.conflict(code, message)`)).toEqual([])
  })

  it('writes no error code as a bare string outside the catalogues', () => {
    const offenders = filesUnder(apiSrc, (f) => f.endsWith('.ts') && !isCatalogue(f)).flatMap((f) =>
      bareCodes(readFileSync(f, 'utf8')).map((code) => `${rel(f)}: '${code}'`),
    )
    expect(offenders).toEqual([])
  })

  it('declares every code a catalogue raises, and raises every domain code it declares', () => {
    const raised = new Set(filesUnder(apiSrc, isCatalogue).flatMap((f) => bareCodes(readFileSync(f, 'utf8'))))
    expect([...raised].filter((c) => !ErrorCode.options.includes(c as never))).toEqual([])
    const platform = new Set<string>(PlatformErrorCode.options)
    const unraised = ErrorCode.options.filter((c) => !platform.has(c) && !raised.has(c))
    expect(unraised).toEqual([])
  })

  it('names every code of every catalogue in at least one test', () => {
    const catalogues = filesUnder(path.join(apiSrc, 'modules'), (f) => f.endsWith('.errors.ts'))
    const codes = new Set(catalogues.flatMap((f) => bareCodes(readFileSync(f, 'utf8'))))
    const tests = filesUnder(path.join(root, 'test'), (f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n')
    expect([...codes].filter((c) => !new RegExp(`['"\`]${c}['"\`]`).test(tests))).toEqual([])
  })
})

// Refusals no HTTP run can reach on purpose (races lost between two statements, a client that hung up):
// their words and status are pinned here, where a mock is the only way in.
describe('refusals only a race reaches', () => {
  it.each([
    [enterpriseErrors.retry(), 409, 'RETRY', '企业信息正在更新，请稍后重试'],
    [staffErrors.changedMeanwhile(), 409, 'CHANGED_MEANWHILE', '该记录刚被其他管理员修改，请刷新后重试'],
    [fileErrors.aborted(), 400, 'UPLOAD_ABORTED', '上传中断，请重试'],
  ] as const)('%#: %s', (err, status, code, message) => {
    expect(err).toBeInstanceOf(AppError)
    expect(err).toMatchObject({ status, code, message })
  })
})

const w = world()

describe('duplicate keys name the domain rule', () => {
  it('maps a second enterprise with the same credit code to 409 CREDIT_CODE_TAKEN on the creditCode field', async () => {
    expect(w.api).toBeDefined() // the api's connection is the one the models use
    const creditCode = buildCreditCode()
    await EnterpriseModel.create({ creditCode, name: '甲公司', memberCount: 0 })
    const err = await EnterpriseModel.create({ creditCode, name: '乙公司', memberCount: 0 }).catch((e) => e)
    expect(fromDatabaseError(err)).toMatchObject({
      status: 409,
      code: 'CREDIT_CODE_TAKEN',
      message: '该统一社会信用代码已登记，请重新提交以申请加入该企业',
      details: { fields: [{ path: 'creditCode', message: '该统一社会信用代码已登记' }] },
    })
  })

  it('answers a key no domain named with the generic 409 DUPLICATE', async () => {
    const err = await CampaignModel.collection
      .insertMany([{ _id: 'dup' as never }, { _id: 'dup' as never }])
      .catch((e) => e)
    expect(fromDatabaseError(err)).toMatchObject({
      status: 409,
      code: 'DUPLICATE',
      message: '记录已存在，请勿重复提交',
    })
  })
})

describe('transition()', () => {
  const draft = () =>
    CampaignModel.create({
      name: '状态机',
      content: {
        kind: 'patent',
        id: '0123456789abcdef01234567',
        title: 't',
        summary: 's',
        category: 'warning',
      },
      targeting: {
        regions: [],
        regionMatch: 'within',
        industries: [],
        ipcs: [],
        enterpriseTypes: [],
        sizes: [],
      },
      templateId: 'tpl',
      createdBy: '0123456789abcdef01234567',
    })

  it('moves a record allowed by the machine, and answers 409 STATE_CONFLICT with the current state otherwise', async () => {
    const c = await draft()
    const moved = await transition(CampaignModel, CampaignMachine, 'cancel', { _id: c._id })
    expect(moved).toMatchObject({ status: 'cancelled' })
    const refused = await transition(CampaignModel, CampaignMachine, 'send', { _id: c._id }).catch((e) => e)
    expect(refused).toMatchObject({
      status: 409,
      code: 'STATE_CONFLICT',
      message: '推送当前为“已取消”，不能立即发送，请刷新后重试',
      details: { current: 'cancelled', allowedFrom: ['draft', 'scheduled'], move: 'send' },
    })
  })

  it('answers 404 for a record that does not exist, and lets a domain answer with its own 409', async () => {
    const missing = await transition(CampaignModel, CampaignMachine, 'cancel', {
      _id: '0123456789abcdef01234599',
    }).catch((e) => e)
    expect(missing).toMatchObject({ status: 404, code: 'NOT_FOUND', message: '推送不存在或无权查看' })
    const c = await draft()
    await transition(CampaignModel, CampaignMachine, 'send', { _id: c._id })
    const own = await transition(
      CampaignModel,
      CampaignMachine,
      'edit',
      { _id: c._id },
      {},
      {
        conflict: campaignErrors.locked,
      },
    ).catch((e) => e)
    expect(own).toMatchObject({ code: 'CAMPAIGN_LOCKED', details: { current: 'queued', move: 'edit' } })
  })

  it('of two concurrent moves lets exactly one win', async () => {
    const c = await draft()
    const results = await Promise.allSettled([
      transition(CampaignModel, CampaignMachine, 'send', { _id: c._id }),
      transition(CampaignModel, CampaignMachine, 'cancel', { _id: c._id }),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { status: 409 } })
  })

  it('tells a failed guard from a refused state', async () => {
    const c = await draft()
    const err = await transition(
      CampaignModel,
      CampaignMachine,
      'cancel',
      { _id: c._id },
      {},
      {
        guard: { name: '别的名字' },
        conflict: (r) => new AppError(409, 'STATE_CONFLICT', r.stateAllowed ? 'guard' : 'state'),
      },
    ).catch((e) => e)
    expect(err.message).toBe('guard')
  })
})
