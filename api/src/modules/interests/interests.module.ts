import { defineModule } from '../../platform/modules.js'
import { InterestEndpoints } from './interests.contract.js'
import { registerInterestRoutes } from './interests.routes.js'
import { InterestService } from './interests.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    interests: InterestService
  }
}

export default defineModule({
  name: 'interests',
  endpoints: InterestEndpoints,
  build: ({ services }) => new InterestService(services.enterprises),
  routes: (r, interests) => registerInterestRoutes(r, interests),
})
