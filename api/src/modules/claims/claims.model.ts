import mongoose, { Schema, type Types } from 'mongoose'
import {
  ClaimStatus,
  ClaimType,
  type AmountRuleOutput,
  type ClaimStatusOutput,
  type ClaimTypeOutput,
  type ExamSubjectOutput,
  type MaterialKindOutput,
  type ResidencyOutput,
} from './claims.contract.js'

// ── Policies ────────────────────────────────────────────────────────────────────────────────────────

const PolicySchema = new Schema(
  {
    type: { type: String, enum: ClaimType.options, required: true },
    title: { type: String, required: true },
    basis: { documentNo: String, clause: String },
    /** Beijing calendar dates, inclusive */
    window: { from: String, to: String },
    validity: { from: String, to: String },
    yearlyBudgetFen: { type: Number, required: true },
    rule: { type: Schema.Types.Mixed, required: true },
    residency: [String],
    materials: [{ _id: false, kind: String, name: String, required: Boolean, hint: String }],
    pledgeText: String,
    eligibility: String,
    enabled: { type: Boolean, default: true },
    /** set on the policies seeded at first boot, so a second boot does not add them again */
    seedKey: { type: String, default: null },
  },
  { timestamps: true },
)
// Serves: the seed's "already there?" check; one seeded row per key.
PolicySchema.index(
  { seedKey: 1 },
  { unique: true, partialFilterExpression: { seedKey: { $type: 'string' } } },
)
// Serves: the mini-program's open policies (enabled, by type) and the console's list.
PolicySchema.index({ enabled: 1, type: 1 })

export interface PolicyDoc {
  _id: Types.ObjectId
  type: ClaimTypeOutput
  title: string
  basis: { documentNo: string; clause: string }
  window: { from: string; to: string }
  validity: { from: string; to: string }
  yearlyBudgetFen: number
  rule: AmountRuleOutput
  residency: ResidencyOutput[]
  materials: { kind: MaterialKindOutput; name: string; required: boolean; hint?: string | null }[]
  pledgeText: string
  eligibility: string
  enabled: boolean
  seedKey: string | null
  createdAt: Date
  updatedAt: Date
}

/**
 * A policy's budget for one year: `remainingFen` is taken by a conditional `$inc` (remainingFen ≥ amount),
 * so two approvals can never overspend it. Created on first use from the policy's yearly budget; an edit of
 * the budget moves `budgetFen` and `remainingFen` by the same delta.
 */
const BudgetSchema = new Schema(
  {
    policyId: { type: Schema.Types.ObjectId, required: true },
    year: { type: Number, required: true },
    budgetFen: { type: Number, required: true },
    committedFen: { type: Number, default: 0 },
    remainingFen: { type: Number, required: true },
    paidFen: { type: Number, default: 0 },
    /**
     * The claims counted in `paidFen`: recordPaid adds an id and its amount in one conditional update, so a
     * claim is counted once however often it is recorded (a re-run after a crash, two importers at once).
     * Never read with the budget.
     */
    paidClaimIds: { type: [Schema.Types.ObjectId], default: [], select: false },
  },
  { timestamps: true },
)
// Serves: every approval's conditional take and release; one budget per policy and year.
BudgetSchema.index({ policyId: 1, year: 1 }, { unique: true })

export interface BudgetDoc {
  _id: Types.ObjectId
  policyId: Types.ObjectId
  year: number
  budgetFen: number
  committedFen: number
  remainingFen: number
  paidFen: number
}

// ── Claims ──────────────────────────────────────────────────────────────────────────────────────────

const Actor = { _id: false, kind: String, id: Schema.Types.ObjectId, name: String }

const ClaimSchema = new Schema(
  {
    no: { type: String, required: true },
    type: { type: String, enum: ClaimType.options, required: true },
    policyId: { type: Schema.Types.ObjectId, required: true },
    policyTitle: { type: String, required: true },
    /** the mini-program account that applied */
    userId: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, enum: ClaimStatus.options, required: true },
    /** true until the claim is rejected, expired or withdrawn: the one-live-claim rule counts these */
    live: { type: Boolean, default: true },
    /** exam_fee:<idBlind>:<examYear> or agent_reward:<idBlind>; unique among live claims (CLAIM_DUPLICATE) */
    dupKey: { type: String, required: true },
    amountFen: { type: Number, required: true },
    /** the year whose budget pays it: the year of first submission, Beijing time */
    budgetYear: { type: Number, required: true },
    applicant: {
      name: String,
      idEnc: String,
      idBlind: String,
      idMasked: String,
      phoneEnc: String,
      phoneMasked: String,
    },
    bank: {
      holderName: String,
      accountEnc: String,
      accountBlind: String,
      accountMasked: String,
      bankName: String,
      /** set when the applicant corrected the account after a failed payment */
      fixedAt: { type: Date, default: null },
    },
    holderMismatchReason: { type: String, default: null },
    districtCode: String,
    residency: String,
    examYear: { type: Number, default: null },
    receipts: [
      { _id: false, subject: String, examYear: Number, amountFen: Number, fileId: Schema.Types.ObjectId },
    ],
    certificateNo: { type: String, default: null },
    servicePeriods: [{ _id: false, employer: String, creditCode: String, from: String, to: String }],
    serviceMonths: { type: Number, default: null },
    materials: [{ _id: false, kind: String, fileId: Schema.Types.ObjectId }],
    pledgeText: String,
    correction: {
      type: new Schema(
        {
          items: [{ _id: false, path: String, comment: String }],
          reason: String,
          deadline: Date,
          workingDays: Number,
        },
        { _id: false },
      ),
      default: null,
    },
    reason: { type: String, default: null },
    review: {
      accepted: { type: Actor, default: null },
      acceptedAt: { type: Date, default: null },
      first: { type: Actor, default: null },
      firstAt: { type: Date, default: null },
      second: { type: Actor, default: null },
      secondAt: { type: Date, default: null },
    },
    noticeId: { type: Schema.Types.ObjectId, default: null },
    batchId: { type: Schema.Types.ObjectId, default: null },
    paidAt: { type: Date, default: null },
    source: { type: String, enum: ['application', 'pass_list'], default: 'application' },
    passEntryId: { type: Schema.Types.ObjectId, default: null },
    /** the Idempotency-Key of the POST that created it, and a hash of that request's body */
    idem: { key: { type: String, default: null }, hash: { type: String, default: null } },
    history: [
      {
        _id: false,
        at: Date,
        action: String,
        from: { type: String, default: null },
        to: String,
        by: Actor,
        note: { type: String, default: null },
      },
    ],
    submittedAt: { type: Date, required: true },
    /** the last many-claim move that took this claim (ClaimService.moveMany reads its claims back by it) */
    moveToken: { type: String, default: null },
  },
  { timestamps: true },
)
// Serves: reading back the claims one moveMany moved (公示, clearing, batching, expiry).
ClaimSchema.index({ moveToken: 1 }, { partialFilterExpression: { moveToken: { $type: 'string' } } })
// Serves: one live claim per person and exam year (exam_fee) or per person ever (agent_reward), across
// every WeChat account: CLAIM_DUPLICATE.
ClaimSchema.index({ dupKey: 1 }, { unique: true, partialFilterExpression: { live: true } })
// Serves: replays of POST /mp/v1/claims with the same Idempotency-Key (IDEMPOTENCY_KEY_REUSED otherwise).
ClaimSchema.index(
  { userId: 1, 'idem.key': 1 },
  { unique: true, partialFilterExpression: { 'idem.key': { $type: 'string' } } },
)
// Serves: the case number lookup and search by 申请编号.
ClaimSchema.index({ no: 1 }, { unique: true })
// Serves: GET /mp/v1/claims (own claims, newest first).
ClaimSchema.index({ userId: 1, createdAt: -1 })
// The console's sorts break ties by `_id` in the sort's direction (pages never overlap), so the list indexes
// below end in `_id`: MongoDB reads a sort in index order only when the index holds every sort key, the
// tie-breaker included; without it the server sorts every match of the filter before it can skip to a page.
// Serves: the console's claim queue by status tab (and type, year, district after it), newest or oldest
// first, and the per-status counts of the tabs.
ClaimSchema.index({ status: 1, submittedAt: -1, _id: -1 })
// Serves: the console's claim list of one year, newest or oldest first; statistics by year.
ClaimSchema.index({ budgetYear: 1, submittedAt: -1, _id: -1 })
// Serves: the console's claim list in submission order when no filter falls on an index's first field (every
// claim, by type, a search): read in index order until the page is full instead of sorting every claim; and
// the export's cursor in the same order. (bench:claims: the landing page over 100,000 claims.)
ClaimSchema.index({ submittedAt: -1, _id: -1 })
// Serves: the console's claim list and the export filtered by district (with a year, status or type beside
// it), newest first; statistics by district. (bench:claims: year + district over 100,000 claims.)
ClaimSchema.index({ districtCode: 1, submittedAt: -1, _id: -1 })
// Serves: the console's claim list sorted by amount, within a status tab or a year (read in index order).
ClaimSchema.index({ status: 1, amountFen: -1, _id: -1 })
ClaimSchema.index({ budgetYear: 1, amountFen: -1, _id: -1 })
// Serves: the expiry sweep (returned claims past their deadline).
ClaimSchema.index({ status: 1, 'correction.deadline': 1 })
// Serves: a notice's claims (clearing when the period ends, the notice page).
ClaimSchema.index({ noticeId: 1, status: 1 })
// Serves: a payment batch's claims (export, result import, reconciliation), and the console's batch page
// listing them by outcome (batch + status) in 申请编号 order.
ClaimSchema.index({ batchId: 1, status: 1, no: 1 })
// Serves: a person's claims by ID number (pass-list matching, the reviewer's "other claims" warning).
ClaimSchema.index({ 'applicant.idBlind': 1 })
// Serves: the reviewer's warning that one bank account receives several people's money.
ClaimSchema.index({ 'bank.accountBlind': 1 })

export interface ActorDoc {
  kind: 'mp' | 'admin' | 'system'
  id: Types.ObjectId | null
  name: string
}
export interface HistoryDoc {
  at: Date
  action: string
  from: ClaimStatusOutput | null
  to: ClaimStatusOutput
  by: ActorDoc
  note: string | null
}
export interface ClaimDoc {
  _id: Types.ObjectId
  no: string
  type: ClaimTypeOutput
  policyId: Types.ObjectId
  policyTitle: string
  userId: Types.ObjectId
  status: ClaimStatusOutput
  live: boolean
  dupKey: string
  amountFen: number
  budgetYear: number
  applicant: {
    name: string
    idEnc: string
    idBlind: string
    idMasked: string
    phoneEnc: string
    phoneMasked: string
  }
  bank: {
    holderName: string
    accountEnc: string
    accountBlind: string
    accountMasked: string
    bankName: string
    fixedAt: Date | null
  }
  holderMismatchReason: string | null
  districtCode: string
  residency: ResidencyOutput
  examYear: number | null
  /** fileId is null on claims made from a pass list (免申即享): the list is the proof */
  receipts: {
    subject: ExamSubjectOutput
    examYear: number
    amountFen: number
    fileId: Types.ObjectId | null
  }[]
  certificateNo: string | null
  servicePeriods: { employer: string; creditCode?: string | null; from: string; to: string }[]
  serviceMonths: number | null
  materials: { kind: MaterialKindOutput; fileId: Types.ObjectId }[]
  pledgeText: string
  correction: {
    items: { path: string; comment: string }[]
    reason: string
    deadline: Date
    workingDays: number
  } | null
  reason: string | null
  review: {
    accepted: ActorDoc | null
    acceptedAt: Date | null
    first: ActorDoc | null
    firstAt: Date | null
    second: ActorDoc | null
    secondAt: Date | null
  }
  noticeId: Types.ObjectId | null
  batchId: Types.ObjectId | null
  paidAt: Date | null
  source: 'application' | 'pass_list'
  passEntryId: Types.ObjectId | null
  idem: { key: string | null; hash: string | null }
  history: HistoryDoc[]
  submittedAt: Date
  moveToken?: string | null
  createdAt: Date
  updatedAt: Date
}

/** Case numbers: one counter per year, taken with an atomic `$inc`. */
const CounterSchema = new Schema({ _id: String, seq: Number }, { versionKey: false })

export const ClaimPolicyModel = mongoose.model('ClaimPolicy', PolicySchema, 'claim_policies')
export const ClaimBudgetModel = mongoose.model('ClaimBudget', BudgetSchema, 'claim_budgets')
export const ClaimModel = mongoose.model('Claim', ClaimSchema, 'claims')
export const ClaimCounterModel = mongoose.model('ClaimCounter', CounterSchema, 'claim_counters')
