import type { Queue } from 'bull'
import { z } from 'zod'
import type { ContentScheduler } from './content.service.js'

/**
 * The jobs this domain enqueues, both answered by `publishDue(now)`. A publish job's id names the item and
 * the time, so a reschedule adds a new job and the stale one, finding nothing due, does nothing. The sweep
 * is the safety net for a lost enqueue (Redis down while scheduling).
 */
export const PublishJob = {
  name: 'content.publish',
  payload: z.object({ kind: z.enum(['announcement', 'patent']), id: z.string(), at: z.number().int() }),
  id: (kind: string, id: string, at: Date) => `publish:${kind}:${id}:${at.getTime()}`,
  options: { attempts: 5, backoff: { type: 'exponential', delay: 2_000 } },
}

export const SweepJob = {
  name: 'content.sweep',
  everyMs: 60_000,
  options: { attempts: 1, jobId: 'content-sweep' },
}

/** The scheduler the content service is given, on a bull queue the worker consumes. */
export function queueScheduler(queue: Pick<Queue, 'add'>): ContentScheduler {
  return {
    async schedulePublish(kind, id, at) {
      const delay = Math.max(0, at.getTime() - Date.now())
      await queue.add(
        PublishJob.name,
        { kind, id, at: at.getTime() },
        { ...PublishJob.options, delay, jobId: PublishJob.id(kind, id, at) },
      )
    },
  }
}
