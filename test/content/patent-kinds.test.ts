import { describe, expect, it } from 'vitest'
import { PATENT_KIND_LABELS, PatentKind } from '@zct/api/contracts/content/content'
import { consoleOf, contentWorld } from './setup.js'

const w = contentWorld()
const cms = consoleOf(w)

describe('patent kinds', () => {
  it('labels exactly the patent kinds, so pages do not offer 通知公告', () => {
    expect(Object.keys(PATENT_KIND_LABELS).sort()).toEqual([...PatentKind.options].sort())
    expect(Object.values(PATENT_KIND_LABELS)).not.toContain('通知公告')
    expect(PATENT_KIND_LABELS).toEqual({
      navigation: '专利导航报告',
      warning: '专利预警分析',
      licensable: '可许可/转让高价值专利',
      policy: '政策解读',
    })
  })

  it('refuses announcement or an unknown kind with a worded 400 on the kind field', async () => {
    for (const kind of ['announcement', 'notice']) {
      const res = await cms.create('patents', { kind, title: '通知', summary: '摘要', body: '' })
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('VALIDATION_FAILED')
      const fields = res.body.error.details.fields as { path: string; message: string }[]
      expect(fields).toHaveLength(1)
      expect(fields[0]!.path).toBe('kind')
      expect(fields[0]!.message).toMatch(/[\u4e00-\u9fa5]/)
      expect(fields[0]!.message).not.toMatch(/expected|invalid|option|期望|announcement|notice/i)
    }
    const list = await cms.call('GET', '/patents?kind=announcement')
    expect(list.status).toBe(400)
    expect(list.body.error.details.fields[0].path).toBe('kind')
  })
})
