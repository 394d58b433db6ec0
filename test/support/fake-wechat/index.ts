import type { AddressInfo } from 'node:net'
import { createFakeWechatApp } from './app.js'
import { createControlClient, type FakeWechatControl } from './control-client.js'
import { FakeWechatState, type FakeWechatConfig } from './state.js'

export { createControlClient, type FakeWechatControl } from './control-client.js'
export {
  DEFAULT_TEMPLATES,
  ENDPOINTS,
  FakeWechatState,
  type FakeEndpoint,
  type FakeWechatConfig,
  type SentMessage,
  type TemplateFieldType,
} from './state.js'

export interface FakeWechatOptions extends Partial<Omit<FakeWechatConfig, 'appId' | 'appSecret'>> {
  /** 0 (default) picks a free port */
  port?: number
  host?: string
  appId: string
  appSecret: string
}

export interface RunningFakeWechat {
  /** base url to give the WechatClient, e.g. http://127.0.0.1:40123 */
  url: string
  port: number
  /** the control API over HTTP, typed */
  control: FakeWechatControl
  /** the in-memory state itself, for what the control API does not cover */
  state: FakeWechatState
  close(): Promise<void>
}

export async function startFakeWechat(opts: FakeWechatOptions): Promise<RunningFakeWechat> {
  const { port = 0, host = '127.0.0.1', ...config } = opts
  const state = new FakeWechatState(config)
  const server = createFakeWechatApp(state).listen(port, host)
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const actual = (server.address() as AddressInfo).port
  const url = `http://${host}:${actual}`
  return {
    url,
    port: actual,
    control: createControlClient(url),
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}
