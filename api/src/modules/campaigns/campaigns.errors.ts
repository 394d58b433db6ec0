import { errors } from '../../platform/errors.js'
import type { Refusal } from '../../platform/transitions.js'
import type { CampaignMove } from './campaigns.contract.js'
import type { CampaignDoc } from './campaigns.model.js'

type Status = CampaignDoc['status']
/** What a refused move tells the client besides its code: the state it found, the states it needed. */
const detailsOf = (r?: Refusal<Status, CampaignMove>) =>
  r ? { current: r.current, allowedFrom: r.allowedFrom, move: r.move } : undefined

/** The refusals of the campaigns domain, one function each, so a code is never typed at a throw site. */
export const campaignErrors = {
  notFound: () => errors.notFound('推送'),
  /** Only drafts may be edited. */
  locked: (r?: Refusal<Status, CampaignMove>) =>
    errors.conflict('CAMPAIGN_LOCKED', '推送已发送或已排期，不能再修改', detailsOf(r)),
  /** Sending, cancelling or rescheduling a campaign that has left draft and scheduled. */
  started: (r?: Refusal<Status, CampaignMove>) =>
    errors.conflict(
      'CAMPAIGN_STARTED',
      r?.move === 'cancel' ? '推送已开始发送，无法取消' : '推送已在发送或已完成',
      detailsOf(r),
    ),
  stillSending: (status: Status) =>
    errors.conflict('CAMPAIGN_STILL_SENDING', '推送仍在发送中，请等发送完成后再重发失败的部分', {
      status,
      current: status,
    }),
  nothingToResend: (status: Status) =>
    errors.conflict(
      'NOTHING_TO_RESEND',
      status === 'done'
        ? '没有因微信额度用完或微信繁忙而发送失败的成员，无需重发'
        : '推送尚未发送完成，没有可重发的成员',
      { status, current: status },
    ),
  /** `at` in the past (beyond a minute's clock skew) or more than 90 days ahead. */
  sendAtOutOfRange: () => errors.validation([{ path: 'at', message: '定时发送时间须在未来 90 天内' }]),
}
