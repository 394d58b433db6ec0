import { runProcess, startWorker } from '@zct/api/tasks'

await runProcess('worker', async (config, log) => {
  const worker = await startWorker({ config, log })
  log.info({ metricsPort: worker.metricsPort ?? null }, 'worker ready')
  return worker
})
