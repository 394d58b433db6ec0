import type { AuditService } from '../audit/audit.service.js'
import type { Routers } from '../index.js'
import { CampaignEndpoints as E } from './campaigns.contract.js'
import type { CampaignService } from './campaigns.service.js'
import type { PushStats } from './campaigns.stats.js'

export function registerCampaignRoutes(
  { admin: r }: Routers,
  campaigns: CampaignService,
  stats: PushStats,
  audit: AuditService,
) {
  const push = { audience: 'admin', permission: 'push.manage' } as const
  r.endpoint(E.list, push, (ctx) => campaigns.list(ctx.state.input.query))
  r.endpoint(E.create, push, async (ctx) => {
    const c = await campaigns.create(ctx.state.input.body, ctx.state.user)
    await audit.record(ctx, {
      action: 'campaign.create',
      target: { type: 'campaign', id: c.id },
      fields: Object.keys(ctx.state.input.body),
    })
    return c
  })
  r.endpoint(E.get, push, (ctx) => campaigns.detail(ctx.state.input.params.id))
  r.endpoint(E.update, push, async (ctx) => {
    const c = await campaigns.update(ctx.state.input.params.id, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'campaign.update',
      target: { type: 'campaign', id: c.id },
      fields: Object.keys(ctx.state.input.body),
    })
    return c
  })
  r.endpoint(E.dryRun, { ...push, rateLimit: 'expensive' }, (ctx) =>
    campaigns.dryRun(ctx.state.input.params.id, ctx.state.input.query),
  )
  r.endpoint(E.send, push, async (ctx) => {
    const c = await campaigns.send(ctx.state.input.params.id, ctx.state.input.body.at)
    await audit.record(ctx, {
      action: c.status === 'scheduled' ? 'campaign.schedule' : 'campaign.send',
      target: { type: 'campaign', id: c.id },
    })
    return c
  })
  // Members WeChat refused for its daily quota (45009) or for being busy: sent again, once each.
  r.endpoint(E.resendFailed, push, async (ctx) => {
    const c = await campaigns.resendFailed(ctx.state.input.params.id)
    await audit.record(ctx, { action: 'campaign.resend', target: { type: 'campaign', id: c.id } })
    return c
  })
  r.endpoint(E.cancel, push, async (ctx) => {
    const c = await campaigns.cancel(ctx.state.input.params.id)
    await audit.record(ctx, { action: 'campaign.cancel', target: { type: 'campaign', id: c.id } })
    return c
  })

  const statsRead = { audience: 'admin', permission: 'stats.read' } as const
  r.endpoint(E.yearStats, statsRead, (ctx) => stats.year(ctx.state.input.query.year))
  r.endpoint(E.exportYearStats, { ...statsRead, rateLimit: 'expensive' }, async (ctx) => {
    const { year } = ctx.state.input.query
    const file = await stats.exportYear(year)
    await audit.record(ctx, { action: 'stats.export', target: { type: 'stats', id: `push-${year}` } })
    ctx.set(
      'Content-Disposition',
      `attachment; filename*=UTF-8''${encodeURIComponent(`专利信息推送统计-${year}.xlsx`)}`,
    )
    ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    return file
  })
}
