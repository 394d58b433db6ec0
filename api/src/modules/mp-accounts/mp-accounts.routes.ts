import type { Routers } from '../index.js'
import { MpAccountEndpoints as E } from './mp-accounts.contract.js'
import type { MpAccountService } from './mp-accounts.service.js'

export function registerMpAccountRoutes({ mp }: Routers, accounts: MpAccountService) {
  const member = { audience: 'mp' } as const
  const codeExchange = { audience: 'public', rateLimit: 'codeExchange' } as const
  mp.endpoint(E.login, codeExchange, (ctx) => accounts.login(ctx.state.input.body.code))
  mp.endpoint(E.refresh, codeExchange, (ctx) => accounts.refresh(ctx.state.input.body.refreshToken))
  mp.endpoint(E.logout, member, (ctx) =>
    accounts.logout(ctx.state.user.id, ctx.state.input.body.refreshToken),
  )
  mp.endpoint(E.me, member, (ctx) => accounts.me(ctx.state.user.id))
  mp.endpoint(E.updateProfile, member, (ctx) =>
    accounts.updateProfile(ctx.state.user.id, ctx.state.input.body),
  )
  mp.endpoint(E.bindPhone, { audience: 'mp', rateLimit: 'expensive' }, (ctx) =>
    accounts.bindPhone(ctx.state.user.id, ctx.state.input.body.code),
  )
}
