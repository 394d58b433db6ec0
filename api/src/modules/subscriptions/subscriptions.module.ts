import { defineModule } from '../../platform/modules.js'
import { SubscriptionEndpoints } from './subscriptions.contract.js'
import { registerSubscriptionRoutes } from './subscriptions.routes.js'
import { SubscriptionService } from './subscriptions.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    subscriptions: SubscriptionService
  }
}

export default defineModule({
  name: 'subscriptions',
  endpoints: SubscriptionEndpoints,
  // Every template a kind of notification uses (read when a member reports, so notifications is built by then).
  build: ({ services }) => new SubscriptionService(() => services.notifications.knownTemplates()),
  routes: (r, subscriptions) => registerSubscriptionRoutes(r, subscriptions),
})
