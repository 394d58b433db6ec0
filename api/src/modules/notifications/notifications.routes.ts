import type { AuditService } from '../audit/audit.service.js'
import type { Routers } from '../../platform/modules.js'
import { NotificationEndpoints as E } from './notifications.contract.js'
import type { NotificationService } from './notifications.service.js'

export function registerNotificationRoutes(
  { mp, admin }: Routers,
  notifications: NotificationService,
  audit: AuditService,
) {
  // Templates decide what pushes and every other notification say on WeChat: the push operators' call.
  const operator = { audience: 'admin', permission: 'push.manage' } as const
  admin.endpoint(E.listTemplates, operator, () => notifications.listTemplates())
  admin.endpoint(E.saveTemplate, operator, async (ctx) => {
    const saved = await notifications.saveTemplate(ctx.state.input.params.kind, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'notifications.template.update',
      target: { type: 'notification-template', id: saved.kind },
      fields: ['templateId', 'fields'],
    })
    return saved
  })

  const member = { audience: 'mp' } as const
  mp.endpoint(E.preferences, member, (ctx) => notifications.preferences(ctx.state.user.id))
  mp.endpoint(E.savePreferences, member, (ctx) =>
    notifications.savePreferences(ctx.state.user.id, ctx.state.input.body.wechat),
  )
}
