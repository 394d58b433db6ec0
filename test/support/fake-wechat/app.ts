import Router from '@koa/router'
import Koa from 'koa'
import { registerControl } from './control.js'
import { wxError } from './http.js'
import { registerPhone } from './phone.js'
import { registerSecCheck } from './sec-check.js'
import { registerSns } from './sns.js'
import { registerSubscribe } from './subscribe.js'
import { registerToken } from './token.js'
import type { FakeWechatState } from './state.js'

/** The fake api.weixin.qq.com as a Koa app over the given state. */
export function createFakeWechatApp(state: FakeWechatState): Koa {
  const app = new Koa()
  const router = new Router()
  registerSns(router, state)
  registerToken(router, state)
  registerPhone(router, state)
  registerSubscribe(router, state)
  registerSecCheck(router, state)
  registerControl(router, state)
  app.use(router.routes())
  app.use(router.allowedMethods())
  app.use((ctx) => {
    if (ctx.body !== undefined || ctx.status === 405) return
    // paths the fake does not know: WeChat's own answer to an unknown api
    ctx.status = 200
    ctx.type = 'application/json; encoding=utf-8'
    ctx.body = JSON.stringify(wxError(40066, 'invalid url').body)
  })
  return app
}
