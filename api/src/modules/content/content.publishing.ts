import { AppError } from '../../platform/errors.js'
import { transition } from '../../platform/transitions.js'
import { ContentMachine, type ContentKindOutput } from './content.contract.js'
import { ContentModel, type ContentDoc } from './content.model.js'

/** Enqueues the delayed job that calls `publishDue` at `at`; a stale job (after a reschedule) finds nothing to do. */
export interface ContentScheduler {
  schedulePublish(kind: ContentKindOutput, id: string, at: Date): Promise<void>
}

/**
 * The publishing job's work: publishes every scheduled item whose time has come. Idempotent: each item is
 * moved by `transition()` guarded by the time it was due, so overlapping runs (several workers, a stale
 * delayed job) publish it once, and an item rescheduled or withdrawn meanwhile is left alone.
 */
export async function publishDue(now: Date = new Date()): Promise<{ kind: ContentKindOutput; id: string }[]> {
  const published: { kind: ContentKindOutput; id: string }[] = []
  for (;;) {
    const due = await ContentModel.find(
      { status: 'scheduled', publishAt: { $lte: now } },
      { kind: 1, publishAt: 1, publishedAt: 1 },
    )
      .sort({ publishAt: 1 })
      .limit(200)
      .lean<Pick<ContentDoc, '_id' | 'kind' | 'publishAt' | 'publishedAt'>[]>()
    let moved = 0
    for (const c of due) {
      const next = await transition(
        ContentModel,
        ContentMachine,
        'publishDue',
        { _id: c._id },
        { $set: { publishedAt: c.publishedAt ?? c.publishAt, publishAt: null, withdrawnAt: null } },
        { guard: { publishAt: c.publishAt } },
      ).catch(movedMeanwhile)
      if (next) {
        moved++
        published.push({ kind: c.kind, id: c._id.toHexString() })
      }
    }
    if (due.length < 200 || moved === 0) return published
  }
}

/** Another run published it, or an editor moved or deleted it: nothing to do. */
function movedMeanwhile(err: unknown) {
  if (err instanceof AppError && (err.status === 409 || err.status === 404)) return undefined
  throw err
}
