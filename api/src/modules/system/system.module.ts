import { defineModule } from '../../platform/modules.js'
import type { Core } from '../../platform/modules.js'
import { HeartbeatTask } from './system.tasks.js'

declare module '../../platform/modules.js' {
  interface Services {
    system: Pick<Core, 'redis' | 'config'>
  }
}

/** The platform's own work: the worker heartbeat. */
export default defineModule({
  name: 'system',
  build: ({ redis, config }) => ({ redis, config }),
  tasks: [HeartbeatTask],
})
