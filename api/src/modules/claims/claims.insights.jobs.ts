import type { z } from 'zod'
import type { TaskDef } from '../../platform/tasks.js'
import type { ClaimsServices } from './claims.module.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each task's own payload type
export const CLAIM_INSIGHT_TASKS: readonly TaskDef<z.ZodType<any>, ClaimsServices>[] = []
