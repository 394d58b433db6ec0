import { runProcess } from './platform/process.js'
import { startServer } from './server.js'

await runProcess('api', async (config, log) => {
  const running = await startServer(config, log)
  log.info({ url: running.url }, 'api listening')
  return running
})
