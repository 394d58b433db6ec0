import { runProcess, startWorker } from '@zct/api/tasks'

await runProcess('worker', async (config, log) => {
  const worker = await startWorker({ config, log })
  log.info('worker ready')
  return worker
})
