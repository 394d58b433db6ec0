import type { PushCategoryValue } from '../interests/interests.contract.js'
import type { CampaignOutput } from './campaigns.contract.js'
import type { BatchResultDoc, CampaignDoc } from './campaigns.model.js'

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)

/** Sums written batch results: each batch counts once, however often it ran. */
export function progressOf(
  c: Pick<CampaignDoc, 'plan' | 'status'>,
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
  const total = c.plan?.members ?? 0
  const percent = c.status === 'done' ? 100 : total ? Math.floor((p.processed / total) * 1000) / 10 : 0
  return { total, ...p, ...engagement, percent }
}

export function presentCampaign(
  c: CampaignDoc,
  results: BatchResultDoc[],
  engagement: { read: number; clicked: number },
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
    createdAt: c.createdAt.toISOString(),
  }
}
