import { IdParams } from '../common.contract.js'
import type { Routers } from '../index.js'
import { InboxQuery } from './inbox.contract.js'
import type { InboxService } from './inbox.service.js'

export function registerInboxRoutes({ mp }: Routers, inbox: InboxService) {
  mp.mp('get', '/inbox', { schemas: { query: InboxQuery } }, (ctx) =>
    inbox.list(ctx.state.user.id, ctx.state.input.query),
  )
  mp.mp('get', '/inbox/unread-count', {}, async (ctx) => ({
    unread: await inbox.unreadCount(ctx.state.user.id),
  }))
  mp.mp('post', '/inbox/read-all', {}, (ctx) => inbox.markAllRead(ctx.state.user.id))
  mp.mp('get', '/inbox/:id', { schemas: { params: IdParams } }, (ctx) =>
    inbox.open(ctx.state.user.id, ctx.state.input.params.id),
  )
  mp.mp('post', '/inbox/:id/click', { schemas: { params: IdParams } }, (ctx) =>
    inbox.click(ctx.state.user.id, ctx.state.input.params.id),
  )
}
