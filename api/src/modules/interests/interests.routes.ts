import type { Routers } from '../index.js'
import { InterestEndpoints as E } from './interests.contract.js'
import type { InterestService } from './interests.service.js'

export function registerInterestRoutes({ mp, admin }: Routers, interests: InterestService) {
  const member = { audience: 'mp', enterprise: 'member' } as const
  mp.endpoint(E.mine, member, (ctx) => interests.mine(ctx.state.user))
  mp.endpoint(E.update, member, (ctx) => interests.update(ctx.state.user, ctx.state.input.body))
  admin.endpoint(E.get, { audience: 'admin', permission: 'enterprise.read' }, (ctx) =>
    interests.get(ctx.state.input.params.id),
  )
}
