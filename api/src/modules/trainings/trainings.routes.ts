import type { Routers, Services } from '../../platform/modules.js'
import { XLSX_MIME } from '../files/files.contract.js'
import { contentDisposition } from '../files/files.routes.js'
import { TrainingsEndpoints as E } from './trainings.contract.js'
import { trainingsErrors } from './trainings.errors.js'
import type { TrainingsServices } from './trainings.module.js'

/** Console routes need `training.manage`; mini-program routes act for the caller only. */
export function registerTrainingsRoutes(
  { mp, admin }: Routers,
  { trainings: service, attendance, certificates, reports }: TrainingsServices,
  { audit, campaigns }: Pick<Services, 'audit' | 'campaigns'>,
) {
  const staff = { audience: 'admin', permission: 'training.manage' } as const
  const me = { audience: 'mp' } as const

  // ── console ──
  admin.endpoint(E.list, staff, (ctx) => service.list(ctx.state.input.query))
  admin.endpoint(E.create, staff, async (ctx) => {
    const t = await service.create(ctx.state.input.body, ctx.state.user)
    await audit.record(ctx, { action: 'training.create', target: { type: 'training', id: t.id } })
    return t
  })
  admin.endpoint(E.get, staff, (ctx) => service.get(ctx.state.input.params.id))
  admin.endpoint(E.publish, staff, async (ctx) => {
    const { invite } = ctx.state.input.body
    // The invitation is a push campaign: it needs push.manage, checked before anything is written.
    if (invite && !ctx.state.user.permissions.has('push.manage')) throw trainingsErrors.invitePermission()
    const t = await service.publish(ctx.state.input.params.id)
    await audit.record(ctx, {
      action: 'training.publish',
      target: { type: 'training', id: t.id },
      fields: ['status'],
    })
    if (!invite) return t
    // A draft campaign about the training, targeted as the training is: the console opens the campaign's
    // own wizard on it (dry run, schedule, send).
    const c = await campaigns.campaigns.create(
      { name: `培训邀请：${t.title}`.slice(0, 60), content: { kind: 'training', id: t.id } },
      ctx.state.user,
    )
    await audit.record(ctx, { action: 'campaign.create', target: { type: 'campaign', id: c.id } })
    return service.linkCampaign(t.id, c.id)
  })
  admin.endpoint(E.update, staff, async (ctx) => {
    const { body } = ctx.state.input
    const t = await service.update(ctx.state.input.params.id, body)
    await audit.record(ctx, {
      action: 'training.update',
      target: { type: 'training', id: t.id },
      fields: Object.keys(body),
    })
    return t
  })
  admin.endpoint(E.cancelTraining, staff, async (ctx) => {
    const t = await service.cancelTraining(ctx.state.input.params.id, ctx.state.input.body)
    await audit.record(ctx, {
      action: 'training.cancel',
      target: { type: 'training', id: t.id },
      fields: ['status'],
    })
    return t
  })
  admin.endpoint(E.registrations, staff, (ctx) =>
    service.registrations(ctx.state.input.params.id, ctx.state.input.query),
  )
  admin.endpoint(E.admit, staff, async (ctx) => {
    const { id, registrationId } = ctx.state.input.params
    const r = await service.admit(id, registrationId, ctx.state.user, ctx.state.input.body.reason)
    await audit.record(ctx, {
      action: 'training.registration.admit',
      target: { type: 'training_registration', id: r.id },
      fields: ['status'],
    })
    return r
  })

  admin.endpoint(E.checkinCode, staff, (ctx) => {
    const { id, sessionId } = ctx.state.input.params
    return attendance.code(id, sessionId, ctx.state.input.query.mode)
  })
  admin.endpoint(E.manualCheck, staff, async (ctx) => {
    const { id, sessionId } = ctx.state.input.params
    const checkIn = ctx.state.input.body.mode === 'in'
    const a = await attendance.manual(id, sessionId, ctx.state.input.body, ctx.state.user)
    await audit.record(ctx, {
      action: checkIn ? 'training.checkin.manual' : 'training.checkout.manual',
      target: { type: 'training_registration', id: a.registrationId },
      fields: checkIn ? ['checkedInAt'] : ['checkedOutAt'],
    })
    return a
  })
  admin.endpoint(E.feedbackSummary, staff, (ctx) => reports.feedbackSummary(ctx.state.input.params.id))
  admin.endpoint(E.stats, staff, (ctx) => reports.trainingStats(ctx.state.input.params.id))
  admin.endpoint(E.yearStats, staff, (ctx) => reports.yearStats(ctx.state.input.query.year))
  admin.endpoint(E.exportAttendance, { ...staff, rateLimit: 'expensive' }, async (ctx) => {
    const { stream, fileName } = await reports.exportAttendance(ctx.state.input.params.id)
    // Recorded before a byte leaves: registrants' names.
    try {
      await audit.record(ctx, {
        action: 'training.attendance.export',
        target: { type: 'training', id: ctx.state.input.params.id },
        fields: ['name', 'phone'],
      })
    } catch (err) {
      stream.destroy()
      throw err
    }
    ctx.type = XLSX_MIME
    ctx.set({ 'Content-Disposition': contentDisposition(fileName), 'Cache-Control': 'private, no-store' })
    return stream
  })

  // ── mini-program ──
  mp.endpoint(E.mpList, me, (ctx) => service.mpList(ctx.state.user, ctx.state.input.query))
  mp.endpoint(E.mpGet, me, (ctx) => service.mpGet(ctx.state.user, ctx.state.input.params.id))
  mp.endpoint(E.register, me, (ctx) =>
    service.register(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body),
  )
  mp.endpoint(E.cancel, me, (ctx) => service.cancel(ctx.state.user, ctx.state.input.params.id))
  mp.endpoint(E.accept, me, (ctx) => service.accept(ctx.state.user, ctx.state.input.params.id))
  mp.endpoint(E.decline, me, (ctx) => service.decline(ctx.state.user, ctx.state.input.params.id))
  mp.endpoint(E.checkin, me, (ctx) => attendance.scan(ctx.state.user, ctx.state.input.body.token))
  mp.endpoint(E.certificate, { ...me, rateLimit: 'expensive' }, async (ctx) => {
    const { body, fileName } = await certificates.pdf(ctx.state.user, ctx.state.input.params.id)
    ctx.type = 'application/pdf'
    ctx.set({ 'Content-Disposition': contentDisposition(fileName), 'Cache-Control': 'private, no-store' })
    return body
  })
  mp.endpoint(E.feedback, me, (ctx) =>
    reports.feedback(ctx.state.user, ctx.state.input.params.id, ctx.state.input.body),
  )
  // The same, as the page the certificate's QR code opens (at /v/:code): a 404 page for an unknown code.
  mp.endpoint(E.verifyCertificatePage, { audience: 'public', rateLimit: 'codeExchange' }, async (ctx) => {
    const { status, html } = await certificates.page(ctx.state.input.params.code)
    ctx.status = status
    ctx.type = 'text/html; charset=utf-8'
    ctx.set('Cache-Control', 'no-store')
    return Buffer.from(html)
  })
  mp.endpoint(E.myHours, me, (ctx) => certificates.hours(ctx.state.user, ctx.state.input.query.year))
  // Public: whoever holds the paper scans its QR code; the page shows the name masked.
  mp.endpoint(E.verifyCertificate, { audience: 'public', rateLimit: 'codeExchange' }, (ctx) =>
    certificates.verify(ctx.state.input.params.code),
  )
}
