import { parseArgs } from 'node:util'
import { startFakeWechat } from './index.js'

/** Standalone fake WeChat for development: `tsx test/support/fake-wechat/cli.ts --port 9980`. */
const { values } = parseArgs({
  options: { port: { type: 'string', default: '9980' }, host: { type: 'string', default: '127.0.0.1' } },
})
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${values.port}`)
  process.exit(2)
}

const fake = await startFakeWechat({
  port,
  host: values.host,
  appId: process.env.WECHAT_APP_ID || 'wx-dev-appid',
  appSecret: process.env.WECHAT_APP_SECRET || 'dev-secret',
})
console.log(`fake-wechat listening on ${fake.url}`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().finally(() => process.exit(0))
  })
}
