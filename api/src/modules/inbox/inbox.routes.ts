import type { Routers } from '../index.js'
import { InboxEndpoints as E } from './inbox.contract.js'
import type { InboxService } from './inbox.service.js'

export function registerInboxRoutes({ mp }: Routers, inbox: InboxService) {
  const member = { audience: 'mp' } as const
  mp.endpoint(E.list, member, (ctx) => inbox.list(ctx.state.user.id, ctx.state.input.query))
  mp.endpoint(E.unreadCount, member, async (ctx) => ({ unread: await inbox.unreadCount(ctx.state.user.id) }))
  mp.endpoint(E.readAll, member, (ctx) => inbox.markAllRead(ctx.state.user.id))
  mp.endpoint(E.open, member, (ctx) => inbox.open(ctx.state.user.id, ctx.state.input.params.id))
  mp.endpoint(E.click, member, (ctx) => inbox.click(ctx.state.user.id, ctx.state.input.params.id))
}
