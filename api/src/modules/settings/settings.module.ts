import { defineModule } from '../../platform/modules.js'
import { SettingsEndpoints } from './settings.contract.js'
import { registerSettingsRoutes } from './settings.routes.js'
import { SettingsService } from './settings.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    settings: SettingsService
  }
}

export default defineModule({
  name: 'settings',
  endpoints: SettingsEndpoints,
  build: () => new SettingsService(),
  routes: (r, settings, { services }) => registerSettingsRoutes(r, settings, services.audit),
})
