import { defineModule, type BuildContext } from '../../platform/modules.js'
import { NotificationEndpoints } from './notifications.contract.js'
import { NOTIFICATION_TASKS, NOTIFICATIONS_QUEUE } from './notifications.jobs.js'
import { registerNotificationRoutes } from './notifications.routes.js'
import { NotificationService } from './notifications.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    notifications: NotificationService
  }
}

/** One per process: its sender holds the process's share of the WeChat send rate. */
export function buildNotificationService({ config, log, redis, wechat, queue, services }: BuildContext) {
  return new NotificationService({
    subscriptions: services.subscriptions,
    settings: services.settings,
    wechat,
    redis,
    prefix: config.redis.prefix,
    sendsPerSecond: config.wechat.sendsPerSecond,
    concurrency: config.wechat.sendConcurrency,
    queue: queue(NOTIFICATIONS_QUEUE),
    log: log.child({ component: 'notifications' }),
  })
}

/** After subscriptions and settings (it spends grants and reads the push template), before campaigns. */
export default defineModule({
  name: 'notifications',
  endpoints: NotificationEndpoints,
  build: buildNotificationService,
  routes: (r, notifications, { services }) => registerNotificationRoutes(r, notifications, services.audit),
  tasks: NOTIFICATION_TASKS,
})
