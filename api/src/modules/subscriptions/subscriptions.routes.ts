import type { Routers } from '../index.js'
import { SubscriptionReport } from './subscriptions.contract.js'
import type { SubscriptionService } from './subscriptions.service.js'

export function registerSubscriptionRoutes({ mp }: Routers, subscriptions: SubscriptionService) {
  mp.mp('post', '/subscriptions', { schemas: { body: SubscriptionReport } }, (ctx) =>
    subscriptions.report(ctx.state.user.id, ctx.state.input.body.results),
  )
  mp.mp('get', '/subscriptions', {}, (ctx) => subscriptions.state(ctx.state.user.id))
}
