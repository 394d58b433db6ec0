import mongoose, { Types } from 'mongoose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker } from '@zct/jobs/worker'
import { createLogger } from '@zct/api/internal/platform/logger'
import { ReminderModel } from '@zct/api/internal/modules/notifications/notifications.model'
import type { ReminderInput } from '@zct/api/internal/modules/notifications/notifications.service'
import { acceptSubscription, buildAdmin, buildMpUser, type MpSession } from '../support/factories.js'
import { world } from '../support/world.js'

/**
 * Bookings do not exist yet: a test-only collection stands in for them, and the worker's notifications
 * service re-reads it when a reminder falls due, as the bookings domain will register its own lookup.
 */
const w = world()
let worker: Awaited<ReturnType<typeof startWorker>>
const APPOINTMENT = 'tpl-appointment'
const bookings = () =>
  mongoose.connection.collection<{ _id: Types.ObjectId; status: string }>('test_bookings')
const notifications = () => w.api.platform.services.notifications
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function book(member: MpSession, inMs: number) {
  const _id = new Types.ObjectId()
  await bookings().insertOne({ _id, status: 'confirmed' })
  const reminder: ReminderInput = {
    kind: 'booking.reminder',
    subjectId: _id.toHexString(),
    memberId: member.id,
    at: new Date(Date.now() + inMs),
    vars: {
      person: '张三',
      at: '2026-12-01T02:00:00.000Z',
      station: '韶关市商标品牌培育指导站',
      code: 'BK-20261201-07',
    },
    inbox: {
      title: '明天上午 10:00 的咨询预约',
      summary: '韶关市商标品牌培育指导站',
      content: { kind: 'announcement', id: _id.toHexString() },
    },
  }
  await notifications().scheduleReminder(reminder)
  return reminder
}

async function member() {
  const m = await buildMpUser(w)
  await acceptSubscription(w, m, APPOINTMENT)
  await acceptSubscription(w, m, APPOINTMENT)
  return m
}

async function waitForMessages(openid: string, n: number, ms = 5_000) {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(50))
    if ((await w.wx.messages({ toUser: openid })).length >= n) break
  return w.wx.messages({ toUser: openid })
}

beforeAll(async () => {
  worker = await startWorker({ config: w.api.config, log: createLogger('silent'), connect: false })
  worker.platform.services.notifications.registerSubject('booking.reminder', async (id) => {
    const b = await bookings().findOne({ _id: new Types.ObjectId(id) })
    return b?.status === 'confirmed'
  })
  const operator = await buildAdmin(w.api, { roles: ['push_operator'] })
  const saved = await w.api.call('PUT', '/admin/v1/notification-templates/booking.reminder', {
    token: operator.token,
    body: {
      templateId: APPOINTMENT,
      fields: [
        { key: 'name1', var: 'person' },
        { key: 'time2', var: 'at' },
        { key: 'thing3', var: 'station' },
        { key: 'character_string4', var: 'code' },
      ],
    },
  })
  expect(saved.status).toBe(200)
})
afterAll(async () => {
  await worker?.close()
})

describe('scheduled reminders', () => {
  it('reminds the member when the booking falls due: one WeChat message and one inbox item', async () => {
    const m = await member()
    const r = await book(m, 300)
    const sent = await waitForMessages(m.openid, 1)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({
      templateId: APPOINTMENT,
      data: { name1: '张三', time2: '2026-12-01 10:00', thing3: '韶关市商标品牌培育指导站' },
    })
    expect((await w.api.call('GET', '/mp/v1/inbox', { token: m.token })).body.items[0].title).toBe(
      r.inbox.title,
    )
    await sleep(100)
    expect(await ReminderModel.findById(`booking.reminder:${r.subjectId}`).lean()).toMatchObject({
      status: 'sent',
    })
  })

  it('sends no reminder for a cancelled booking', async () => {
    const m = await member()
    const r = await book(m, 500)
    await bookings().updateOne({ _id: new Types.ObjectId(r.subjectId) }, { $set: { status: 'cancelled' } })
    await notifications().cancelReminder('booking.reminder', r.subjectId)
    await sleep(1_500)
    expect(await w.wx.messages({ toUser: m.openid })).toHaveLength(0)
    expect((await w.api.call('GET', '/mp/v1/inbox', { token: m.token })).body.total).toBe(0)
    expect(await ReminderModel.findById(`booking.reminder:${r.subjectId}`).lean()).toMatchObject({
      status: 'cancelled',
    })
  })

  it('sends no reminder for a booking cancelled while its job stayed queued (re-read when due)', async () => {
    const m = await member()
    const r = await book(m, 300)
    // The bookings domain cancels, but its call to cancel the reminder never happened.
    await bookings().updateOne({ _id: new Types.ObjectId(r.subjectId) }, { $set: { status: 'cancelled' } })
    await sleep(1_300)
    expect(await w.wx.messages({ toUser: m.openid })).toHaveLength(0)
    expect((await w.api.call('GET', '/mp/v1/inbox', { token: m.token })).body.total).toBe(0)
    expect(await ReminderModel.findById(`booking.reminder:${r.subjectId}`).lean()).toMatchObject({
      status: 'cancelled',
    })
  })

  it('reminds a moved booking once, at its new time', async () => {
    const m = await member()
    const r = await book(m, 400)
    const movedAt = new Date(Date.now() + 1_500)
    await notifications().scheduleReminder({ ...r, at: movedAt })
    await sleep(900)
    expect(await w.wx.messages({ toUser: m.openid })).toHaveLength(0)
    const sent = await waitForMessages(m.openid, 1)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.sentAt).toBeGreaterThanOrEqual(movedAt.getTime())
    await sleep(500)
    expect(await w.wx.messages({ toUser: m.openid })).toHaveLength(1)
    expect((await w.api.call('GET', '/mp/v1/inbox', { token: m.token })).body.total).toBe(1)
  })
})
