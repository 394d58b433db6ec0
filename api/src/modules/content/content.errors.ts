import { AppError, errors } from '../../platform/errors.js'
import type { Refusal } from '../../platform/transitions.js'
import type { ContentMove, ContentStatusOutput } from './content.contract.js'
import { labelName } from './content.sec-check.js'

/** The refusals of the content domain (announcements and patent information), one function each. */
export const contentErrors = {
  notFound: (noun: string) => errors.notFound(noun),
  alreadyPublished: (noun: string) =>
    errors.conflict('ALREADY_PUBLISHED', `该${noun}已发布；如需修改请直接编辑，或先撤回`),
  notPublished: (noun: string) => errors.conflict('NOT_PUBLISHED', `该${noun}未发布，无需撤回`),
  notDraft: (noun: string) => errors.conflict('NOT_DRAFT', `只能删除草稿；已发布或定时发布的${noun}请先撤回`),
  notPushable: (noun: string) =>
    errors.conflict('CONTENT_NOT_PUBLISHED', `该${noun}尚未发布或已撤回，不能推送`),
  changed: () => errors.conflict('CONTENT_CHANGED', '内容刚被修改或状态已变化，请刷新后重试'),
  publishAt: (message: string) => errors.validation([{ path: 'publishAt', message }]),
  noReviewPending: (noun: string) =>
    errors.conflict(
      'SEC_REVIEW_NOT_PENDING',
      `该${noun}没有待人工复核的内容安全结果：微信检测未要求复核，或已有人确认过`,
    ),
  /**
   * A refused lifecycle move. The record changed under the editor (its text, or a move by someone else or by
   * the scheduled publishing) is CONTENT_CHANGED; a move its state never allows keeps its own code.
   */
  refused: (noun: string) => (r: Refusal<ContentStatusOutput, ContentMove>) => {
    if (r.stateAllowed) return contentErrors.changed()
    if ((r.move === 'publish' || r.move === 'schedule') && r.current === 'published')
      return contentErrors.alreadyPublished(noun)
    if (r.move === 'withdraw' || r.move === 'unschedule') return contentErrors.notPublished(noun)
    return contentErrors.changed()
  },
}

/** WeChat's content security check refused the text, or could not be asked. */
export const secCheckErrors = {
  risky: (label: number) =>
    new AppError(
      422,
      'CONTENT_RISKY',
      `内容含有违规内容（${labelName(label)}），未能发布，请修改标题、摘要或正文后重试`,
      { label, labelName: labelName(label) },
    ),
  unavailable: (message: string, errcode?: number) =>
    new AppError(
      503,
      'SEC_CHECK_UNAVAILABLE',
      message,
      errcode === undefined ? undefined : { errcode },
      true,
    ),
}
