import type { AuditService } from '../audit/audit.service.js'
import { IdParams } from '../common.contract.js'
import type { Routers } from '../index.js'
import {
  CampaignCreate,
  CampaignListQuery,
  CampaignSend,
  CampaignUpdate,
  DryRunQuery,
  YearQuery,
} from './campaigns.contract.js'
import type { CampaignService } from './campaigns.service.js'
import type { PushStats } from './campaigns.stats.js'

export function registerCampaignRoutes(
  { admin: r }: Routers,
  campaigns: CampaignService,
  stats: PushStats,
  audit: AuditService,
) {
  r.admin('get', '/campaigns', 'push.manage', { schemas: { query: CampaignListQuery } }, (ctx) =>
    campaigns.list(ctx.state.input.query),
  )
  r.admin('post', '/campaigns', 'push.manage', { schemas: { body: CampaignCreate } }, async (ctx) => {
    const c = await campaigns.create(ctx.state.input.body, ctx.state.user)
    await audit.record(ctx, {
      action: 'campaign.create',
      target: { type: 'campaign', id: c.id },
      fields: Object.keys(ctx.state.input.body),
    })
    ctx.status = 201
    return c
  })
  r.admin('get', '/campaigns/:id', 'push.manage', { schemas: { params: IdParams } }, (ctx) =>
    campaigns.detail(ctx.state.input.params.id),
  )
  r.admin(
    'patch',
    '/campaigns/:id',
    'push.manage',
    { schemas: { params: IdParams, body: CampaignUpdate } },
    async (ctx) => {
      const c = await campaigns.update(ctx.state.input.params.id, ctx.state.input.body)
      await audit.record(ctx, {
        action: 'campaign.update',
        target: { type: 'campaign', id: c.id },
        fields: Object.keys(ctx.state.input.body),
      })
      return c
    },
  )
  r.admin(
    'get',
    '/campaigns/:id/dry-run',
    'push.manage',
    { schemas: { params: IdParams, query: DryRunQuery }, rateLimit: 'expensive' },
    (ctx) => campaigns.dryRun(ctx.state.input.params.id, ctx.state.input.query),
  )
  r.admin(
    'post',
    '/campaigns/:id/send',
    'push.manage',
    { schemas: { params: IdParams, body: CampaignSend } },
    async (ctx) => {
      const c = await campaigns.send(ctx.state.input.params.id, ctx.state.input.body.at)
      await audit.record(ctx, {
        action: c.status === 'scheduled' ? 'campaign.schedule' : 'campaign.send',
        target: { type: 'campaign', id: c.id },
      })
      ctx.status = 202
      return c
    },
  )
  // Members WeChat refused for its daily quota (45009) or for being busy: sent again, once each.
  r.admin(
    'post',
    '/campaigns/:id/resend-failed',
    'push.manage',
    { schemas: { params: IdParams } },
    async (ctx) => {
      const c = await campaigns.resendFailed(ctx.state.input.params.id)
      await audit.record(ctx, { action: 'campaign.resend', target: { type: 'campaign', id: c.id } })
      ctx.status = 202
      return c
    },
  )
  r.admin('post', '/campaigns/:id/cancel', 'push.manage', { schemas: { params: IdParams } }, async (ctx) => {
    const c = await campaigns.cancel(ctx.state.input.params.id)
    await audit.record(ctx, { action: 'campaign.cancel', target: { type: 'campaign', id: c.id } })
    return c
  })

  r.admin('get', '/stats/push', 'stats.read', { schemas: { query: YearQuery } }, (ctx) =>
    stats.year(ctx.state.input.query.year),
  )
  r.admin(
    'get',
    '/stats/push/export',
    'stats.read',
    { schemas: { query: YearQuery }, rateLimit: 'expensive' },
    async (ctx) => {
      const { year } = ctx.state.input.query
      const file = await stats.exportYear(year)
      await audit.record(ctx, { action: 'stats.export', target: { type: 'stats', id: `push-${year}` } })
      ctx.set(
        'Content-Disposition',
        `attachment; filename*=UTF-8''${encodeURIComponent(`专利信息推送统计-${year}.xlsx`)}`,
      )
      ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
      return file
    },
  )
}
