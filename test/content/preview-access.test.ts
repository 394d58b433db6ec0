import { describe, expect, it } from 'vitest'
import { ContentEndpoints as E } from '@zct/api/contracts/content/content'
import { expectOk, expectRefused } from '../support/api.js'
import { buildAdmin } from '../support/factories.js'
import { world } from '../support/world.js'

const w = world()

describe('the rich-text preview', () => {
  it('serves whoever edits a rich body (content and training managers), and refuses others with 403', async () => {
    const body = { body: '<p>培训<script>alert(1)</script></p>' }
    for (const permissions of [['content.manage'], ['training.manage']] as const) {
      const editor = await buildAdmin(w.api, { permissions: [...permissions] })
      const res = await w.api.request(E.preview, { token: editor.token, body })
      expectOk(res)
      expect(res.body.html).toBe('<p>培训</p>')
    }
    const other = await buildAdmin(w.api, { permissions: ['station.manage'] })
    expectRefused(await w.api.request(E.preview, { token: other.token, body }), 403, 'FORBIDDEN')
  })
})
