import type { AuditService } from '../audit/audit.service.js'
import type { Routers } from '../index.js'
import { PushSettings } from './settings.contract.js'
import type { SettingsService } from './settings.service.js'

export function registerSettingsRoutes({ admin }: Routers, settings: SettingsService, audit: AuditService) {
  admin.admin('get', '/settings/push', 'push.manage', {}, () => settings.push())
  admin.admin('put', '/settings/push', 'push.manage', { schemas: { body: PushSettings } }, async (ctx) => {
    const saved = await settings.updatePush(ctx.state.input.body)
    await audit.record(ctx, {
      action: 'settings.push.update',
      target: { type: 'settings', id: 'push' },
      fields: Object.keys(saved),
    })
    return saved
  })
}
