/**
 * Type tests, checked by `pnpm --filter @zct/test check` (tsc), never run: a contract's endpoint table is
 * what tsc holds a route handler to. Each `@ts-expect-error` line is a mistake that must fail the build;
 * should one stop failing, tsc reports the directive itself as unused.
 */
import type { Readable } from 'node:stream'
import type { EndpointRequest, EndpointResponse } from '@zct/api/contracts/endpoints'
import { CampaignEndpoints, type CampaignOutput } from '@zct/api/contracts/campaigns/campaigns'
import { StaffEndpoints, type RoleOutput, type UserOutput } from '@zct/api/contracts/staff/staff'
import { ContentEndpoints } from '@zct/api/contracts/content/content'
import type { ApiRouter } from '../../api/src/platform/routing.js'

declare const r: ApiRouter
declare const user: UserOutput
declare const role: RoleOutput
declare const campaign: CampaignOutput
declare const file: Readable
const manage = { audience: 'admin', permission: 'users.manage' } as const

// The right presenter passes, sync or async.
r.endpoint(StaffEndpoints.updateUser, manage, () => user)
r.endpoint(StaffEndpoints.updateUser, manage, async () => user)

// The wrong presenter fails: a role is not a console user.
// (removed)
r.endpoint(StaffEndpoints.updateUser, manage, async () => role)

// A presenter that forgets a field fails.
const { createdAt: _forgotten, ...withoutCreatedAt } = user
// (removed)
r.endpoint(StaffEndpoints.updateUser, manage, () => withoutCreatedAt)

// A 204 endpoint answers nothing: returning a record is a mistake.
r.endpoint(StaffEndpoints.deleteRole, manage, async () => {})
// (removed)
r.endpoint(StaffEndpoints.deleteRole, manage, async () => role)

// A download answers a stream or a buffer, not a JSON record.
const stats = { audience: 'admin', permission: 'stats.read' } as const
r.endpoint(CampaignEndpoints.exportYearStats, stats, () => file)
// (removed)
r.endpoint(CampaignEndpoints.exportYearStats, stats, () => ({ year: 2026 }))

// The parsed input is typed from the declaration too.
r.endpoint(CampaignEndpoints.send, { audience: 'admin', permission: 'push.manage' }, (ctx) => {
  const at: Date | undefined = ctx.state.input.body.at
  // (removed)
  void ctx.state.input.query
  return at ? campaign : campaign
})

// A mini-program endpoint returns the mini-program's shape, not the console's.
r.endpoint(ContentEndpoints.feedAnnouncements, { audience: 'mp' }, async () => ({
  items: [],
  total: 0,
  page: 1,
  pageSize: 20,
}))

// What a caller (the console's `call`, the test client) sends and gets is derived from the same table.
export const sent: EndpointRequest<typeof StaffEndpoints.updateUser> = {
  params: { id: '0123456789abcdef01234567' },
  body: { displayName: '张三' },
}
// (removed)
export const missingId: EndpointRequest<typeof StaffEndpoints.updateUser> = { body: {} }
export const got: UserOutput = null as unknown as EndpointResponse<typeof StaffEndpoints.updateUser>
// (removed)
export const wrong: RoleOutput = null as unknown as EndpointResponse<typeof StaffEndpoints.updateUser>
