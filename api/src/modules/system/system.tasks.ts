import { z } from 'zod'
import type { Core } from '../../platform/modules.js'
import { defineTask } from '../../platform/tasks.js'

export const SYSTEM_QUEUE = 'system'

export function heartbeatKey(prefix: string) {
  return `${prefix}:worker:heartbeat`
}

/** A trivial repeatable job proving a worker is consuming: it records a heartbeat the operator can read in Redis. */
export const HeartbeatTask = defineTask({
  queue: SYSTEM_QUEUE,
  name: 'health',
  payload: z.object({ requestedAt: z.string().default('schedule') }),
  repeat: { every: 30_000 },
  options: { attempts: 1, removeOnComplete: 100, jobId: 'heartbeat' },
  async perform(d: Pick<Core, 'redis' | 'config'>, p) {
    const at = new Date().toISOString()
    await d.redis.set(
      heartbeatKey(d.config.redis.prefix),
      JSON.stringify({ pid: process.pid, at }),
      'EX',
      120,
    )
    return { ok: true, pid: process.pid, requestedAt: p.requestedAt, at }
  },
  // A missed heartbeat is the signal itself: nothing to finish.
  onFailed: async () => {},
})
