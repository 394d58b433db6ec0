import { z } from 'zod'
import { defineTask } from '../../platform/tasks.js'
import { InboxContentKind } from '../inbox/inbox.contract.js'
import { NOTIFICATION_KIND_NAMES } from './notifications.contract.js'
import type { NotificationService } from './notifications.service.js'

export const NOTIFICATIONS_QUEUE = 'notifications'

const Kind = z.enum(NOTIFICATION_KIND_NAMES)
const Item = z.object({
  memberId: z.string(),
  /** unique per member: a second notification with the same key is not sent again */
  key: z.string().min(1).max(200),
  /** the kind's variables; times as ISO strings */
  vars: z.record(z.string(), z.union([z.string(), z.number()])),
  /** what 我的消息 shows, and the content it opens */
  inbox: z.object({
    title: z.string(),
    summary: z.string(),
    content: z.object({ kind: InboxContentKind, id: z.string() }),
  }),
})
export type NotifyItem = z.output<typeof Item>

const retry = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
}

/**
 * Sends a kind to a few members. WeChat busy or over quota: the job fails and is retried with backoff; on
 * the last attempt what WeChat still refuses is recorded as failed and the grants go back.
 */
export const NotificationSendTask = defineTask({
  queue: NOTIFICATIONS_QUEUE,
  name: 'notification.send',
  payload: z.object({ kind: Kind, items: z.array(Item).min(1).max(500) }),
  options: retry,
  concurrency: 2,
  perform: async (n: NotificationService, p, run) => {
    const results = await n.sendMany(p.kind, p.items, { lastAttempt: run.lastAttempt })
    const waiting = results.filter((r) => r.status === 'pending').length
    if (waiting) throw new Error(`${waiting} WeChat sends refused transiently; retried later`)
    return { sent: results.filter((r) => r.status === 'sent').length }
  },
  // Anything else that used up the attempts: every notification ends failed, none stays pending.
  onFailed: (n, p) => n.giveUp(p.items),
})

/** A reminder falls due: sent only if it still stands and its subject still takes place. */
export const ReminderTask = defineTask({
  queue: NOTIFICATIONS_QUEUE,
  name: 'notification.reminder',
  payload: z.object({ kind: Kind, subjectId: z.string(), at: z.number().int() }),
  options: { ...retry, attempts: 3 },
  perform: (n: NotificationService, p, run) => n.fireReminder(p, { lastAttempt: run.lastAttempt }),
  // The reminder record says failed, so the console and the domain can see it was not sent.
  onFailed: (n, p) => n.failReminder(p),
})

/** Every task of this domain, for its module. */
export const NOTIFICATION_TASKS = [NotificationSendTask, ReminderTask] as const
