import { defineModule } from '../../platform/modules.js'
import { registerWorkbenchRoutes } from './workbench.routes.js'
import { WorkbenchService } from './workbench.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    workbench: WorkbenchService
  }
}

export default defineModule({
  name: 'workbench',
  build: ({ services }) => new WorkbenchService(services.campaigns.stats),
  routes: (r, workbench) => registerWorkbenchRoutes(r, workbench),
})
