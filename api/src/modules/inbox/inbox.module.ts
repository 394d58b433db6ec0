import { defineModule } from '../../platform/modules.js'
import { InboxEndpoints } from './inbox.contract.js'
import { registerInboxRoutes } from './inbox.routes.js'
import { InboxService } from './inbox.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    inbox: InboxService
  }
}

export default defineModule({
  name: 'inbox',
  endpoints: InboxEndpoints,
  build: () => new InboxService(),
  routes: (r, inbox) => registerInboxRoutes(r, inbox),
})
