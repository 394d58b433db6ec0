import { defineModule } from '../../platform/modules.js'
import { registerSubscriptionRoutes } from './subscriptions.routes.js'
import { SubscriptionService } from './subscriptions.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    subscriptions: SubscriptionService
  }
}

export default defineModule({
  name: 'subscriptions',
  build: ({ services: { settings } }) =>
    new SubscriptionService(async () => [(await settings.push()).templateId]),
  routes: (r, subscriptions) => registerSubscriptionRoutes(r, subscriptions),
})
