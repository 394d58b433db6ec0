import mongoose, { Schema, type Types } from 'mongoose'
import type { ExamSubjectOutput } from './claims.contract.js'

// ── 免申即享 ─────────────────────────────────────────────────────────────────────────────────────────
// A pass list is never stored in clear: each person's name and ID number are sealed with the personal-data
// cipher, and found again only through the ID number's blind index.

/** One import of the exam's pass list, with what it did. */
const PassListSchema = new Schema(
  {
    fileName: { type: String, required: true },
    rows: { type: Number, required: true },
    imported: { type: Number, required: true },
    duplicates: { type: Number, required: true },
    matched: { type: Number, required: true },
    waiting: { type: Number, required: true },
    invalid: [{ _id: false, row: Number, message: String }],
    by: { id: Schema.Types.ObjectId, name: String },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
)
// Serves: GET /admin/v1/claim-pass-lists, newest first.
PassListSchema.index({ createdAt: -1 })

export interface PassListDoc {
  _id: Types.ObjectId
  fileName: string
  rows: number
  imported: number
  duplicates: number
  matched: number
  waiting: number
  invalid: { row: number; message: string }[]
  by: { id: Types.ObjectId; name: string }
  createdAt: Date
}

export const PASS_ENTRY_STATUSES = ['waiting', 'invited', 'claimed'] as const
export type PassEntryStatus = (typeof PASS_ENTRY_STATUSES)[number]

/**
 * One person on a pass list: `waiting` until someone with that ID number is known, `invited` once an
 * invitation exists, `claimed` when one was accepted.
 */
const PassEntrySchema = new Schema(
  {
    listId: { type: Schema.Types.ObjectId, required: true },
    nameEnc: { type: String, required: true },
    idEnc: { type: String, required: true },
    idBlind: { type: String, required: true },
    examYear: { type: Number, required: true },
    subjects: [String],
    status: { type: String, enum: PASS_ENTRY_STATUSES, default: 'waiting' },
  },
  { timestamps: true },
)
// Serves: one entry per person and exam year across every import (a re-import counts duplicates), and
// matching a person's entries by ID number when they enter it.
PassEntrySchema.index({ idBlind: 1, examYear: 1 }, { unique: true })
// Serves: an import's "still waiting" figure in the list of imports.
PassEntrySchema.index({ listId: 1, status: 1 })

export interface PassEntryDoc {
  _id: Types.ObjectId
  listId: Types.ObjectId
  nameEnc: string
  idEnc: string
  idBlind: string
  examYear: number
  subjects: ExamSubjectOutput[]
  status: PassEntryStatus
  createdAt: Date
  updatedAt: Date
}

/** The identity a mini-program user saved (one per user), so pass lists find them. */
const IdentitySchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    nameEnc: { type: String, required: true },
    idEnc: { type: String, required: true },
    idBlind: { type: String, required: true },
    idMasked: { type: String, required: true },
  },
  { timestamps: true },
)
// Serves: PUT/GET /mp/v1/claim-identity (one identity per user).
IdentitySchema.index({ userId: 1 }, { unique: true })
// Serves: a pass-list import finding the users who saved an imported ID number.
IdentitySchema.index({ idBlind: 1 })

export interface IdentityDoc {
  _id: Types.ObjectId
  userId: Types.ObjectId
  nameEnc: string
  idEnc: string
  idBlind: string
  idMasked: string
  createdAt: Date
  updatedAt: Date
}

export const INVITATION_STATUSES = ['open', 'accepted', 'closed'] as const
export type InvitationStatus = (typeof INVITATION_STATUSES)[number]

/**
 * A pre-filled claim offered to one mini-program user for one pass entry. `open` → `accepted` once (a
 * conditional update, so a second accept is INVITATION_STATE). It is `closed` when the person claimed
 * through another account, or this user saved another ID number since.
 */
const InvitationSchema = new Schema(
  {
    entryId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    /** the entry's: closing a user's invitations when they save another ID number */
    idBlind: { type: String, required: true },
    examYear: { type: Number, required: true },
    status: { type: String, enum: INVITATION_STATUSES, default: 'open' },
    claimId: { type: Schema.Types.ObjectId, default: null },
    acceptedAt: { type: Date, default: null },
  },
  { timestamps: true },
)
// Serves: one invitation per entry and user (matching twice adds nothing), and superseding an entry's
// other invitations when one is accepted.
InvitationSchema.index({ entryId: 1, userId: 1 }, { unique: true })
// Serves: GET /mp/v1/claim-invitations (own, newest first), the open count after saving an identity, and
// closing a user's open invitations for another ID number (userId equal, then status and idBlind).
InvitationSchema.index({ userId: 1, createdAt: -1 })

export interface InvitationDoc {
  _id: Types.ObjectId
  entryId: Types.ObjectId
  userId: Types.ObjectId
  idBlind: string
  examYear: number
  status: InvitationStatus
  claimId: Types.ObjectId | null
  acceptedAt: Date | null
  createdAt: Date
  updatedAt: Date
}

export const ClaimPassListModel = mongoose.model('ClaimPassList', PassListSchema, 'claim_pass_lists')
export const ClaimPassEntryModel = mongoose.model('ClaimPassEntry', PassEntrySchema, 'claim_pass_entries')
export const ClaimIdentityModel = mongoose.model('ClaimIdentity', IdentitySchema, 'claim_identities')
export const ClaimInvitationModel = mongoose.model('ClaimInvitation', InvitationSchema, 'claim_invitations')
