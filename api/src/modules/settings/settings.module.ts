import { defineModule } from '../../platform/modules.js'
import { registerSettingsRoutes } from './settings.routes.js'
import { SettingsService } from './settings.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    settings: SettingsService
  }
}

export default defineModule({
  name: 'settings',
  build: () => new SettingsService(),
  routes: (r, settings, { services }) => registerSettingsRoutes(r, settings, services.audit),
})
