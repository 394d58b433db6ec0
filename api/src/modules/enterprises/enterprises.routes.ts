import { z } from 'zod'
import type { MpPrincipal } from '../../platform/auth.js'
import type { AuditService } from '../audit/audit.service.js'
import { IdParams, ObjectIdString } from '../common.contract.js'
import type { FilesService } from '../files/files.service.js'
import type { Routers } from '../index.js'
import {
  EnterpriseBind,
  EnterpriseListQuery,
  JoinRequestQuery,
  MemberDecision,
  MemberParams,
  VerificationDecision,
  VerificationQuery,
  VerificationSubmit,
} from './enterprises.contract.js'
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

  mp.mp('post', '/enterprise/bind', { schemas: { body: EnterpriseBind } }, async (ctx) => {
    const { body } = ctx.state.input
    const file = body.licenceFileId ? await licence(ctx.state.user, body.licenceFileId) : undefined
    const result = await enterprises.bind(ctx.state.user, body, file)
    ctx.status = result.membership.status === 'active' ? 201 : 202
    return result
  })
  mp.mp('get', '/enterprise', {}, (ctx) => enterprises.mine(ctx.state.user))
  // An unverified administrator may (re)submit; everything done in the enterprise's name waits for it.
  mp.mp(
    'post',
    '/enterprise/verification',
    { schemas: { body: VerificationSubmit }, enterprise: 'admin' },
    async (ctx) =>
      enterprises.submitVerification(
        ctx.state.user,
        await licence(ctx.state.user, ctx.state.input.body.licenceFileId),
      ),
  )
  mp.mp('get', '/enterprise/members', { enterprise: 'verified-admin' }, async (ctx) => ({
    items: await enterprises.membersForEnterpriseAdmin(ctx.state.user),
  }))
  mp.mp(
    'post',
    '/enterprise/members/:memberId/decision',
    {
      schemas: { params: z.object({ memberId: ObjectIdString }), body: MemberDecision },
      enterprise: 'verified-admin',
    },
    (ctx) =>
      enterprises.decideAsEnterpriseAdmin(
        ctx.state.user,
        ctx.state.input.params.memberId,
        ctx.state.input.body,
      ),
  )

  admin.admin('get', '/enterprises', 'enterprise.read', { schemas: { query: EnterpriseListQuery } }, (ctx) =>
    enterprises.list(ctx.state.input.query),
  )
  admin.admin(
    'get',
    '/enterprises/:id',
    'enterprise.read',
    { schemas: { params: IdParams } },
    async (ctx) => {
      const { fullPii, ...detail } = await enterprises.detail(ctx.state.input.params.id, ctx.state.user)
      if (fullPii && detail.members.some((m) => m.phone))
        await audit.record(ctx, {
          action: 'pii.view',
          target: { type: 'enterprise', id: detail.id },
          fields: ['phone'],
        })
      return detail
    },
  )
  admin.admin('get', '/join-requests', 'enterprise.read', { schemas: { query: JoinRequestQuery } }, (ctx) =>
    enterprises.joinRequests(ctx.state.input.query),
  )
  admin.admin(
    'post',
    '/enterprises/:id/members/:memberId/decision',
    'enterprise.manage',
    { schemas: { params: MemberParams, body: MemberDecision } },
    async (ctx) => {
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
    },
  )

  // The queue holds the applicants' licences, readable with enterprise.manage only: the same permission lists it.
  admin.admin(
    'get',
    '/enterprise-verifications',
    'enterprise.manage',
    { schemas: { query: VerificationQuery } },
    (ctx) => enterprises.verifications(ctx.state.input.query),
  )
  admin.admin(
    'post',
    '/enterprises/:id/verification/decision',
    'enterprise.manage',
    { schemas: { params: IdParams, body: VerificationDecision } },
    async (ctx) => {
      const { body } = ctx.state.input
      const row = await enterprises.decideVerification(ctx.state.user, ctx.state.input.params.id, body)
      await audit.record(ctx, {
        action: `enterprise.verification.${body.decision}`,
        target: { type: 'enterprise', id: row.enterprise.id },
        fields: body.decision === 'reject' ? ['verificationStatus', 'reason'] : ['verificationStatus'],
      })
      return row
    },
  )
}
