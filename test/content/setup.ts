import { beforeAll } from 'vitest'
import { buildAdmin, type AdminSession } from '../support/factories.js'
import { world, type World } from '../support/world.js'

/** The operator's WeChat that msg_sec_check v2 runs as; it must have opened the mini-program recently. */
export const SEC_CHECK_OPENID = 'o-content-sec-check-operator'

export interface ContentWorld extends World {
  editor: AdminSession
}

/**
 * A world whose api checks content as SEC_CHECK_OPENID, which has just logged in at the fake WeChat, and
 * a console user holding the built-in content_editor role. Call at the top level of a test file.
 */
export function contentWorld(): ContentWorld {
  const w = world({ WECHAT_SEC_CHECK_OPENID: SEC_CHECK_OPENID }) as ContentWorld
  beforeAll(async () => {
    w.wxState.recordLogin(SEC_CHECK_OPENID)
    w.editor = await buildAdmin(w.api, { roles: ['content_editor'] })
  })
  return w
}

type Kind = 'announcements' | 'patents'

/** Console calls as the editor; answers the raw response. */
export function consoleOf(w: ContentWorld) {
  const call = (method: string, path: string, body?: unknown) =>
    w.api.call(method, `/admin/v1${path}`, { token: w.editor.token, ...(body === undefined ? {} : { body }) })
  return {
    call,
    create: (kind: Kind, body: Record<string, unknown>) => call('POST', `/${kind}`, body),
    get: (kind: Kind, id: string) => call('GET', `/${kind}/${id}`),
    update: (kind: Kind, id: string, body: Record<string, unknown>) => call('PATCH', `/${kind}/${id}`, body),
    act: (kind: Kind, id: string, action: 'publish' | 'withdraw' | 'pin' | 'unpin') =>
      call('POST', `/${kind}/${id}/${action}`),
    schedule: (kind: Kind, id: string, publishAt: Date) =>
      call('POST', `/${kind}/${id}/schedule`, { publishAt: publishAt.toISOString() }),
  }
}

let seq = 0
/** A draft announcement through the console; fails the test on anything but 201. */
export async function draftAnnouncement(w: ContentWorld, body: Record<string, unknown> = {}) {
  const res = await consoleOf(w).create('announcements', {
    title: `关于开展知识产权宣传周活动的通知 ${++seq}`,
    body: '<p>各有关单位：</p>',
    ...body,
  })
  if (res.status !== 201) throw new Error(`create announcement: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as { id: string; title: string }
}

export async function publishedAnnouncement(w: ContentWorld, body: Record<string, unknown> = {}) {
  const a = await draftAnnouncement(w, body)
  const res = await consoleOf(w).act('announcements', a.id, 'publish')
  if (res.status !== 200) throw new Error(`publish announcement: ${res.status} ${JSON.stringify(res.body)}`)
  return a
}

export async function draftPatent(w: ContentWorld, body: Record<string, unknown> = {}) {
  const res = await consoleOf(w).create('patents', {
    kind: 'warning',
    title: `新能源汽车电池领域专利预警分析 ${++seq}`,
    summary: '梳理 H01M 领域核心专利与侵权风险',
    body: '<p>报告正文</p>',
    ...body,
  })
  if (res.status !== 201) throw new Error(`create patent: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as { id: string; title: string }
}
