import { describe, expect, it } from 'vitest'
import { CampaignEndpoints as C } from '@zct/api/contracts/campaigns/campaigns'
import { TrainingsEndpoints as E } from '@zct/api/contracts/trainings/trainings'
import { expectOk, expectRefused } from '../support/api.js'
import { buildAdmin } from '../support/factories.js'
import { seedRecipients } from '../support/seed.js'
import { world } from '../support/world.js'
import { buildTrainer, trainingBody } from './support.js'

const w = world()

/** Publishing can at once create a push campaign inviting the matching enterprises: the campaign module's own. */
describe('publishing with a push invitation', () => {
  it('creates a draft campaign about the training, targeted as the training is, whose dry run is the campaign wizard’s own', async () => {
    await seedRecipients({
      enterprises: 3,
      members: 1,
      profile: (i) => ({ region: i < 2 ? '440203' : '440104', ipcs: [], industries: ['39'] }),
    })
    const both = await buildAdmin(w.api, { roles: ['training_manager', 'push_operator'] })
    const created = await w.api.request(E.create, {
      token: both.token,
      body: trainingBody(w, { targeting: { regions: ['440203'] } }),
    })
    expectOk(created, 201)
    const published = await w.api.request(E.publish, {
      token: both.token,
      params: { id: created.body.id },
      body: { invite: true },
    })
    expectOk(published)
    expect(published.body.status).toBe('published')
    const campaignId = published.body.campaignId!
    expect(campaignId).toBeTruthy()
    const campaign = await w.api.request(C.get, { token: both.token, params: { id: campaignId } })
    expectOk(campaign)
    expect(campaign.body.content).toMatchObject({
      kind: 'training',
      id: created.body.id,
      title: created.body.title,
    })
    expect(campaign.body.status).toBe('draft')
    const dry = await w.api.request(C.dryRun, { token: both.token, params: { id: campaignId }, query: {} })
    expectOk(dry)
    expect(dry.body.summary.enterprises).toBeGreaterThanOrEqual(2)
    expect(dry.body.rows.items.every((r) => r.reasons.some((x) => x.dimension === 'region'))).toBe(true)
  })

  it('refuses the invitation to a trainer without push.manage before anything is written', async () => {
    const trainer = await buildTrainer(w)
    const created = await w.api.request(E.create, { token: trainer.token, body: trainingBody(w) })
    expectOk(created, 201)
    const res = await w.api.request(E.publish, {
      token: trainer.token,
      params: { id: created.body.id },
      body: { invite: true },
    })
    expectRefused(res, 403, 'FORBIDDEN')
    const after = await w.api.request(E.get, { token: trainer.token, params: { id: created.body.id } })
    expectOk(after)
    expect(after.body).toMatchObject({ status: 'draft', campaignId: null })
  })

  it('refuses a campaign about a draft training with 409 TRAINING_NOT_PUSHABLE', async () => {
    const both = await buildAdmin(w.api, { roles: ['training_manager', 'push_operator'] })
    const created = await w.api.request(E.create, { token: both.token, body: trainingBody(w) })
    expectOk(created, 201)
    const res = await w.api.request(C.create, {
      token: both.token,
      body: { name: '草稿培训邀请', content: { kind: 'training', id: created.body.id } },
    })
    expectRefused(res, 409, 'TRAINING_NOT_PUSHABLE')
  })
})
