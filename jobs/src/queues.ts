import Queue from 'bull'

/** Queue names in one place, so producers (api) and consumers (workers) cannot drift apart. */
export const QUEUES = { system: 'system' } as const

export function openQueue(name: string, redisUrl: string, prefix: string) {
  return new Queue(name, redisUrl, {
    prefix: `${prefix}:bull`,
    defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000, attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
  })
}
