import type { AuditService } from '../audit/audit.service.js'
import type { Routers } from '../index.js'
import { SettingsEndpoints as E } from './settings.contract.js'
import type { SettingsService } from './settings.service.js'

export function registerSettingsRoutes({ admin }: Routers, settings: SettingsService, audit: AuditService) {
  const access = { audience: 'admin', permission: 'push.manage' } as const
  admin.endpoint(E.push, access, () => settings.push())
  admin.endpoint(E.savePush, access, async (ctx) => {
    const saved = await settings.updatePush(ctx.state.input.body)
    await audit.record(ctx, {
      action: 'settings.push.update',
      target: { type: 'settings', id: 'push' },
      fields: Object.keys(saved),
    })
    return saved
  })
}
