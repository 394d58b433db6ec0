import type Router from '@koa/router'
import type { Context } from 'koa'
import { z } from 'zod'
import { readJson } from './http.js'
import {
  ENDPOINTS,
  TEMPLATE_FIELD_TYPES,
  endpointName,
  type FakeWechatConfig,
  type FakeWechatState,
} from './state.js'

export const ControlBodies = {
  loginCode: z.object({ openid: z.string().min(1).optional(), unionid: z.string().min(1).optional() }),
  phoneCode: z.object({ phoneNumber: z.string().regex(/^(?:\+\d{1,3}[\s-]?)?\d{4,20}$/) }),
  subscriptions: z.object({
    openid: z.string().min(1),
    templateId: z.string().min(1),
    accept: z.boolean(),
    count: z.number().int().positive().optional(),
  }),
  templates: z.object({
    templateId: z.string().min(1),
    fields: z.record(z.string(), z.enum(TEMPLATE_FIELD_TYPES)),
  }),
  inject: z.object({
    endpoint: z.string().refine((e) => endpointName(e) !== undefined, {
      message: `one of ${Object.keys(ENDPOINTS).join(', ')} or its path`,
    }),
    errcode: z.number().int().optional(),
    errmsg: z.string().optional(),
    status: z.number().int().min(500).max(599).optional(),
    delayMs: z.number().int().nonnegative().optional(),
    times: z.number().int().positive().optional(),
  }),
  expireToken: z.object({ mode: z.enum(['expire', 'invalidate']).optional() }),
  /** many users at once, as if each had opened the mini-program and accepted `grants` sends of the template */
  seedUsers: z.object({
    openids: z.array(z.string().min(1)).max(500_000),
    templateId: z.string().min(1).optional(),
    grants: z.number().int().positive().optional(),
  }),
  config: z
    .object({
      tokenExpiresIn: z.number().positive(),
      tokenRenewWindow: z.number().nonnegative(),
      loginRateLimitPerMinute: z.number().int().positive(),
      codeTtlMs: z.number().int().positive(),
      sensitiveWords: z.record(z.string(), z.number().int()),
      reviewWords: z.record(z.string(), z.number().int()),
      secCheckRiskyAsError: z.boolean(),
      secCheckAccessWindowMs: z.number().int().positive(),
      subscribeDailyQuota: z.number().int().nonnegative().nullable(),
    })
    .partial() satisfies z.ZodType<Partial<FakeWechatConfig>>,
}

/** Parses the JSON body against a schema; answers 400 itself and returns undefined when it does not fit. */
async function body<T>(ctx: Context, schema: z.ZodType<T>): Promise<T | undefined> {
  const raw = await readJson(ctx)
  const parsed = schema.safeParse(raw.ok ? raw.value : raw.empty ? {} : undefined)
  if (parsed.success) return parsed.data
  ctx.status = 400
  ctx.body = { error: raw.ok || raw.empty ? z.prettifyError(parsed.error) : 'body must be a JSON object' }
  return undefined
}

/** The test-only control API under /__control/: make codes and grants, inject failures, read what was sent. */
export function registerControl(router: Router, state: FakeWechatState): void {
  router.post('/__control/login-code', async (ctx) => {
    const b = await body(ctx, ControlBodies.loginCode)
    if (!b) return
    const openid = b.openid ?? `o${Math.random().toString(36).slice(2, 12)}${Date.now().toString(36)}`
    ctx.body = { code: state.issueLoginCode(openid, b.unionid), openid }
  })
  router.post('/__control/phone-code', async (ctx) => {
    const b = await body(ctx, ControlBodies.phoneCode)
    if (b) ctx.body = { code: state.issuePhoneCode(b.phoneNumber) }
  })
  router.post('/__control/subscriptions', async (ctx) => {
    const b = await body(ctx, ControlBodies.subscriptions)
    if (b) ctx.body = { remaining: state.grant(b.openid, b.templateId, b.accept, b.count) }
  })
  router.post('/__control/seed-users', async (ctx) => {
    const b = await body(ctx, ControlBodies.seedUsers)
    if (!b) return
    for (const openid of b.openids) {
      state.recordLogin(openid)
      if (b.templateId) state.grant(openid, b.templateId, true, b.grants ?? 1)
    }
    ctx.body = { seeded: b.openids.length }
  })
  router.get('/__control/message-count', (ctx) => {
    ctx.body = {
      count: state.messages.length,
      distinctUsers: new Set(state.messages.map((m) => m.toUser)).size,
    }
  })
  router.post('/__control/templates', async (ctx) => {
    const b = await body(ctx, ControlBodies.templates)
    if (!b) return
    state.templates.set(b.templateId, b.fields)
    ctx.body = { ok: true }
  })
  router.get('/__control/templates', (ctx) => {
    ctx.body = { templates: Object.fromEntries(state.templates) }
  })
  router.post('/__control/inject', async (ctx) => {
    const b = await body(ctx, ControlBodies.inject)
    if (!b) return
    state.inject({ ...b, endpoint: endpointName(b.endpoint)! })
    ctx.body = { ok: true }
  })
  router.post('/__control/expire-token', async (ctx) => {
    const b = await body(ctx, ControlBodies.expireToken)
    if (b) ctx.body = { spoiled: state.spoilCurrentToken(b.mode ?? 'expire') !== undefined }
  })
  router.get('/__control/messages', (ctx) => {
    const { toUser, templateId } = ctx.query
    ctx.body = {
      messages: state.messages.filter(
        (m) =>
          (typeof toUser !== 'string' || m.toUser === toUser) &&
          (typeof templateId !== 'string' || m.templateId === templateId),
      ),
    }
  })
  router.get('/__control/stats', (ctx) => {
    ctx.body = state.stats
  })
  router.post('/__control/config', async (ctx) => {
    const b = await body(ctx, ControlBodies.config)
    if (!b) return
    Object.assign(state.config, b)
    ctx.body = { ok: true }
  })
  router.post('/__control/new-day', (ctx) => {
    state.newDay()
    ctx.body = { ok: true }
  })
  router.post('/__control/reset', (ctx) => {
    state.reset()
    ctx.body = { ok: true }
  })
}
