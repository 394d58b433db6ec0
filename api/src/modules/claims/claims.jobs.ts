import { z } from 'zod'
import { defineTask } from '../../platform/tasks.js'
import type { ClaimsServices } from './claims.module.js'

export const CLAIMS_QUEUE = 'claims'

/**
 * Returned claims whose correction deadline (working days) has passed become `expired`. Repeated every
 * five minutes; a failed run changes nothing and the next one sweeps again.
 */
export const ExpireReturnedTask = defineTask({
  queue: CLAIMS_QUEUE,
  name: 'claims.expire-returned',
  payload: z.object({}),
  repeat: { every: 5 * 60_000 },
  options: { attempts: 1, jobId: 'claims-expire-returned' },
  perform: (s: ClaimsServices) => s.core.expireOverdue(new Date()),
  onFailed: async () => {},
})

export const CLAIM_TASKS = [ExpireReturnedTask] as const
