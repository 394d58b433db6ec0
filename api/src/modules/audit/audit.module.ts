import { defineModule } from '../../platform/modules.js'
import { registerAuditRoutes } from './audit.routes.js'
import { AuditService } from './audit.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    audit: AuditService
  }
}

export default defineModule({
  name: 'audit',
  build: () => new AuditService(),
  routes: (r, audit) => registerAuditRoutes(r, audit),
})
