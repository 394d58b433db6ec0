/**
 * Indexed lookups stay index-served as collections grow (issue 12): the api's hot reads, on collections shaped
 * like its admin users and inbox items with their indexes, examine the same documents at 5,000 and at 50,000.
 * Documents examined are counted, never timed: explain's executionStats.totalDocsExamined on a real mongod,
 * the same count from mongod's serverStatus metrics.queryExecutor.scannedObjects on the embedded server (which
 * refuses explain), read around one query (the server belongs to this file, whose tests run one at a time).
 */
import { ObjectId, type Collection, type Document, type Filter, type Sort } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { embedded, openEnv, type CompatEnv } from './server.js'

let env: CompatEnv
let users: Collection
let inbox: Collection
beforeAll(async () => {
  env = await openEnv('index_growth')
  users = env.db.collection('adminusers')
  inbox = env.db.collection('inboxitems')
  // api/src/modules/staff/staff.model.ts
  await users.createIndex({ username: 1 }, { unique: true })
  await users.createIndex({ roleIds: 1 })
  // api/src/modules/inbox/inbox.model.ts
  await inbox.createIndex({ userId: 1, campaignId: 1 }, { unique: true })
  await inbox.createIndex({ userId: 1, createdAt: -1 })
  await inbox.createIndex({ userId: 1, readAt: 1 })
  await inbox.createIndex({ campaignId: 1, readAt: 1 })
  await inbox.createIndex({ campaignId: 1, clickedAt: 1 })
})
afterAll(() => env.close())

const roles = Array.from({ length: 8 }, () => new ObjectId())
const members = Array.from({ length: 500 }, () => new ObjectId())
/** a member whose inbox grows with the collection: a tenth of all items */
const busy = new ObjectId()
const t0 = Date.UTC(2026, 0, 1)

/** Adds admin users and inbox items up to `total` of each. */
async function grow(total: number) {
  const from = await users.countDocuments()
  const n = total - from
  await users.insertMany(
    Array.from({ length: n }, (_, k) => {
      const i = from + k
      return {
        username: `staff${i}`,
        displayName: `工作人员${i}`,
        passwordHash: 'x'.repeat(60),
        roleIds: [roles[i % roles.length]],
        disabled: false,
        tokenVersion: 0,
      }
    }),
  )
  await inbox.insertMany(
    Array.from({ length: n }, (_, k) => {
      const i = from + k
      return {
        userId: i % 10 === 0 ? busy : members[i % members.length],
        campaignId: new ObjectId(),
        title: `专利信息推送 ${i}`,
        readAt: i % 3 === 0 ? new Date(t0 + i * 1000) : null,
        clickedAt: null,
        createdAt: new Date(t0 + i * 60_000),
      }
    }),
  )
}

/** Documents the server examined for one find, and how many it returned. */
async function examined(c: Collection, filter: Filter<Document>, sort?: Sort, limit?: number) {
  const cursor = () => {
    const cur = c.find(filter)
    if (sort) cur.sort(sort)
    if (limit) cur.limit(limit)
    return cur
  }
  if (!embedded) {
    const { executionStats } = await cursor().explain('executionStats')
    return { docs: Number(executionStats.totalDocsExamined), returned: Number(executionStats.nReturned) }
  }
  const scannedObjects = async () =>
    ((await env.db.admin().serverStatus()).metrics.queryExecutor as { scannedObjects: number }).scannedObjects
  const before = await scannedObjects()
  const returned = (await cursor().toArray()).length
  return { docs: (await scannedObjects()) - before, returned }
}

/** The api's hot reads, on documents written by the first batch (so they exist at every size). */
async function hotReads() {
  const user = await users.findOne({ username: 'staff1234' })
  const item = await inbox.findOne({ title: '专利信息推送 777' })
  const member = members[7]
  return {
    // login: the console user by username
    byUsername: await examined(users, { username: 'staff1234' }, undefined, 1),
    // every authenticated request: the principal by id (mongoose findById)
    byId: await examined(users, { _id: user!._id }, undefined, 1),
    // fan-out idempotency: one member's item of one campaign (both fields of the unique index)
    byMemberAndCampaign: await examined(
      inbox,
      { userId: item!.userId, campaignId: item!.campaignId },
      undefined,
      1,
    ),
    // the inbox page: the 20 newest of a member with thousands of items
    newestPage: await examined(inbox, { userId: busy }, { createdAt: -1 }, 20),
    // the unread badge: a member's unread items ({ userId, readAt } holds exactly those)
    unread: await examined(inbox, { userId: member, readAt: null }),
    // the users list filtered by a role (multikey index)
    byRole: await examined(users, { roleIds: roles[3] }),
  }
}

describe('indexed lookups as collections grow', () => {
  it('examine the same documents at 5,000 and at 50,000, only what they return', async () => {
    const at: Array<Awaited<ReturnType<typeof hotReads>>> = []
    for (const total of [5_000, 50_000]) {
      await grow(total)
      at.push(await hotReads())
    }
    for (const reads of at) {
      expect(reads.byUsername).toEqual({ docs: 1, returned: 1 })
      expect(reads.byId).toEqual({ docs: 1, returned: 1 })
      expect(reads.byMemberAndCampaign).toEqual({ docs: 1, returned: 1 })
      expect(reads.newestPage.returned).toBe(20)
      expect(reads.newestPage.docs).toBeLessThanOrEqual(20)
      // queries whose answer grows with the data examine their matches and nothing else
      expect(reads.unread.docs).toBe(reads.unread.returned)
      expect(reads.byRole.docs).toBe(reads.byRole.returned)
    }
    // the busy member's inbox grew from 500 to 5,000 items; the page still reads 20
    expect(at[1]!.newestPage).toEqual(at[0]!.newestPage)
    expect(at[1]!.unread.returned).toBeGreaterThan(at[0]!.unread.returned)
  }, 120_000)
})
