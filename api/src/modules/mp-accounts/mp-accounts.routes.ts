import { RefreshBody } from '../common.contract.js'
import type { Routers } from '../index.js'
import { MpLogin, PhoneBind, ProfileUpdate } from './mp-accounts.contract.js'
import type { MpAccountService } from './mp-accounts.service.js'

export function registerMpAccountRoutes({ mp }: Routers, accounts: MpAccountService) {
  mp.public('post', '/auth/login', { schemas: { body: MpLogin }, rateLimit: 'codeExchange' }, (ctx) =>
    accounts.login(ctx.state.input.body.code),
  )
  mp.public('post', '/auth/refresh', { schemas: { body: RefreshBody }, rateLimit: 'codeExchange' }, (ctx) =>
    accounts.refresh(ctx.state.input.body.refreshToken),
  )
  mp.mp('post', '/auth/logout', { schemas: { body: RefreshBody.partial() } }, async (ctx) => {
    await accounts.logout(ctx.state.user.id, ctx.state.input.body.refreshToken)
  })
  mp.mp('get', '/me', {}, (ctx) => accounts.me(ctx.state.user.id))
  mp.mp('patch', '/me', { schemas: { body: ProfileUpdate } }, (ctx) =>
    accounts.updateProfile(ctx.state.user.id, ctx.state.input.body),
  )
  mp.mp('post', '/me/phone', { schemas: { body: PhoneBind }, rateLimit: 'expensive' }, (ctx) =>
    accounts.bindPhone(ctx.state.user.id, ctx.state.input.body.code),
  )
}
