import { ConfigError, loadConfig, type Config } from './config.js'
import { createLogger, type Logger } from './logger.js'

/**
 * How long an api keeps answering after SIGTERM before it stops accepting (SHUTDOWN_DRAIN_MS, default 5 s):
 * long enough for the reverse proxy to see /readyz fail and to drop its idle keep-alive connections (set
 * its upstream keepalive timeout below this). 0 closes at once. A worker has no listener to drain.
 */
function drainMs(env: NodeJS.ProcessEnv) {
  const raw = env.SHUTDOWN_DRAIN_MS ?? '5000'
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 60_000)
    throw new ConfigError('配置错误（环境变量）：\n  SHUTDOWN_DRAIN_MS: 必须是 0 到 60000 之间的整数（毫秒）')
  return Number(raw)
}

/**
 * The life of an api or worker process: config parsed once (a bad value exits 1 naming the key), start,
 * then SIGTERM/SIGINT → `close()` → exit 0, with a deadline so a stuck close cannot hang a deploy.
 * SIGTERM (an orchestrator's rolling restart) first drains for SHUTDOWN_DRAIN_MS; SIGINT (a person at the
 * terminal) does not.
 */
export async function runProcess(
  name: string,
  start: (config: Config, log: Logger) => Promise<{ close(opts?: { drainMs?: number }): Promise<void> }>,
  shutdownDeadlineMs = 20_000,
) {
  let config: Config
  let drain: number
  try {
    config = loadConfig()
    drain = drainMs(process.env)
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
      const drainMs = signal === 'SIGTERM' ? drain : 0
      log.info({ signal, drainMs }, 'shutting down: finishing work in flight')
      const deadline = shutdownDeadlineMs + drainMs
      const force = setTimeout(() => {
        log.error(`shutdown took longer than ${deadline / 1000} s; exiting`)
        process.exit(1)
      }, deadline)
      force.unref()
      running.close({ drainMs }).then(
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
