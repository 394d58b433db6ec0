import type { Routers } from '../index.js'
import { AuditEndpoints as E } from './audit.contract.js'
import type { AuditService } from './audit.service.js'

export function registerAuditRoutes({ admin }: Routers, audit: AuditService) {
  admin.endpoint(E.list, { audience: 'admin', permission: 'audit.read' }, (ctx) =>
    audit.list(ctx.state.input.query),
  )
}
