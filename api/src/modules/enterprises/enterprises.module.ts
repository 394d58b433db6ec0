import { defineModule } from '../../platform/modules.js'
import { EnterpriseEndpoints } from './enterprises.contract.js'
import { registerEnterpriseRoutes } from './enterprises.routes.js'
import { EnterpriseService } from './enterprises.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    enterprises: EnterpriseService
  }
}

export default defineModule({
  name: 'enterprises',
  endpoints: EnterpriseEndpoints,
  build: ({ cipher }) => new EnterpriseService(cipher),
  routes: (r, enterprises, { services }) =>
    registerEnterpriseRoutes(r, enterprises, services.audit, services.files),
})
