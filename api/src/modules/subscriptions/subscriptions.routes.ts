import type { Routers } from '../index.js'
import { SubscriptionEndpoints as E } from './subscriptions.contract.js'
import type { SubscriptionService } from './subscriptions.service.js'

export function registerSubscriptionRoutes({ mp }: Routers, subscriptions: SubscriptionService) {
  const member = { audience: 'mp' } as const
  mp.endpoint(E.report, member, (ctx) =>
    subscriptions.report(ctx.state.user.id, ctx.state.input.body.results),
  )
  mp.endpoint(E.state, member, (ctx) => subscriptions.state(ctx.state.user.id))
}
