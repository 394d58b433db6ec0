import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { heartbeatKey, SYSTEM_QUEUE } from '@zct/api/tasks'
import { startWorker } from '@zct/jobs/worker'
import { loadConfig } from '@zct/api/internal/platform/config'
import { createLogger } from '@zct/api/internal/platform/logger'
import { openQueue } from '@zct/api/internal/platform/queues'
import { testEnv } from '../support/api.js'

describe('worker', () => {
  it('consumes a health job and records a heartbeat', async () => {
    const config = loadConfig(testEnv())
    const worker = await startWorker({ config, log: createLogger('silent') })
    const queue = openQueue(SYSTEM_QUEUE, config.redis.url, config.redis.prefix)
    const redis = new Redis(config.redis.url)
    try {
      const job = await queue.add('health', { requestedAt: 'test' }, { attempts: 1 })
      const result = await job.finished()
      expect(result).toMatchObject({ ok: true, requestedAt: 'test', pid: process.pid })
      const beat = JSON.parse((await redis.get(heartbeatKey(config.redis.prefix)))!)
      expect(beat.pid).toBe(process.pid)
    } finally {
      await queue.obliterate({ force: true }).catch(() => {})
      await queue.close()
      await worker.close()
      redis.disconnect()
    }
  })
})
