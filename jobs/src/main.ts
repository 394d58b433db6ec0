import pino from 'pino'
import { z } from 'zod'
import { startWorker } from './worker.js'

const Env = z.object({
  REDIS_URL: z.string().regex(/^rediss?:\/\//, '必须以 redis:// 开头').default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().default('zct'),
  LOG_LEVEL: z.string().default('info'),
})
const parsed = Env.safeParse(process.env)
if (!parsed.success) {
  console.error(`配置错误（环境变量）：\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`)
  process.exit(1)
}
const env = parsed.data
const log = pino({ name: 'worker', level: env.LOG_LEVEL })
const worker = await startWorker({ redisUrl: env.REDIS_URL, prefix: env.REDIS_PREFIX, log })
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
