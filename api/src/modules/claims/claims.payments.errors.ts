import { errors, uniqueRule } from '../../platform/errors.js'
import { beijingDateTime } from '../../platform/time.js'
import type { BatchFiguresOutput } from './claims.payments.contract.js'
import { yuan } from './claims.errors.js'

/** One bad row of a bank result file (the header is row 1). */
export interface BadRow {
  row: number
  message: string
}

/** The refusals of public notice and payment batches, one function each. */
export const paymentErrors = {
  noticeNotFound: () => errors.notFound('资助公示'),
  batchNotFound: () => errors.notFound('发放批次'),
  importNotFound: () => errors.notFound('回单导入记录'),
  noticeEmpty: () => errors.conflict('NOTICE_EMPTY', '目前没有审核通过、待公示的申请，无需发布公示'),
  /** An objection after the notice period: the claim has been (or is about to be) cleared. */
  noticeClosed: (endedAt: Date) =>
    errors.conflict(
      'NOTICE_CLOSED',
      `该申请的公示期已于 ${beijingDateTime(endedAt)} 结束，不再受理异议；如确有问题，请在发放前另行核实处理`,
      { periodEnd: endedAt.toISOString() },
    ),
  /** Another notice is being published this moment and did not finish in time. */
  noticeBusy: () => errors.unavailable('另一份公示正在发布，请稍后刷新公示列表查看'),
  batchEmpty: () =>
    errors.conflict(
      'BATCH_EMPTY',
      '没有可发放的申请：须为公示期满的申请，或发放失败后申请人已更正收款账户的申请',
    ),
  batchClosed: (no: string) =>
    errors.conflict('BATCH_STATE', `发放批次 ${no} 已关闭，不能再导入回单或变更`, { status: 'closed' }),
  nothingToTransfer: (no: string) =>
    errors.conflict('BATCH_STATE', `发放批次 ${no} 没有待发放的申请，无需再向银行提交转账`, {
      status: 'open',
    }),
  unreconciled: (no: string, f: BatchFiguresOutput) =>
    errors.conflict(
      'BATCH_UNRECONCILED',
      `发放批次 ${no} 尚未对平，不能关闭：应发 ${f.expected.count} 笔 ${yuan(f.expected.fen)}，` +
        `已发 ${f.paid.count} 笔 ${yuan(f.paid.fen)}，失败 ${f.failed.count} 笔 ${yuan(f.failed.fen)}，` +
        `待回单 ${f.pending.count} 笔 ${yuan(f.pending.fen)}`,
      { figures: f },
    ),
  /** The bank's result file cannot be read as a whole; `rows` names each bad row found (at most 20). */
  resultFile: (message: string, rows: BadRow[] = []) =>
    errors.badRequest('RESULT_FILE_INVALID', message, {
      rows,
      fields: [{ path: 'fileId', message }],
    }),
}

/** The message of a file with bad rows: the first named, the count of the rest. */
export function badRowsMessage(rows: BadRow[], more: boolean) {
  const first = rows[0]!
  const rest = rows.length - 1
  return `银行回单第 ${first.row} 行：${first.message}${rest > 0 || more ? `（另有${more ? '多' : ` ${rest} `}行有误）` : ''}，请改正后重新上传`
}

// Serves claims.payments.model.ts's unique indexes; the service reads and retries around them, so these
// name only a collision it did not foresee.
uniqueRule('claim_notices', { status: 1 }, paymentErrors.noticeBusy)
uniqueRule('claim_batches', { no: 1 }, () =>
  errors.conflict('BATCH_STATE', '发放批次编号冲突，请重试', { status: 'open' }),
)
