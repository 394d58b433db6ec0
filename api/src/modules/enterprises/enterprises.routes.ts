import type { MpPrincipal } from '../../platform/auth.js'
import type { AuditService } from '../audit/audit.service.js'
import type { FilesService } from '../files/files.service.js'
import type { Routers } from '../index.js'
import { EnterpriseEndpoints as E } from './enterprises.contract.js'
import { enterpriseErrors } from './enterprises.errors.js'
import type { EnterpriseService } from './enterprises.service.js'

export function registerEnterpriseRoutes(
  { mp, admin }: Routers,
  enterprises: EnterpriseService,
  audit: AuditService,
  files: Pick<FilesService, 'assertOwnedBy'>,
) {
  /** The caller's own upload (404 otherwise, as for a missing id), made as a licence (400 otherwise). */
  const licence = async (user: MpPrincipal, fileId: string) => {
    const file = await files.assertOwnedBy(fileId, user)
    if (file.purpose !== 'enterprise-licence') throw enterpriseErrors.licenceFileInvalid()
    return file
  }

  // The status tells the mini-program which way it went: 201 administrator, 202 join request awaiting review.
  mp.endpoint(E.bind, { audience: 'mp' }, async (ctx) => {
    const { body } = ctx.state.input
    const file = body.licenceFileId ? await licence(ctx.state.user, body.licenceFileId) : undefined
    const result = await enterprises.bind(ctx.state.user, body, file)
    ctx.status = result.membership.status === 'active' ? 201 : 202
    return result
  })
  mp.endpoint(E.mine, { audience: 'mp' }, (ctx) => enterprises.mine(ctx.state.user))
  // An unverified administrator may (re)submit; everything done in the enterprise's name waits for it.
  mp.endpoint(E.submitVerification, { audience: 'mp', enterprise: 'admin' }, async (ctx) =>
    enterprises.submitVerification(
      ctx.state.user,
      await licence(ctx.state.user, ctx.state.input.body.licenceFileId),
    ),
  )
  const verifiedAdmin = { audience: 'mp', enterprise: 'verified-admin' } as const
  mp.endpoint(E.members, verifiedAdmin, async (ctx) => ({
    items: await enterprises.membersForEnterpriseAdmin(ctx.state.user),
  }))
  mp.endpoint(E.decideMember, verifiedAdmin, (ctx) =>
    enterprises.decideAsEnterpriseAdmin(
      ctx.state.user,
      ctx.state.input.params.memberId,
      ctx.state.input.body,
    ),
  )

  const reader = { audience: 'admin', permission: 'enterprise.read' } as const
  const manager = { audience: 'admin', permission: 'enterprise.manage' } as const
  admin.endpoint(E.list, reader, (ctx) => enterprises.list(ctx.state.input.query))
  admin.endpoint(E.detail, reader, async (ctx) => {
    const { fullPii, ...detail } = await enterprises.detail(ctx.state.input.params.id, ctx.state.user)
    if (fullPii && detail.members.some((m) => m.phone))
      await audit.record(ctx, {
        action: 'pii.view',
        target: { type: 'enterprise', id: detail.id },
        fields: ['phone'],
      })
    return detail
  })
  admin.endpoint(E.joinRequests, reader, (ctx) => enterprises.joinRequests(ctx.state.input.query))
  admin.endpoint(E.decideJoinRequest, manager, async (ctx) => {
    const { id, memberId } = ctx.state.input.params
    const member = await enterprises.decide(
      { kind: 'admin', id: ctx.state.user.id },
      id,
      memberId,
      ctx.state.input.body,
    )
    await audit.record(ctx, {
      action: `enterprise.member.${ctx.state.input.body.decision}`,
      target: { type: 'membership', id: memberId },
      fields: ['status'],
    })
    return member
  })

  // The queue holds the applicants' licences, readable with enterprise.manage only: the same permission lists it.
  admin.endpoint(E.verifications, manager, (ctx) => enterprises.verifications(ctx.state.input.query))
  admin.endpoint(E.decideVerification, manager, async (ctx) => {
    const { body } = ctx.state.input
    const row = await enterprises.decideVerification(ctx.state.user, ctx.state.input.params.id, body)
    await audit.record(ctx, {
      action: `enterprise.verification.${body.decision}`,
      target: { type: 'enterprise', id: row.enterprise.id },
      fields: body.decision === 'reject' ? ['verificationStatus', 'reason'] : ['verificationStatus'],
    })
    return row
  })
}
