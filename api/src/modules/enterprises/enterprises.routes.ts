import type { AuditService } from '../audit/audit.service.js'
import { IdParams, ObjectIdString } from '../common.contract.js'
import type { Routers } from '../index.js'
import {
  EnterpriseBind,
  EnterpriseListQuery,
  JoinRequestQuery,
  MemberDecision,
  MemberParams,
} from './enterprises.contract.js'
import type { EnterpriseService } from './enterprises.service.js'
import { z } from 'zod'

export function registerEnterpriseRoutes(
  { mp, admin }: Routers,
  enterprises: EnterpriseService,
  audit: AuditService,
) {
  mp.mp('post', '/enterprise/bind', { schemas: { body: EnterpriseBind } }, async (ctx) => {
    const result = await enterprises.bind(ctx.state.user, ctx.state.input.body)
    ctx.status = result.membership.status === 'active' ? 201 : 202
    return result
  })
  mp.mp('get', '/enterprise', {}, (ctx) => enterprises.mine(ctx.state.user))
  mp.mp('get', '/enterprise/members', { enterprise: 'admin' }, async (ctx) => ({
    items: await enterprises.membersForEnterpriseAdmin(ctx.state.user),
  }))
  mp.mp(
    'post',
    '/enterprise/members/:memberId/decision',
    {
      schemas: { params: z.object({ memberId: ObjectIdString }), body: MemberDecision },
      enterprise: 'admin',
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
}
