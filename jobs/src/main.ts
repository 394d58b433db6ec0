import { runProcess } from '@zct/api/platform/process'
import { startWorker } from './worker.js'

await runProcess('worker', async (config, log) => {
  const worker = await startWorker({ config, log })
  log.info('worker ready')
  return worker
})
