import type { Routers } from '../index.js'
import { WorkbenchEndpoints as E } from './workbench.contract.js'
import type { WorkbenchService } from './workbench.service.js'

export function registerWorkbenchRoutes({ admin }: Routers, workbench: WorkbenchService) {
  // Any console user: the service leaves out each figure the user holds no permission for.
  admin.endpoint(E.figures, { audience: 'admin', permission: null }, (ctx) =>
    workbench.figures(ctx.state.user),
  )
}
