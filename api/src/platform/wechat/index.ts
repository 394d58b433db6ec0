export {
  WechatClient,
  type WechatClientOptions,
  type WechatLogger,
  type SubscribeMessage,
  type SecCheckResult,
  type SecCheckScene,
} from './client.js'
export {
  WechatError,
  WECHAT_ERRCODES,
  LOCAL_ERRCODES,
  TOKEN_INVALID_ERRCODES,
  explainErrcode,
  isTransientErrcode,
} from './errors.js'
export { SendRateLimiter } from './send-rate.js'
