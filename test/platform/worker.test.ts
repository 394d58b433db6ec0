import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import pino from 'pino'
import { describe, expect, inject, it } from 'vitest'
import { openQueue, QUEUES } from '@zct/jobs/queues'
import { heartbeatKey } from '@zct/jobs/tasks/health'
import { startWorker } from '@zct/jobs/worker'

describe('worker', () => {
  it('consumes a health job and records a heartbeat', async () => {
    const redisUrl = inject('redisUrl')
    const prefix = `test:${randomBytes(4).toString('hex')}`
    const worker = await startWorker({ redisUrl, prefix, log: pino({ level: 'silent' }) })
    const queue = openQueue(QUEUES.system, redisUrl, prefix)
    const redis = new Redis(redisUrl)
    try {
      const job = await queue.add('health', { requestedAt: 'test' }, { attempts: 1 })
      const result = await job.finished()
      expect(result).toMatchObject({ ok: true, requestedAt: 'test', pid: process.pid })
      const beat = JSON.parse((await redis.get(heartbeatKey(prefix)))!)
      expect(beat.pid).toBe(process.pid)
    } finally {
      await queue.obliterate({ force: true }).catch(() => {})
      await queue.close()
      await worker.close()
      redis.disconnect()
    }
  })
})
