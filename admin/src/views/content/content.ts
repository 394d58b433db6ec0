import { ElMessageBox } from 'element-plus'
import { announcements, patents, type ContentApi } from '@/api/content'
import type { ContentStatusOutput, SecCheckOutput } from '@/api/contracts'
import { ApiError } from '@/api/request'
import type { StatusMap } from '@/components/StatusTag.vue'

export type ContentKind = 'announcement' | 'patent'

/** What differs between the two kinds of content on the console: their api and the noun in messages. */
export const CONTENT_KINDS: Record<ContentKind, { api: ContentApi; noun: string }> = {
  announcement: { api: announcements, noun: '通知公告' },
  patent: { api: patents, noun: '专利信息' },
}

export const CONTENT_STATUS: Record<ContentStatusOutput, StatusMap[string]> = {
  draft: { label: '草稿', type: 'info' },
  scheduled: { label: '定时发布', type: 'warning' },
  published: { label: '已发布', type: 'success' },
  withdrawn: { label: '已撤回', type: 'danger' },
}

/** WeChat's check said "review" and nobody has confirmed the text yet: shown as 待人工复核. */
export const pendingReview = (item: { secCheck: SecCheckOutput | null }) =>
  item.secCheck?.suggest === 'review' && !item.secCheck.reviewedAt

/** The list's 人工复核 filter (AdminContentQuery.review). */
export const REVIEW_FILTER = { pending: '待人工复核', done: '已人工复核' } as const

/**
 * WeChat's content check refused the text (422 CONTENT_RISKY): an editor must act on it, so it is shown as
 * a dialog rather than a toast that fades. Resolves whether the error was that one.
 */
export async function explainRisky(err: unknown): Promise<boolean> {
  if (!(err instanceof ApiError) || err.code !== 'CONTENT_RISKY') return false
  await ElMessageBox.alert(err.message, '内容安全检测未通过', {
    type: 'error',
    confirmButtonText: '去修改',
    customClass: 'content-risky-box',
  }).catch(() => undefined)
  return true
}
