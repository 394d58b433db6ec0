import { z } from 'zod'
import { endpoints } from '../endpoints.contract.js'

const count = z.number().int()

/**
 * The console's landing figures, each present only when the signed-in user may act on it: a figure
 * nobody can follow up is noise, and a count can itself be something a role should not see.
 */
export const Workbench = z.object({
  /** membership requests waiting for a console decision (enterprise.read or enterprise.manage) */
  joinRequests: z.object({ pending: count }).optional(),
  /** enterprise administrators waiting to be verified (enterprise.manage, as the queue itself) */
  verifications: z.object({ pending: count }).optional(),
  /** campaigns being planned or sent now, and those waiting for their time (push.manage) */
  campaigns: z.object({ inProgress: count, scheduled: count }).optional(),
  /** this year's (Beijing time) enterprise-deliveries against the yearly target (stats.read) */
  deliveries: z.object({ year: count, delivered: count, target: count, percent: z.number() }).optional(),
})
export type WorkbenchOutput = z.output<typeof Workbench>

/** The workbench endpoint, declared once: the route and the console's API function read this. */
export const WorkbenchEndpoints = endpoints({
  figures: {
    method: 'get',
    path: '/admin/v1/workbench',
    response: Workbench,
    summary: '工作台：待办与本年推送进度',
  },
})
