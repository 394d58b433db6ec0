import { z } from 'zod'
import { defineTask, type TaskDef } from '../../platform/tasks.js'
import { CLAIMS_QUEUE } from './claims.jobs.js'
import type { ClaimsServices } from './claims.module.js'

/**
 * Applies one import of a bank result file, line by line (ClaimPaymentService.applyImport). A worker killed
 * mid-way leaves the job stalled; bull hands it to another worker, which picks up at the first line still
 * pending: every line is applied once. After the last attempt the import is failed, its remaining lines
 * left pending and visible, and the same file may be imported again.
 */
export const ApplyResultsTask = {
  ...defineTask({
    queue: CLAIMS_QUEUE,
    name: 'claims.apply-results',
    payload: z.object({ importId: z.string() }),
    options: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    },
    perform: (s: ClaimsServices, p) => s.payments.applyImport(p.importId),
    onFailed: (s, p, err) => s.payments.failImport(p.importId, err),
  }),
  /** one job per import: adding it again (the sweep) while it is queued or running adds nothing */
  jobId: (importId: string) => `claim-import:${importId}`,
}

/**
 * Every minute, one run across all workers: notices whose period ended are cleared and closed, and imports
 * whose job was lost are queued again (ClaimPaymentService.sweep). A failed run changes nothing half-way
 * that the next run does not finish, so there is nothing to undo.
 */
export const PaymentSweepTask = defineTask({
  queue: CLAIMS_QUEUE,
  name: 'claims.payments-sweep',
  payload: z.object({}),
  repeat: { every: 60_000 },
  options: { attempts: 1, jobId: 'claims-payments-sweep', removeOnComplete: 10, removeOnFail: 10 },
  perform: (s: ClaimsServices) => s.payments.sweep(new Date()),
  // Notices past their period stay open (shown so in the console) until the next run clears them.
  onFailed: async () => {},
})

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each task's own payload type
export const CLAIM_PAYMENT_TASKS: readonly TaskDef<z.ZodType<any>, ClaimsServices>[] = [
  ApplyResultsTask,
  PaymentSweepTask,
]
