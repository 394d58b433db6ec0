import { describe, expect, it } from 'vitest'
import { CampaignMachine, CampaignStatus } from '@zct/api/contracts/campaigns/campaigns'
import { ClaimMachine, ClaimStatus } from '@zct/api/contracts/claims/claims'
import { ContentMachine, ContentStatus } from '@zct/api/contracts/content/content'
import {
  MemberStatus,
  MembershipMachine,
  VerificationMachine,
  VerificationStatus,
} from '@zct/api/contracts/enterprises/enterprises'
import { allowedMoves, type MachineDef } from '@zct/api/contracts/machine'
import { PERMISSIONS } from '@zct/api/permissions'
import { BookingMachine, BookingStatus } from '@zct/api/contracts/stations/stations'
import {
  RegistrationMachine,
  RegistrationStatus,
  TrainingMachine,
  TrainingStatus,
} from '@zct/api/contracts/trainings/trainings'

// The lifecycles declared in the contracts: what the api's guarded moves apply and the console's buttons read.
const machines: [string, MachineDef, readonly string[]][] = [
  ['campaigns', CampaignMachine, CampaignStatus.options],
  ['content', ContentMachine, ContentStatus.options],
  ['verification', VerificationMachine, VerificationStatus.options],
  ['memberships', MembershipMachine, MemberStatus.options],
  ['claims', ClaimMachine, ClaimStatus.options],
  ['bookings', BookingMachine, BookingStatus.options],
  ['trainings', TrainingMachine, TrainingStatus.options],
  ['training registrations', RegistrationMachine, RegistrationStatus.options],
]

describe('state machines', () => {
  it.each(machines)(
    '%s: labels every status of its zod enum, and moves only between them',
    (_, m, statuses) => {
      expect(Object.keys(m.states).sort()).toEqual([...statuses].sort())
      for (const label of Object.values(m.states)) expect(label).toMatch(/\p{Script=Han}/u)
      for (const move of Object.values(m.moves)) {
        expect(move.from.every((s) => statuses.includes(s))).toBe(true)
        expect(statuses).toContain(move.to)
        expect(move.label).toMatch(/\p{Script=Han}/u)
        if (move.permission) expect(Object.keys(PERMISSIONS)).toContain(move.permission)
      }
    },
  )

  it('offers the console only the moves a state allows, to someone holding their permission', () => {
    expect(allowedMoves(ContentMachine, 'published', ['content.manage'])).toEqual(['withdraw'])
    expect(allowedMoves(ContentMachine, 'scheduled', ['content.manage']).sort()).toEqual(
      ['publish', 'schedule', 'unschedule'].sort(),
    )
    expect(allowedMoves(ContentMachine, 'draft', ['push.manage'])).toEqual([])
    expect(allowedMoves(CampaignMachine, 'draft', ['push.manage']).sort()).toEqual(
      ['cancel', 'edit', 'schedule', 'send'].sort(),
    )
    expect(allowedMoves(CampaignMachine, 'done', ['push.manage'])).toEqual(['resend'])
    expect(allowedMoves(CampaignMachine, 'sending', ['push.manage'])).toEqual([])
    expect(allowedMoves(VerificationMachine, 'pending', ['enterprise.manage'])).toEqual(['approve', 'reject'])
    expect(allowedMoves(VerificationMachine, 'pending', ['enterprise.read'])).toEqual([])
    // The system's and the owner's moves carry no console permission: no button offers them; without
    // permissions (the owner's or the system's view) every move the state allows is listed.
    expect(allowedMoves(VerificationMachine, 'rejected', ['enterprise.manage'])).toEqual([])
    expect(allowedMoves(VerificationMachine, 'rejected')).toEqual(['submit'])
    expect(allowedMoves(CampaignMachine, 'queued')).toEqual(['plan', 'failPlan'])
  })
})
