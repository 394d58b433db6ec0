import { defineModule } from '../../platform/modules.js'
import { WorkbenchEndpoints } from './workbench.contract.js'
import { registerWorkbenchRoutes } from './workbench.routes.js'
import { WorkbenchService } from './workbench.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    workbench: WorkbenchService
  }
}

export default defineModule({
  name: 'workbench',
  endpoints: WorkbenchEndpoints,
  build: ({ services }) => new WorkbenchService(services.campaigns.stats),
  routes: (r, workbench) => registerWorkbenchRoutes(r, workbench),
})
