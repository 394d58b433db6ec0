import type { Queue } from 'bull'
import { z } from 'zod'
import { defineTask } from '../../platform/tasks.js'
import type { ContentScheduler } from './content.service.js'

export const CONTENT_QUEUE = 'content'

/** What the content tasks need: the one function that publishes whatever is due. */
export interface ContentTaskDeps {
  publishDue(now?: Date): Promise<unknown>
}

/**
 * The jobs this domain enqueues, both answered by `publishDue(now)`. A publish job's id names the item and
 * the time, so a reschedule adds a new job and the stale one, finding nothing due, does nothing. The sweep
 * is the safety net for a lost enqueue (Redis down while scheduling).
 */
export const PublishJob = {
  ...defineTask({
    queue: CONTENT_QUEUE,
    name: 'content.publish',
    payload: z.object({ kind: z.enum(['announcement', 'patent']), id: z.string(), at: z.number().int() }),
    options: { attempts: 5, backoff: { type: 'exponential', delay: 2_000 } },
    perform: (d: ContentTaskDeps) => d.publishDue(new Date()),
    // The sweep publishes it a minute later at the latest: nothing is left scheduled in the past.
    onFailed: async () => {},
  }),
  id: (kind: string, id: string, at: Date) => `publish:${kind}:${id}:${at.getTime()}`,
}

export const SweepJob = defineTask({
  queue: CONTENT_QUEUE,
  name: 'content.sweep',
  payload: z.object({}),
  repeat: { every: 60_000 },
  options: { attempts: 1, jobId: 'content-sweep' },
  perform: (d: ContentTaskDeps) => d.publishDue(new Date()),
  // The next run sweeps again.
  onFailed: async () => {},
})

export const CONTENT_TASKS = [PublishJob, SweepJob] as const

/** The scheduler the content service is given, on a bull queue the worker consumes. */
export function queueScheduler(queue: Pick<Queue, 'add'>): ContentScheduler {
  return {
    async schedulePublish(kind, id, at) {
      const delay = Math.max(0, at.getTime() - Date.now())
      await queue.add(PublishJob.name, PublishJob.payload.parse({ kind, id, at: at.getTime() }), {
        ...PublishJob.options,
        delay,
        jobId: PublishJob.id(kind, id, at),
      })
    },
  }
}
