import { defineModule } from '../../platform/modules.js'
import { ContentEndpoints } from './content.contract.js'
import { CONTENT_QUEUE, CONTENT_TASKS, queueScheduler } from './content.jobs.js'
import { registerContentRoutes } from './content.routes.js'
import { createContentService, type ContentService } from './content.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    content: ContentService
  }
}

export default defineModule({
  name: 'content',
  endpoints: ContentEndpoints,
  build: ({ wechat, config, log, queue, services }) =>
    createContentService({
      wechat,
      secCheckOpenid: config.wechat.secCheckOpenid || undefined,
      audienceOf: (userId) => services.interests.audienceOf(userId),
      scheduler: queueScheduler(queue(CONTENT_QUEUE)),
      log,
    }),
  routes: (r, content, { services }) => registerContentRoutes(r, content, services.audit, services.files),
  tasks: CONTENT_TASKS,
})
