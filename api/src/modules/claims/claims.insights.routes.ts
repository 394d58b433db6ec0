import type { Routers, Services } from '../../platform/modules.js'
import { XLSX_MIME } from '../files/files.contract.js'
import { contentDisposition } from '../files/files.routes.js'
import { ClaimInsightEndpoints as E } from './claims.insights.contract.js'
import type { ClaimsServices } from './claims.module.js'

/**
 * 免申即享, the pre-check, statistics and the export. `/admin/v1/claims/stats` and `/export` are registered
 * before the core's `/admin/v1/claims/:id` (claims.module.ts), which would otherwise take them as ids.
 */
export function registerClaimInsightRoutes({ mp, admin }: Routers, s: ClaimsServices, services: Services) {
  const { insights } = s
  const { audit, files } = services
  const reviewer = { audience: 'admin', permission: 'claim.review' } as const

  admin.endpoint(E.passListImport, { ...reviewer, rateLimit: 'expensive' }, async (ctx) => {
    const list = await insights.importPassList(ctx.state.user, ctx.state.input.body.fileId, files)
    await audit.record(ctx, {
      action: 'claim.pass_list.import',
      target: { type: 'claim_pass_list', id: list.id },
      fields: ['name', 'idNumber'],
    })
    return list
  })
  admin.endpoint(E.passLists, reviewer, (ctx) => insights.passLists(ctx.state.input.query))
  admin.endpoint(E.statsYear, reviewer, (ctx) => insights.stats(ctx.state.input.query.year))
  admin.endpoint(E.exportClaims, { ...reviewer, rateLimit: 'expensive' }, async (ctx) => {
    // Recorded before a byte leaves: names and masked ID numbers of every claim the filters select.
    await audit.record(ctx, {
      action: 'claim.export',
      target: { type: 'claim', id: null },
      fields: ['name', 'idNumber'],
    })
    const { stream, fileName } = insights.exportClaims(ctx.state.input.query)
    ctx.type = XLSX_MIME
    ctx.set({ 'Content-Disposition': contentDisposition(fileName), 'Cache-Control': 'private, no-store' })
    return stream
  })

  const me = { audience: 'mp' } as const
  mp.endpoint(E.invitationIdentity, me, (ctx) => insights.saveIdentity(ctx.state.user, ctx.state.input.body))
  mp.endpoint(E.invitationIdentityMine, me, (ctx) => insights.identity(ctx.state.user))
  mp.endpoint(E.invitations, me, (ctx) => insights.invitations(ctx.state.user))
  mp.endpoint(E.invitationAccept, me, (ctx) =>
    insights.accept(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body),
  )
  mp.endpoint(E.eligibility, me, (ctx) => insights.eligibility(ctx.state.user, ctx.state.input.body))
}
