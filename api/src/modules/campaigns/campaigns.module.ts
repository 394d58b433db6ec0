import { defineModule } from '../../platform/modules.js'
import { CampaignEndpoints } from './campaigns.contract.js'
import { CampaignDelivery } from './campaigns.delivery.js'
import { CAMPAIGN_TASKS, PUSH_QUEUE } from './campaigns.jobs.js'
import { bullCampaignQueue } from './campaigns.queue.js'
import { registerCampaignRoutes } from './campaigns.routes.js'
import { CampaignService } from './campaigns.service.js'
import { PushStats } from './campaigns.stats.js'

export interface CampaignModule {
  campaigns: CampaignService
  delivery: CampaignDelivery
  stats: PushStats
}

declare module '../../platform/modules.js' {
  interface Services {
    campaigns: CampaignModule
  }
}

export default defineModule({
  name: 'campaigns',
  endpoints: CampaignEndpoints,
  build: (ctx) => {
    const { config, log, queue, services } = ctx
    const { content, settings, subscriptions } = services
    const campaigns = new CampaignService({
      content,
      settings,
      subscriptions,
      queue: bullCampaignQueue(queue(PUSH_QUEUE), config.push),
      log,
    })
    const delivery = new CampaignDelivery({
      campaigns,
      subscriptions,
      settings,
      notifications: services.notifications,
      log: log.child({ component: 'delivery' }),
    })
    return { campaigns, delivery, stats: new PushStats(settings) }
  },
  routes: (r, m, { services }) => registerCampaignRoutes(r, m.campaigns, m.stats, services.audit),
  tasks: CAMPAIGN_TASKS,
})
