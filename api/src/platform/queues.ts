import Queue from 'bull'

/** Every bull queue is opened here, for producers (api) and consumers (workers) alike. */
export function openQueue(name: string, redisUrl: string, prefix: string) {
  return new Queue(name, redisUrl, {
    prefix: `${prefix}:bull`,
    // A worker killed mid-job leaves its jobs "active": another worker takes them over once the lock
    // (renewed every lockDuration/2 while alive) lapses, checked every stalledInterval.
    settings: { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 5 },
    defaultJobOptions: {
      removeOnComplete: 1000,
      removeOnFail: 5000,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
    },
  })
}
