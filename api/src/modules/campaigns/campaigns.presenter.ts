import type { PushCategoryValue } from '../interests/interests.contract.js'
import type { CampaignOutput } from './campaigns.contract.js'
import type { BatchResultDoc, CampaignDoc } from './campaigns.model.js'
import { iso } from '../../platform/time.js'

/**
 * Sums written batch results: each batch counts once, however often it ran, and a resend batch holds the
 * changes to its members' earlier outcomes. While a resend runs, the percentage is the resend's.
 */
export function progressOf(
  c: Pick<CampaignDoc, 'plan' | 'status' | 'resend'>,
  results: BatchResultDoc[],
  engagement: { read: number; clicked: number },
) {
  const p = {
    processed: 0,
    wechatSent: 0,
    wechatFailed: 0,
    inboxOnly: 0,
    failedByErrcode: {} as Record<string, number>,
  }
  for (const r of results) {
    p.processed += r.processed
    p.wechatSent += r.wechatSent
    p.wechatFailed += r.wechatFailed
    p.inboxOnly += r.inboxOnly
    for (const [code, n] of Object.entries(r.failedByErrcode ?? {}))
      p.failedByErrcode[code] = (p.failedByErrcode[code] ?? 0) + n
  }
  for (const [code, n] of Object.entries(p.failedByErrcode)) if (!n) delete p.failedByErrcode[code]
  const total = c.plan?.members ?? 0
  const resending = c.status === 'sending' && c.resend && !c.resend.finishedAt
  const [done, of] = resending ? [resentOf(c, results), c.resend!.members] : [p.processed, total]
  const percent = c.status === 'done' ? 100 : of ? Math.floor((done / of) * 1000) / 10 : 0
  return { total, ...p, ...engagement, percent }
}

const resentOf = (c: Pick<CampaignDoc, 'resend'>, results: BatchResultDoc[]) =>
  results.reduce((n, r) => n + (c.resend && r.round === c.resend.round ? (r.resent ?? 0) : 0), 0)

export function presentCampaign(
  c: CampaignDoc,
  results: BatchResultDoc[],
  engagement: { read: number; clicked: number },
  resendable = 0,
): CampaignOutput {
  return {
    id: c._id.toHexString(),
    name: c.name,
    content: {
      kind: c.content.kind,
      id: c.content.id.toHexString(),
      title: c.content.title,
      category: c.content.category as PushCategoryValue,
    },
    targeting: c.targeting,
    templateId: c.templateId,
    status: c.status,
    scheduledAt: iso(c.scheduledAt),
    startedAt: iso(c.startedAt),
    finishedAt: iso(c.finishedAt),
    plan: c.plan ?? null,
    progress: progressOf(c, results, engagement),
    failureReason: c.failure?.reason ?? null,
    resendable,
    resend: c.resend
      ? {
          round: c.resend.round,
          members: c.resend.members,
          processed: resentOf(c, results),
          startedAt: iso(c.resend.startedAt),
          finishedAt: iso(c.resend.finishedAt),
        }
      : null,
    createdAt: iso(c.createdAt),
  }
}
