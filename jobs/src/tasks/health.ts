import type { Job } from 'bull'
import type { Redis } from 'ioredis'
import { z } from 'zod'

/** A trivial job proving a worker is consuming: it records a heartbeat the operator can read in Redis. */
export const HealthPayload = z.object({ requestedAt: z.string() })
export const name = 'health'
export const options = { attempts: 1, removeOnComplete: 100 }

export function heartbeatKey(prefix: string) {
  return `${prefix}:worker:heartbeat`
}

export async function process(job: Job, redis: Redis, prefix: string) {
  const payload = HealthPayload.parse(job.data)
  const at = new Date().toISOString()
  await redis.set(heartbeatKey(prefix), JSON.stringify({ pid: globalThis.process.pid, at }), 'EX', 120)
  return { ok: true, pid: globalThis.process.pid, requestedAt: payload.requestedAt, at }
}
