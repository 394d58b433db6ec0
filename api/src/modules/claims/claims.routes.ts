import type { Routers } from '../../platform/modules.js'
import type { AuditService } from '../audit/audit.service.js'
import type { FilesService } from '../files/files.service.js'
import { ClaimsEndpoints as E } from './claims.contract.js'
import { claimErrors } from './claims.errors.js'
import type { ClaimService } from './claims.service.js'

/** An Idempotency-Key: a client-made id (a UUID, say), 8 to 100 visible characters. */
const IDEM_KEY = /^[\x21-\x7e]{8,100}$/

export function registerClaimRoutes(
  { mp, admin }: Routers,
  claims: ClaimService,
  audit: AuditService,
  _files: Pick<FilesService, 'assertOwnedBy'>,
) {
  const me = { audience: 'mp' } as const
  mp.endpoint(E.mpPolicies, me, () => claims.mpPolicies())
  mp.endpoint(E.submit, me, async (ctx) => {
    const key = ctx.get('Idempotency-Key')
    if (!IDEM_KEY.test(key)) throw claimErrors.idempotencyKeyRequired()
    const { body } = ctx.state.input
    const { claim, replayed } = await claims.submit(ctx.state.user, body, key, body)
    if (replayed) ctx.set('Idempotent-Replayed', 'true')
    else
      await audit.record(ctx, {
        action: 'claim.submit',
        target: { type: 'claim', id: claim._id.toHexString() },
      })
    ctx.status = 201
    return claims.mineDetail(ctx.state.user, claim._id.toHexString())
  })
  mp.endpoint(E.mine, me, (ctx) => claims.mine(ctx.state.user))
  mp.endpoint(E.mineDetail, me, (ctx) => claims.mineDetail(ctx.state.user, ctx.state.input.params.id))
  // The applicant's own moves are audited like the console's, beside the claim's own history.
  mp.endpoint(E.resubmit, me, async (ctx) => {
    const claim = await claims.resubmit(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'claim.resubmit',
      target: { type: 'claim', id: claim.id },
      fields: ['status'],
    })
    return claim
  })
  mp.endpoint(E.withdraw, me, async (ctx) => {
    const claim = await claims.withdraw(ctx.state.user, ctx.state.input.params.id)
    await audit.record(ctx, {
      action: 'claim.withdraw',
      target: { type: 'claim', id: claim.id },
      fields: ['status'],
    })
    return claim
  })
  mp.endpoint(E.fixBank, me, async (ctx) => {
    const claim = await claims.fixBank(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'claim.bank.fix',
      target: { type: 'claim', id: claim.id },
      fields: ['bankAccount'],
    })
    return claim
  })

  const reviewer = { audience: 'admin', permission: 'claim.review' } as const
  // The policy page is the policy editor's; reviewers read a claim's budget on the claim itself.
  const policyEditor = { audience: 'admin', permission: 'claim.policy' } as const
  admin.endpoint(E.policies, policyEditor, () => claims.listPolicies())
  admin.endpoint(E.createPolicy, policyEditor, async (ctx) => {
    const p = await claims.createPolicy(ctx.state.input.body)
    await audit.record(ctx, { action: 'claim.policy.create', target: { type: 'claim_policy', id: p.id } })
    return p
  })
  admin.endpoint(E.updatePolicy, policyEditor, async (ctx) => {
    const p = await claims.updatePolicy(ctx.state.input.params.id, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'claim.policy.update',
      target: { type: 'claim_policy', id: p.id },
      fields: Object.keys(ctx.state.input.body),
    })
    return p
  })

  admin.endpoint(E.list, reviewer, (ctx) => claims.list(ctx.state.input.query))
  admin.endpoint(E.detail, reviewer, async (ctx) => {
    const { claim, fullPii } = await claims.detail(ctx.state.input.params.id, ctx.state.user)
    if (fullPii)
      await audit.record(ctx, {
        action: 'pii.view',
        target: { type: 'claim', id: claim.id },
        fields: ['idNumber', 'phone', 'accountNo'],
      })
    return claim
  })
  admin.endpoint(E.decide, reviewer, async (ctx) => {
    const { body, params } = ctx.state.input
    const claim = await claims.decide(ctx.state.user, params.id, body)
    const action =
      body.decision === 'approve'
        ? claim.status === 'approved'
          ? 'claim.approve'
          : 'claim.first_approve'
        : (`claim.${body.decision}` as const)
    const fields = ['status']
    if (body.decision === 'return') fields.push('correction')
    if (body.reason) fields.push('reason')
    await audit.record(ctx, { action, target: { type: 'claim', id: claim.id }, fields })
    if (claim.piiRevealed)
      await audit.record(ctx, {
        action: 'pii.view',
        target: { type: 'claim', id: claim.id },
        fields: ['idNumber', 'phone', 'accountNo'],
      })
    return claim
  })
  admin.endpoint(E.object, reviewer, async (ctx) => {
    const claim = await claims.object(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body.reason)
    await audit.record(ctx, {
      action: 'claim.objection',
      target: { type: 'claim', id: claim.id },
      fields: ['status', 'reason'],
    })
    if (claim.piiRevealed)
      await audit.record(ctx, {
        action: 'pii.view',
        target: { type: 'claim', id: claim.id },
        fields: ['idNumber', 'phone', 'accountNo'],
      })
    return claim
  })
}
