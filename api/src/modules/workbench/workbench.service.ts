import type { AdminPrincipal } from '../../platform/auth.js'
import type { Permission } from '../../platform/permissions.js'
import { CampaignModel } from '../campaigns/campaigns.model.js'
import { beijingYear } from '../../platform/time.js'
import type { PushStats } from '../campaigns/campaigns.stats.js'
import { EnterpriseModel, MembershipModel } from '../enterprises/enterprises.model.js'
import type { WorkbenchOutput } from './workbench.contract.js'

/** Campaigns a person may still be waiting on: recipients being planned (queued) or messages going out. */
const IN_PROGRESS = ['queued', 'sending']

/** The figures of the console's landing page, each computed only for those allowed to see it. */
export class WorkbenchService {
  constructor(private readonly stats: PushStats) {}

  async figures(user: AdminPrincipal, now = new Date()): Promise<WorkbenchOutput> {
    const can = (...perms: Permission[]) => perms.some((p) => user.permissions.has(p))
    // Each count is served by an index: memberships {status, createdAt}, enterprises
    // {verificationStatus, …}, campaigns {status, createdAt}, enterprise deliveries {year, month}.
    const [joinRequests, verifications, inProgress, scheduled, deliveries] = await Promise.all([
      can('enterprise.read', 'enterprise.manage')
        ? MembershipModel.countDocuments({ status: 'pending' })
        : undefined,
      // the verification queue itself needs enterprise.manage (it shows the licences)
      can('enterprise.manage')
        ? EnterpriseModel.countDocuments({ verificationStatus: 'pending' })
        : undefined,
      can('push.manage') ? CampaignModel.countDocuments({ status: { $in: IN_PROGRESS } }) : undefined,
      can('push.manage') ? CampaignModel.countDocuments({ status: 'scheduled' }) : undefined,
      can('stats.read') ? this.stats.progress(beijingYear(now)) : undefined,
    ])
    return {
      ...(joinRequests !== undefined ? { joinRequests: { pending: joinRequests } } : {}),
      ...(verifications !== undefined ? { verifications: { pending: verifications } } : {}),
      ...(inProgress !== undefined && scheduled !== undefined
        ? { campaigns: { inProgress, scheduled } }
        : {}),
      ...(deliveries ? { deliveries } : {}),
    }
  }
}
