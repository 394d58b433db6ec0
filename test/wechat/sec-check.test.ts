import { describe, expect, it } from 'vitest'
import { useWechatHarness } from './harness.js'

const h = useWechatHarness()

describe('msg_sec_check v2', () => {
  it('passes ordinary text with label 100', async () => {
    await h.login('o-pass')
    const r = await h
      .client()
      .msgSecCheck({ openid: 'o-pass', content: '请问实用新型专利的审查周期是多久？', scene: 2 })
    expect(r).toMatchObject({ suggest: 'pass', label: 100 })
    expect(r.traceId).toBeTruthy()
  })

  it('marks text with a sensitive word risky with its label', async () => {
    await h.login('o-risky')
    const r = await h.client().msgSecCheck({ openid: 'o-risky', content: '线上赌博平台招代理', scene: 3 })
    expect(r).toMatchObject({ suggest: 'risky', label: 20006 })
  })

  it('asks for review on review-list words', async () => {
    await h.login('o-review')
    const r = await h.client().msgSecCheck({ openid: 'o-review', content: '专利代办请加微信', scene: 2 })
    expect(r).toMatchObject({ suggest: 'review', label: 10001 })
  })

  it('answers 87014 for risky text when the fake is set to the version-1 behaviour', async () => {
    await h.login('o-v1')
    await h.fake.control.configure({ secCheckRiskyAsError: true, sensitiveWords: { 假冒专利: 20008 } })
    const client = h.client()
    await expect(
      client.msgSecCheck({ openid: 'o-v1', content: '出售假冒专利证书', scene: 1 }),
    ).rejects.toMatchObject({ errcode: 87014, transient: false })
    expect((await client.msgSecCheck({ openid: 'o-v1', content: '赌博', scene: 1 })).suggest).toBe('pass')
  })

  it('answers 40003 for an openid that never opened the mini-program', async () => {
    await expect(
      h.client().msgSecCheck({ openid: 'o-nobody', content: '你好', scene: 1 }),
    ).rejects.toMatchObject({ errcode: 40003 })
  })
})
