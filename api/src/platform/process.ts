import { ConfigError, loadConfig, type Config } from './config.js'
import { createLogger, type Logger } from './logger.js'

/**
 * The life of an api or worker process: config parsed once (a bad value exits 1 naming the key), start,
 * then SIGTERM/SIGINT → `close()` → exit 0, with a deadline so a stuck close cannot hang a deploy.
 */
export async function runProcess(
  name: string,
  start: (config: Config, log: Logger) => Promise<{ close(): Promise<void> }>,
  shutdownDeadlineMs = 20_000,
) {
  let config: Config
  try {
    config = loadConfig()
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message)
      process.exit(1)
    }
    throw e
  }
  const log = createLogger(config.log.level, name, config.log.pretty)
  const running = await start(config, log)
  let stopping = false
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      log.info({ signal }, 'shutting down: finishing work in flight')
      const force = setTimeout(() => {
        log.error(`shutdown took longer than ${shutdownDeadlineMs / 1000} s; exiting`)
        process.exit(1)
      }, shutdownDeadlineMs)
      force.unref()
      running.close().then(
        () => {
          log.info('shutdown complete')
          process.exit(0)
        },
        (err) => {
          log.error({ err }, 'shutdown failed')
          process.exit(1)
        },
      )
    })
  }
}
