import mongoose, { Schema, type Types } from 'mongoose'
import {
  BookingStatus,
  SlotMode,
  SlotStatus,
  StationService,
  StationType,
  type BookingStatusOutput,
  type SlotModeOutput,
  type SlotStatusOutput,
  type StationServiceOutput,
  type StationTypeOutput,
} from './stations.contract.js'

// ── Stations ────────────────────────────────────────────────────────────────────────────────────────

const StationSchema = new Schema(
  {
    name: { type: String, required: true },
    type: { type: String, enum: StationType.options, required: true },
    regionCode: { type: String, required: true },
    address: { type: String, required: true },
    location: { type: new Schema({ lng: Number, lat: Number }, { _id: false }), default: null },
    contact: { type: new Schema({ name: String, phone: String }, { _id: false }), default: null },
    services: [{ type: String, enum: StationService.options }],
    openingHours: { type: String, default: '' },
    intro: { type: String, default: '' },
    requiresConfirmation: { type: Boolean, default: false },
    cancelCutoffMinutes: { type: Number, default: 120 },
    active: { type: Boolean, default: true },
    /**
     * Held while one publish checks overlaps and writes its slots, so two publishes of one station cannot
     * each pass the overlap check against the other's unwritten slots. Expires on its own after a crash.
     */
    publishLock: {
      type: new Schema({ token: String, until: Date }, { _id: false }),
      default: null,
    },
  },
  { timestamps: true },
)
// Serves: the mini-program's list (active stations, by district), the console's list filtered by district.
StationSchema.index({ regionCode: 1, active: 1 })
// Serves: the console's list sorted by name and its name search (prefix).
StationSchema.index({ name: 1 })

export interface StationDoc {
  _id: Types.ObjectId
  name: string
  type: StationTypeOutput
  regionCode: string
  address: string
  location: { lng: number; lat: number } | null
  contact: { name: string; phone: string } | null
  services: StationServiceOutput[]
  openingHours: string
  intro: string
  requiresConfirmation: boolean
  cancelCutoffMinutes: number
  active: boolean
  publishLock: { token: string; until: Date } | null
  createdAt: Date
  updatedAt: Date
}

// ── Slots ───────────────────────────────────────────────────────────────────────────────────────────

/**
 * A slot's seats: `seatsLeft` is taken by one conditional update (`seatsLeft > 0`, open, not started)
 * which also pushes the booking's id onto `holders`; a seat is given back only by the update that pulls
 * that id (`holders` contains it), so each booking takes and releases its seat at most once, and always
 * `seatsLeft + holders.length = capacity`. Cancelled bookings hold none; pending, confirmed, completed
 * and no-show bookings hold theirs.
 */
const SlotSchema = new Schema(
  {
    stationId: { type: Schema.Types.ObjectId, required: true },
    startAt: { type: Date, required: true },
    endAt: { type: Date, required: true },
    mode: { type: String, enum: SlotMode.options, required: true },
    services: [{ type: String, enum: StationService.options }],
    capacity: { type: Number, required: true },
    seatsLeft: { type: Number, required: true },
    holders: { type: [Schema.Types.ObjectId], default: [] },
    status: { type: String, enum: SlotStatus.options, default: 'open' },
    closeReason: { type: String, default: null },
    /** the publish (one slot or one rule) that made it */
    batchId: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: true },
)
// Serves: a station's calendar and availability in a period (mini-program and console), the overlap check
// of a publish (open slots of the station around the new ones), statistics by the slots' months.
SlotSchema.index({ stationId: 1, startAt: 1 })
// Serves: undoing a publish that failed part-way (all or nothing).
SlotSchema.index({ batchId: 1 })
// Serves: the reconciliation sweep's look-up of the slot holding a booking's seat.
SlotSchema.index({ holders: 1 })

export interface SlotDoc {
  _id: Types.ObjectId
  stationId: Types.ObjectId
  startAt: Date
  endAt: Date
  mode: SlotModeOutput
  services: StationServiceOutput[]
  capacity: number
  seatsLeft: number
  holders: Types.ObjectId[]
  status: SlotStatusOutput
  closeReason: string | null
  batchId: Types.ObjectId
  createdAt: Date
  updatedAt: Date
}

// ── Bookings ────────────────────────────────────────────────────────────────────────────────────────

const FileRefs = { type: [Schema.Types.ObjectId], default: [] }
const Actor = { _id: false, kind: String, id: Schema.Types.ObjectId, name: String }

const BookingSchema = new Schema(
  {
    no: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    stationId: { type: Schema.Types.ObjectId, required: true },
    slotId: { type: Schema.Types.ObjectId, required: true },
    /** copied from the slot (and updated by a move): lists, reminders and statistics read them here */
    startAt: { type: Date, required: true },
    endAt: { type: Date, required: true },
    mode: { type: String, enum: SlotMode.options, required: true },
    status: { type: String, enum: BookingStatus.options, required: true },
    /** true while pending or confirmed: one active booking per person and slot */
    active: { type: Boolean, default: true },
    topic: { type: String, enum: StationService.options, required: true },
    note: { type: String, default: '' },
    fileIds: FileRefs,
    bookedAs: { type: String, enum: ['enterprise', 'individual'], required: true },
    enterprise: {
      type: new Schema({ id: Schema.Types.ObjectId, name: String, creditCode: String }, { _id: false }),
      default: null,
    },
    contact: {
      type: new Schema({ name: String, phoneEnc: String, phoneMasked: String }, { _id: false }),
      default: null,
    },
    confirmedAt: { type: Date, default: null },
    cancellation: {
      type: new Schema({ at: Date, by: String, actor: Actor, reason: String, late: Boolean }, { _id: false }),
      default: null,
    },
    noShowAt: { type: Date, default: null },
    record: {
      type: new Schema(
        {
          topic: String,
          advice: String,
          followUp: String,
          durationMinutes: Number,
          fileIds: FileRefs,
          by: Actor,
          at: Date,
        },
        { _id: false },
      ),
      default: null,
    },
    completedAt: { type: Date, default: null },
    letter: {
      type: new Schema(
        { title: String, body: String, fileIds: FileRefs, by: Actor, issuedAt: Date },
        { _id: false },
      ),
      default: null,
    },
    feedback: {
      type: new Schema({ rating: Number, comment: String, at: Date }, { _id: false }),
      default: null,
    },
    appeal: {
      type: new Schema(
        { reason: String, at: Date, status: String, note: String, by: Actor, decidedAt: Date },
        { _id: false },
      ),
      default: null,
    },
  },
  { timestamps: true },
)
// Serves: one active booking per person and slot (BOOKING_DUPLICATE), and the duplicate pre-check.
BookingSchema.index({ slotId: 1, userId: 1 }, { unique: true, partialFilterExpression: { active: true } })
// Serves: the booking number look-up and search by 预约号.
BookingSchema.index({ no: 1 }, { unique: true })
// Serves: the mini-program's 我的预约 (GET /mp/v1/bookings: own bookings, upcoming soonest first, past latest first).
BookingSchema.index({ userId: 1, startAt: -1 })
// The console's booking lists and the ledger sort on startAt then `_id` (pages never overlap); the index holds
// the tie-breaker too, or MongoDB sorts every match before it can skip to a page.
// Serves: the console's list of a station's bookings in a period (by status after it), the ledger and its
// export (completed, by date), statistics by station and month, the comparison of stations.
BookingSchema.index({ stationId: 1, startAt: -1, _id: -1 })
// Serves: the console's booking list and the ledger across stations (the bureau), newest slots first, and the
// statistics of all.
BookingSchema.index({ startAt: -1, _id: -1 })
// Serves: a slot's bookings (closing it, the calendar's pending counts).
BookingSchema.index({ slotId: 1, status: 1 })
// Serves: the sweep that cancels pending bookings nobody confirmed before the start.
BookingSchema.index({ status: 1, startAt: 1 })

export interface ActorDoc {
  kind: 'mp' | 'admin' | 'system'
  id: Types.ObjectId | null
  name: string
}
export interface BookingDoc {
  _id: Types.ObjectId
  no: string
  userId: Types.ObjectId
  stationId: Types.ObjectId
  slotId: Types.ObjectId
  startAt: Date
  endAt: Date
  mode: SlotModeOutput
  status: BookingStatusOutput
  active: boolean
  topic: StationServiceOutput
  note: string
  fileIds: Types.ObjectId[]
  bookedAs: 'enterprise' | 'individual'
  enterprise: { id: Types.ObjectId; name: string; creditCode: string } | null
  contact: { name: string; phoneEnc: string; phoneMasked: string } | null
  confirmedAt: Date | null
  cancellation: {
    at: Date
    by: 'booker' | 'station' | 'system'
    actor: ActorDoc
    reason: string
    late: boolean
  } | null
  noShowAt: Date | null
  record: {
    topic: StationServiceOutput
    advice: string
    followUp: string
    durationMinutes: number
    fileIds: Types.ObjectId[]
    by: ActorDoc
    at: Date
  } | null
  completedAt: Date | null
  letter: { title: string; body: string; fileIds: Types.ObjectId[]; by: ActorDoc; issuedAt: Date } | null
  feedback: { rating: number; comment: string; at: Date } | null
  appeal: {
    reason: string
    at: Date
    status: 'pending' | 'reversed' | 'upheld'
    note: string | null
    by: ActorDoc | null
    decidedAt: Date | null
  } | null
  createdAt: Date
  updatedAt: Date
}

// ── A person's upcoming bookings ────────────────────────────────────────────────────────────────────

/**
 * The bookings a person holds for slots not yet started, as a set: a booking enters with one conditional
 * `$push` (the array has fewer than the limit's entries) after the past ones are pulled, and leaves with a
 * `$pull` of its id, which is idempotent, so cancelling twice frees one place once. No count-then-insert.
 */
const QuotaSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId },
    upcoming: [{ _id: Schema.Types.ObjectId, startAt: Date }],
  },
  { versionKey: false },
)
// Every query is by _id (the person), served by the default index.

export interface QuotaDoc {
  _id: Types.ObjectId
  upcoming: { _id: Types.ObjectId; startAt: Date }[]
}

// ── Credit ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * A person's credit: the losses (late cancellations, no-shows) as events, and the score they settle to,
 * `points` as of `asOf` (null: full), recovered lazily by 1 a day when read. Written with a revision
 * check, so two losses recorded at once both count.
 */
const CreditSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId },
    points: { type: Number, default: 10 },
    asOf: { type: Date, default: null },
    events: [
      {
        _id: false,
        kind: String,
        points: Number,
        at: Date,
        bookingId: Schema.Types.ObjectId,
        reversedAt: { type: Date, default: null },
      },
    ],
    rev: { type: Number, default: 0 },
  },
  { versionKey: false, timestamps: true },
)
// Every query is by _id (the person), served by the default index.

export interface CreditEventDoc {
  kind: 'late_cancel' | 'no_show'
  points: number
  at: Date
  bookingId: Types.ObjectId
  reversedAt: Date | null
}
export interface CreditDoc {
  _id: Types.ObjectId
  points: number
  asOf: Date | null
  events: CreditEventDoc[]
  rev: number
}

// ── Bureau-wide rules and booking numbers ───────────────────────────────────────────────────────────

const RulesSchema = new Schema(
  { _id: String, maxUpcoming: Number, feedbackDays: Number },
  { versionKey: false, timestamps: true },
)
/** Booking numbers: one counter per year, taken with an atomic `$inc`. */
const CounterSchema = new Schema({ _id: String, seq: Number }, { versionKey: false })

export const StationModel = mongoose.model('Station', StationSchema, 'stations')
export const SlotModel = mongoose.model('StationSlot', SlotSchema, 'station_slots')
export const BookingModel = mongoose.model('Booking', BookingSchema, 'bookings')
export const BookingQuotaModel = mongoose.model('BookingQuota', QuotaSchema, 'booking_quotas')
export const BookingCreditModel = mongoose.model('BookingCredit', CreditSchema, 'booking_credits')
export const BookingRulesModel = mongoose.model('BookingRules', RulesSchema, 'booking_rules')
export const BookingCounterModel = mongoose.model('BookingCounter', CounterSchema, 'booking_counters')
