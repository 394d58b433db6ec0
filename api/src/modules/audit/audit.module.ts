import { defineModule } from '../../platform/modules.js'
import { AuditEndpoints } from './audit.contract.js'
import { registerAuditRoutes } from './audit.routes.js'
import { AuditService } from './audit.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    audit: AuditService
  }
}

export default defineModule({
  name: 'audit',
  endpoints: AuditEndpoints,
  build: () => new AuditService(),
  routes: (r, audit) => registerAuditRoutes(r, audit),
})
