/**
 * Every console and mini-program list has an index that serves its filter and sort (issue 12): the table
 * below names each list, the equality fields of its usual filter shapes and its sort, and the test checks
 * the models' declared indexes (mongoose `schema.indexes()`, no database) by the ESR rule: the equality
 * fields first, in any order, then the sort keys in order, all in the index's directions or all reversed.
 * A range on the sort field (a date window) is served by the same keys; other ranges, regexes and filters a
 * list narrows little are read from the documents the index walks, and each entry says which it leaves.
 *
 * This fails when someone adds a list without an index, as long as they add the list to the table: a new
 * `findPage(...)` or a hand-written `find().sort()` behind a list route gets its row here.
 *
 * Not in the table, on purpose: lists of collections that stay small enough to sort in memory — roles,
 * claim policies, stations (the console's and the mini-program's lists read at most 500) — and the
 * verification queue's decided tabs, whose sort mixes directions (submittedAt descending, `_id` ascending)
 * so no index can serve it.
 */
import type { Model } from 'mongoose'
import { describe, expect, it } from 'vitest'
import { AuditModel } from '@zct/api/internal/modules/audit/audit.model'
import { CampaignModel } from '@zct/api/internal/modules/campaigns/campaigns.model'
import {
  ClaimInvitationModel,
  ClaimPassListModel,
} from '@zct/api/internal/modules/claims/claims.insights.model'
import { ClaimModel } from '@zct/api/internal/modules/claims/claims.model'
import {
  ClaimBatchModel,
  ClaimNoticeModel,
  ClaimResultImportModel,
  ClaimResultLineModel,
} from '@zct/api/internal/modules/claims/claims.payments.model'
import { ContentModel } from '@zct/api/internal/modules/content/content.model'
import { EnterpriseModel, MembershipModel } from '@zct/api/internal/modules/enterprises/enterprises.model'
import { InboxItemModel } from '@zct/api/internal/modules/inbox/inbox.model'
import { AdminUserModel, LoginThrottleModel } from '@zct/api/internal/modules/staff/staff.model'
import { BookingModel, SlotModel } from '@zct/api/internal/modules/stations/stations.model'
import { RegistrationModel, TrainingModel } from '@zct/api/internal/modules/trainings/trainings.model'

type Dir = 1 | -1
type Keys = Record<string, Dir>
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model: only its schema is read
type AnyModel = Model<any>

interface ListShape {
  /** the list, in product words, and where it is built */
  list: string
  model: AnyModel
  /** equality fields of this filter shape (an `$in` of one value counts, as the code sends it) */
  eq: string[]
  sort: Keys
  /** the literal values this shape always filters on, for a partial index to apply */
  where?: Record<string, unknown>
  /** filters of this shape the index does not hold: read from the documents it walks */
  leaves?: string
}

const LISTS: ListShape[] = [
  // audit.service list
  { list: 'console audit log, newest first (date range)', model: AuditModel, eq: [], sort: { at: -1 } },
  { list: 'console audit log by person', model: AuditModel, eq: ['actor.id'], sort: { at: -1 } },
  { list: 'console audit log by action', model: AuditModel, eq: ['action'], sort: { at: -1 } },
  {
    list: 'console audit log of one record',
    model: AuditModel,
    eq: ['target.type', 'target.id'],
    sort: { at: -1 },
  },
  // campaigns.service list
  { list: 'console campaign list', model: CampaignModel, eq: [], sort: { createdAt: -1 } },
  { list: 'console campaign list by status', model: CampaignModel, eq: ['status'], sort: { createdAt: -1 } },
  // claims.service list (sort: ±submittedAt / ±amountFen, then _id the same way); counts per status tab
  {
    list: 'console claim list, all',
    model: ClaimModel,
    eq: [],
    sort: { submittedAt: -1, _id: -1 },
    leaves: 'type, search',
  },
  { list: 'console claim list, oldest first', model: ClaimModel, eq: [], sort: { submittedAt: 1, _id: 1 } },
  {
    list: 'console claim list by status tab',
    model: ClaimModel,
    eq: ['status'],
    sort: { submittedAt: -1, _id: -1 },
  },
  {
    list: 'console claim list by year',
    model: ClaimModel,
    eq: ['budgetYear'],
    sort: { submittedAt: -1, _id: -1 },
  },
  {
    list: 'console claim list by district',
    model: ClaimModel,
    eq: ['districtCode'],
    sort: { submittedAt: -1, _id: -1 },
    leaves: 'year, status, type beside the district',
  },
  {
    list: 'console claim list by status, by amount',
    model: ClaimModel,
    eq: ['status'],
    sort: { amountFen: -1, _id: -1 },
  },
  {
    list: 'console claim list by year, by amount',
    model: ClaimModel,
    eq: ['budgetYear'],
    sort: { amountFen: 1, _id: 1 },
  },
  // claims.service mine
  { list: 'mini-program 我的申请, newest first', model: ClaimModel, eq: ['userId'], sort: { createdAt: -1 } },
  // claims.payments batchClaims / export
  {
    list: 'console batch page: its claims by outcome, by 申请编号',
    model: ClaimModel,
    eq: ['batchId', 'status'],
    sort: { no: 1 },
  },
  // claims.payments listNotices / listBatches / batchDetail / importDetail
  {
    list: 'console 公示 list, newest first',
    model: ClaimNoticeModel,
    eq: [],
    sort: { createdAt: -1 },
    leaves: 'status (open and closed: nearly every notice)',
  },
  {
    list: 'console payment batch list, newest first',
    model: ClaimBatchModel,
    eq: [],
    sort: { createdAt: -1 },
    leaves: 'status',
  },
  {
    list: 'console batch page: its result imports',
    model: ClaimResultImportModel,
    eq: ['batchId'],
    sort: { createdAt: -1 },
  },
  {
    list: 'console result import: its lines',
    model: ClaimResultLineModel,
    eq: ['importId'],
    sort: { row: 1 },
  },
  {
    list: 'console result import: its lines by outcome',
    model: ClaimResultLineModel,
    eq: ['importId', 'outcome'],
    sort: { row: 1 },
  },
  // claims.insights passLists / invitations
  {
    list: 'console pass-list imports, newest first',
    model: ClaimPassListModel,
    eq: [],
    sort: { createdAt: -1 },
  },
  {
    list: 'mini-program claim invitations',
    model: ClaimInvitationModel,
    eq: ['userId'],
    sort: { createdAt: -1 },
  },
  // content.lifecycle list (both kinds)
  {
    list: 'console announcement / patent list',
    model: ContentModel,
    eq: ['kind'],
    sort: { createdAt: -1 },
    leaves: 'title search',
  },
  {
    list: 'console content list by status',
    model: ContentModel,
    eq: ['kind', 'status'],
    sort: { createdAt: -1 },
  },
  {
    list: 'console content 待人工复核 / 已复核',
    model: ContentModel,
    eq: ['kind', 'secCheck.suggest'],
    sort: { createdAt: -1 },
    where: { 'secCheck.suggest': 'review' },
    leaves: 'secCheck.reviewedAt',
  },
  // content.feed mpPage
  {
    list: 'mini-program announcement / patent list (pinned first, then newest)',
    model: ContentModel,
    eq: ['kind', 'status'],
    sort: { pinned: -1, pinnedAt: -1, publishedAt: -1, _id: -1 },
    leaves: 'audience, patent.kind',
  },
  // enterprises.service list / joinRequests / verifications / members
  { list: 'console enterprise list, newest first', model: EnterpriseModel, eq: [], sort: { createdAt: -1 } },
  {
    list: 'console verification queue, pending, oldest first',
    model: EnterpriseModel,
    eq: ['verificationStatus'],
    sort: { 'verification.submittedAt': 1, _id: 1 },
  },
  { list: 'console join-request queue', model: MembershipModel, eq: ['status'], sort: { createdAt: 1 } },
  {
    list: "an enterprise's members, oldest first",
    model: MembershipModel,
    eq: ['enterpriseId', 'status'],
    sort: { createdAt: 1 },
  },
  // inbox.service list
  { list: 'mini-program 消息, newest first', model: InboxItemModel, eq: ['userId'], sort: { createdAt: -1 } },
  {
    list: 'mini-program 消息, unread',
    model: InboxItemModel,
    eq: ['userId', 'readAt'],
    sort: { createdAt: -1 },
  },
  // staff.service listUsers / listThrottles
  { list: 'console user list', model: AdminUserModel, eq: [], sort: { username: 1 }, leaves: 'disabled' },
  { list: 'console user list by role', model: AdminUserModel, eq: ['roleIds'], sort: { username: 1 } },
  {
    list: 'console sign-in throttle list',
    model: LoginThrottleModel,
    eq: [],
    sort: { at: -1 },
    leaves: 'until, liftedAt',
  },
  // stations.bookings list (the counts of its tabs use the same filter without status) / stations.ledger
  {
    list: 'console bookings of a station, newest slots first',
    model: BookingModel,
    eq: ['stationId'],
    sort: { startAt: -1, _id: -1 },
    leaves: 'status tab, appeal, search',
  },
  {
    list: 'console bookings across stations',
    model: BookingModel,
    eq: [],
    sort: { startAt: -1, _id: -1 },
    leaves: 'status tab',
  },
  {
    list: 'console 服务台账 of a station (completed)',
    model: BookingModel,
    eq: ['stationId'],
    sort: { startAt: -1, _id: -1 },
    leaves: 'status completed, topic',
  },
  // stations.bookings mine
  {
    list: 'mini-program 我的预约, upcoming',
    model: BookingModel,
    eq: ['userId'],
    sort: { startAt: 1 },
    leaves: 'status, endAt',
  },
  { list: 'mini-program 我的预约, past', model: BookingModel, eq: ['userId'], sort: { startAt: -1 } },
  // stations.slots calendar
  { list: "a station's slot calendar", model: SlotModel, eq: ['stationId'], sort: { startAt: 1 } },
  // trainings.service list / registrations / mpList
  { list: 'console training list', model: TrainingModel, eq: [], sort: { createdAt: -1 } },
  { list: 'console training list by status', model: TrainingModel, eq: ['status'], sort: { createdAt: -1 } },
  {
    list: 'mini-program training list, soonest first',
    model: TrainingModel,
    eq: ['status'],
    sort: { firstStartAt: 1 },
    leaves: 'audience',
  },
  {
    list: 'console registrations of a training',
    model: RegistrationModel,
    eq: ['trainingId'],
    sort: { createdAt: 1 },
  },
  {
    list: 'console registrations of a training, 候补 tab',
    model: RegistrationModel,
    eq: ['trainingId', 'status'],
    sort: { position: 1 },
  },
]

interface Declared {
  keys: Keys
  options: {
    partialFilterExpression?: Record<string, unknown>
    unique?: boolean
    expireAfterSeconds?: number
  }
}

const declared = (model: AnyModel): Declared[] =>
  (model.schema.indexes() as [Keys, Declared['options']][]).map(([keys, options]) => ({ keys, options }))

/** A partial index holds this shape's documents only when the shape fixes every value its condition names. */
function covers(idx: Declared, shape: ListShape) {
  const cond = idx.options.partialFilterExpression
  if (!cond) return true
  return Object.entries(cond).every(([f, v]) => shape.where?.[f] === v)
}

/**
 * ESR: the first |eq| keys are the equality fields (any order), then the sort keys in order, every
 * direction as the index holds it or every one reversed (the index read backwards). Sort keys the
 * equality fixes are dropped first: one value sorts as nothing.
 */
function serves(keys: Keys, eq: string[], sort: Keys) {
  const fields = Object.entries(keys)
  const lead = new Set(fields.slice(0, eq.length).map(([f]) => f))
  if (lead.size !== eq.length || !eq.every((f) => lead.has(f))) return false
  const wanted = Object.entries(sort).filter(([f]) => !eq.includes(f))
  const next = fields.slice(eq.length, eq.length + wanted.length)
  if (next.length < wanted.length) return false
  const flip = next[0] ? next[0][1] * wanted[0]![1] : 1
  return wanted.every(([f, d], i) => next[i]![0] === f && next[i]![1] * d === flip)
}

const servingIndex = (shape: ListShape) =>
  declared(shape.model).find((idx) => covers(idx, shape) && serves(idx.keys, shape.eq, shape.sort))

describe('list indexes', () => {
  it('the checker follows ESR: equality set first, then the sort in order, one direction or all reversed', () => {
    expect(serves({ status: 1, submittedAt: -1, _id: -1 }, ['status'], { submittedAt: 1, _id: 1 })).toBe(true)
    expect(serves({ b: 1, a: 1, at: -1 }, ['a', 'b'], { at: -1 })).toBe(true)
    expect(serves({ a: 1, at: -1 }, [], { at: -1 })).toBe(false)
    expect(serves({ at: -1, a: 1 }, ['a'], { at: -1 })).toBe(false)
    expect(serves({ a: 1, at: -1, _id: 1 }, ['a'], { at: -1, _id: -1 })).toBe(false)
    expect(serves({ a: 1, at: -1 }, ['a'], { at: -1, _id: -1 })).toBe(false)
    expect(serves({ a: 1, b: 1 }, ['a'], {})).toBe(true)
  })

  it.each(LISTS.map((s) => [s.list, s] as const))('%s has an index', (_, shape) => {
    const found = servingIndex(shape)
    expect(
      found,
      `no index on ${shape.model.modelName} serves { ${shape.eq.join(', ')} } sorted ${JSON.stringify(shape.sort)}`,
    ).toBeDefined()
  })

  it('declares no plain index another one already serves (a prefix in the same directions)', () => {
    const models = [...new Set(LISTS.map((s) => s.model))]
    const redundant: string[] = []
    for (const model of models) {
      const all = declared(model)
      const plain = all.filter(
        (i) =>
          !i.options.unique &&
          !i.options.partialFilterExpression &&
          i.options.expireAfterSeconds === undefined,
      )
      for (const p of plain) {
        const pk = Object.entries(p.keys)
        const longer = all.find((o) => {
          if (o === p || o.options.partialFilterExpression) return false
          const ok = Object.entries(o.keys)
          return ok.length > pk.length && pk.every(([f, d], i) => ok[i]![0] === f && ok[i]![1] === d)
        })
        if (longer)
          redundant.push(`${model.modelName} ${JSON.stringify(p.keys)} ⊂ ${JSON.stringify(longer.keys)}`)
      }
    }
    expect(redundant).toEqual([])
  })
})
