import type { Routers, Services } from '../../platform/modules.js'
import type { ClaimsServices } from './claims.module.js'
import { ClaimPaymentEndpoints as E } from './claims.payments.contract.js'

/** 公示 is the reviewers' (claim.review); batches, transfer files and bank results are finance's (claim.pay). */
/** A download's name, UTF-8 (Chinese) as RFC 6266 allows. */
const download = (name: string) => ({
  'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
  'Cache-Control': 'private, no-store',
})

export function registerClaimPaymentRoutes(
  { admin }: Routers,
  { payments }: ClaimsServices,
  services: Services,
) {
  const { audit, files } = services
  const reviewer = { audience: 'admin', permission: 'claim.review' } as const
  const finance = { audience: 'admin', permission: 'claim.pay' } as const

  admin.endpoint(E.noticePublish, reviewer, async (ctx) => {
    const notice = await payments.publishNotice(ctx.state.user, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'claim.notice.publish',
      target: { type: 'claim_notice', id: notice.id },
      fields: ['status'],
    })
    return notice
  })
  admin.endpoint(E.noticeList, reviewer, (ctx) => payments.listNotices(ctx.state.input.query))
  admin.endpoint(E.noticeDetail, reviewer, (ctx) => payments.noticeDetail(ctx.state.input.params.id))

  admin.endpoint(E.batchCreate, finance, async (ctx) => {
    const batch = await payments.createBatch(ctx.state.user, ctx.state.input.body)
    await audit.record(ctx, { action: 'claim.batch.create', target: { type: 'claim_batch', id: batch.id } })
    return batch
  })
  admin.endpoint(E.batchList, finance, (ctx) => payments.listBatches(ctx.state.input.query))
  admin.endpoint(E.batchDetail, finance, (ctx) => payments.batchDetail(ctx.state.input.params.id))
  admin.endpoint(E.batchClaims, finance, (ctx) =>
    payments.batchClaims(ctx.state.input.params.id, ctx.state.input.query),
  )
  // Account numbers go in full only to pii.read holders, and that view is audited before a byte is sent.
  admin.endpoint(E.batchTransferFile, { ...finance, rateLimit: 'expensive' }, async (ctx) => {
    const { id } = ctx.state.input.params
    const fullPii = ctx.state.user.permissions.has('pii.read')
    const file = await payments.transferFile(id, fullPii)
    try {
      await audit.record(ctx, {
        action: 'claim.batch.export',
        target: { type: 'claim_batch', id },
        fields: fullPii ? ['accountNo'] : [],
      })
      if (fullPii)
        await audit.record(ctx, {
          action: 'pii.view',
          target: { type: 'claim_batch', id },
          fields: ['accountNo'],
        })
    } catch (err) {
      file.stream.destroy()
      throw err
    }
    ctx.set(download(file.fileName))
    ctx.type = file.mime
    return file.stream
  })
  admin.endpoint(E.batchResultTemplate, finance, async (ctx) => {
    const file = await payments.resultTemplate(ctx.state.input.params.id)
    ctx.set(download(file.fileName))
    ctx.type = file.mime
    return file.data
  })
  admin.endpoint(E.batchImportResults, finance, async (ctx) => {
    const { params, body } = ctx.state.input
    const imported = await payments.importResults(ctx.state.user, params.id, body.fileId, files)
    await audit.record(ctx, {
      action: 'claim.batch.import',
      target: { type: 'claim_batch', id: params.id },
      fields: ['fileId'],
    })
    return imported
  })
  admin.endpoint(E.batchImportDetail, finance, (ctx) =>
    payments.importDetail(ctx.state.input.params.id, ctx.state.input.params.importId, ctx.state.input.query),
  )
  admin.endpoint(E.batchClose, finance, async (ctx) => {
    const batch = await payments.closeBatch(ctx.state.user, ctx.state.input.params.id)
    await audit.record(ctx, {
      action: 'claim.batch.close',
      target: { type: 'claim_batch', id: batch.id },
      fields: ['status'],
    })
    return batch
  })
}
