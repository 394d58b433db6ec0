import { errors } from '../../platform/errors.js'
import type { CampaignDoc } from './campaigns.model.js'

/** The refusals of the campaigns domain, one function each, so a code is never typed at a throw site. */
export const campaignErrors = {
  notFound: () => errors.notFound('推送'),
  locked: () => errors.conflict('CAMPAIGN_LOCKED', '推送已发送或已排期，不能再修改'),
  started: (message = '推送已开始发送，无法取消') => errors.conflict('CAMPAIGN_STARTED', message),
  stillSending: (status: CampaignDoc['status']) =>
    errors.conflict('CAMPAIGN_STILL_SENDING', '推送仍在发送中，请等发送完成后再重发失败的部分', { status }),
  nothingToResend: (status: CampaignDoc['status']) =>
    errors.conflict(
      'NOTHING_TO_RESEND',
      status === 'done'
        ? '没有因微信额度用完或微信繁忙而发送失败的成员，无需重发'
        : '推送尚未发送完成，没有可重发的成员',
      { status },
    ),
}
