import { describe, expect, it } from 'vitest'
import type { SubscribeMessage } from '@zct/api/internal/platform/wechat/client'
import { useWechatHarness } from './harness.js'

const h = useWechatHarness()

const TEMPLATE = 'tpl-application-progress'
const progress = (toUser: string, overrides: Record<string, string> = {}): SubscribeMessage => ({
  toUser,
  templateId: TEMPLATE,
  page: 'pages/applications/detail?id=42',
  miniprogramState: 'trial',
  data: {
    thing1: '发明专利申请',
    phrase2: '已受理',
    time3: '2025-03-01 10:00',
    thing4: '请留意后续通知',
    ...overrides,
  },
})

describe('subscribe messages', () => {
  it('delivers one message per grant and answers 43101 to the second send', async () => {
    await h.login('o-sub')
    await h.fake.control.subscribe({ openid: 'o-sub', templateId: TEMPLATE, accept: true })
    const client = h.client()
    const sent = await client.sendSubscribeMessage(progress('o-sub'))
    expect(sent.msgid).toMatch(/^\d+$/)
    await expect(client.sendSubscribeMessage(progress('o-sub'))).rejects.toMatchObject({
      errcode: 43101,
      transient: false,
    })

    const messages = await h.fake.control.messages({ toUser: 'o-sub', templateId: TEMPLATE })
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatchObject({
      msgid: Number(sent.msgid),
      page: 'pages/applications/detail?id=42',
      miniprogramState: 'trial',
      data: { thing1: '发明专利申请', phrase2: '已受理' },
    })
  })

  it('answers 43101 when the user refused the subscription', async () => {
    await h.login('o-refuse')
    await h.fake.control.subscribe({ openid: 'o-refuse', templateId: TEMPLATE, accept: true, count: 3 })
    await h.fake.control.subscribe({ openid: 'o-refuse', templateId: TEMPLATE, accept: false })
    await expect(h.client().sendSubscribeMessage(progress('o-refuse'))).rejects.toMatchObject({
      errcode: 43101,
    })
  })

  it('answers 47003 naming the field when a thing value is longer than 20 characters, without using the grant', async () => {
    await h.login('o-long')
    await h.fake.control.subscribe({ openid: 'o-long', templateId: TEMPLATE, accept: true })
    const client = h.client()
    const tooLong = '关于某某科技有限公司发明专利申请的补正通知书'
    expect([...tooLong].length).toBeGreaterThan(20)
    await expect(client.sendSubscribeMessage(progress('o-long', { thing1: tooLong }))).rejects.toMatchObject({
      errcode: 47003,
      transient: false,
      errmsg: expect.stringContaining('data.thing1.value'),
    })
    // a 20-character thing is fine, and the grant is still there
    await client.sendSubscribeMessage(progress('o-long', { thing1: tooLong.slice(0, 20) }))
  })

  it.each([
    ['phrase2', '已经受理完毕'],
    ['time3', '明天上午'],
  ])('answers 47003 when %s breaks its keyword rule', async (field, value) => {
    await h.login('o-rules')
    await h.fake.control.subscribe({ openid: 'o-rules', templateId: TEMPLATE, accept: true })
    await expect(
      h.client().sendSubscribeMessage(progress('o-rules', { [field]: value })),
    ).rejects.toMatchObject({
      errcode: 47003,
      errmsg: expect.stringContaining(`data.${field}.value`),
    })
  })

  it('checks name, character_string, amount and date rules of registered templates', async () => {
    await h.login('o-types')
    await h.fake.control.addTemplate('tpl-custom', {
      name1: 'name',
      character_string2: 'character_string',
      amount3: 'amount',
      date4: 'date',
    })
    await h.fake.control.subscribe({ openid: 'o-types', templateId: 'tpl-custom', accept: true })
    const client = h.client()
    const good = {
      name1: '张三',
      character_string2: 'CN202510123456.7',
      amount3: '¥950.00',
      date4: '2025年3月1日',
    }
    const send = (data: Record<string, string>) =>
      client.sendSubscribeMessage({ toUser: 'o-types', templateId: 'tpl-custom', data })
    await expect(send({ ...good, name1: '欧阳诸葛司马上官东方' + '慕容' })).rejects.toMatchObject({
      errmsg: expect.stringContaining('data.name1.value'),
    })
    await expect(send({ ...good, character_string2: 'x'.repeat(33) })).rejects.toMatchObject({
      errmsg: expect.stringContaining('data.character_string2.value'),
    })
    await expect(send({ ...good, amount3: '九百五十元' })).rejects.toMatchObject({
      errmsg: expect.stringContaining('data.amount3.value'),
    })
    await expect(send({ ...good, date4: '下周一' })).rejects.toMatchObject({
      errmsg: expect.stringContaining('data.date4.value'),
    })
    await send(good)
    expect(await h.fake.control.messages({ templateId: 'tpl-custom' })).toHaveLength(1)
  })

  it('answers 40003 for a user who never logged in and 40037 for an unknown template', async () => {
    await h.fake.control.subscribe({ openid: 'o-stranger', templateId: TEMPLATE, accept: true })
    const client = h.client()
    await expect(client.sendSubscribeMessage(progress('o-stranger'))).rejects.toMatchObject({
      errcode: 40003,
    })
    await h.login('o-known')
    await expect(
      client.sendSubscribeMessage({ ...progress('o-known'), templateId: 'tpl-missing' }),
    ).rejects.toMatchObject({ errcode: 40037 })
  })
})
