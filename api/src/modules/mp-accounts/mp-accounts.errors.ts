import { AppError, errors } from '../../platform/errors.js'

/** The refusals of mini-program sign-in and phone binding, one function each. */
export const mpAccountErrors = {
  /** 40029 / 40163: the wx.login code expired, was used, or belongs to another mini-program. */
  codeInvalid: (errcode: number) =>
    errors.badRequest('WX_CODE_INVALID', '微信登录凭证无效或已使用，请重新打开小程序后再试', { errcode }),
  /** 45011: WeChat's own limit on code exchanges. */
  wechatRateLimited: (errcode: number) =>
    new AppError(429, 'WX_RATE_LIMITED', '微信登录过于频繁，请稍后再试', { errcode }, false, {
      'Retry-After': '60',
    }),
  wechatError: (errcode: number) =>
    errors.upstream('WX_ERROR', '微信服务暂时不可用，请稍后重试', { errcode }),
  phoneUnsupported: () => errors.badRequest('PHONE_UNSUPPORTED', '目前仅支持中国大陆手机号'),
}
