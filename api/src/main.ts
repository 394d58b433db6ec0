import { ConfigError, loadConfig } from './platform/config.js'
import { createLogger } from './platform/logger.js'
import { startServer } from './server.js'

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
const log = createLogger(config.log.level)
const running = await startServer(config, log)
log.info({ url: running.url }, 'api listening')

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down: finishing in-flight requests')
    // A stuck request must not keep the process alive forever.
    const force = setTimeout(() => {
      log.error('shutdown took longer than 20 s; exiting')
      process.exit(1)
    }, 20_000)
    force.unref()
    running
      .close()
      .then(() => {
        log.info('shutdown complete')
        process.exit(0)
      })
      .catch((err) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      })
  })
}
