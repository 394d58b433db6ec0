import type { Routers } from '../index.js'
import { AuditQuery } from './audit.contract.js'
import type { AuditService } from './audit.service.js'

export function registerAuditRoutes({ admin }: Routers, audit: AuditService) {
  admin.admin('get', '/audit', 'audit.read', { schemas: { query: AuditQuery } }, (ctx) =>
    audit.list(ctx.state.input.query),
  )
}
