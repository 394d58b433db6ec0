import { ConfigError, loadConfig } from '@zct/api/platform/config'
import { createLogger } from '@zct/api/platform/logger'
import { startWorker } from './worker.js'

let config
try {
  config = loadConfig()
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(e.message)
    process.exit(1)
  }
  throw e
}
const log = createLogger(config.log.level, 'worker')
const worker = await startWorker({ config, log })
log.info('worker ready')

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'worker stopping: letting active jobs finish')
    worker.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'worker close failed')
        process.exit(1)
      },
    )
  })
}
