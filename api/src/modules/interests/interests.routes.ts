import { IdParams } from '../common.contract.js'
import type { Routers } from '../index.js'
import { InterestsUpdate } from './interests.contract.js'
import type { InterestService } from './interests.service.js'

export function registerInterestRoutes({ mp, admin }: Routers, interests: InterestService) {
  mp.mp('get', '/enterprise/profile', { enterprise: 'member' }, (ctx) => interests.mine(ctx.state.user))
  mp.mp('put', '/enterprise/profile', { schemas: { body: InterestsUpdate }, enterprise: 'member' }, (ctx) =>
    interests.update(ctx.state.user, ctx.state.input.body),
  )
  admin.admin(
    'get',
    '/enterprises/:id/profile',
    'enterprise.read',
    { schemas: { params: IdParams } },
    (ctx) => interests.get(ctx.state.input.params.id),
  )
}
