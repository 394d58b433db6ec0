import mongoose, { Schema, type InferSchemaType } from 'mongoose'

const SessionSchema = new Schema({
  startAt: { type: Date, required: true },
  endAt: { type: Date, required: true },
  venue: { type: String, required: true },
  onlineUrl: { type: String, default: null },
  hours: { type: Number, required: true },
  checkout: { type: Boolean, default: false },
})

const QuestionSchema = new Schema({
  label: { type: String, required: true },
  type: { type: String, enum: ['text', 'single', 'multiple'], required: true },
  options: { type: [String], default: [] },
  required: { type: Boolean, default: false },
})

/** A registration holding a seat, and when it took it (a holder a crash left behind is found by age). */
const HolderSchema = new Schema({ at: { type: Date, required: true } })

const TrainingSchema = new Schema(
  {
    title: { type: String, required: true },
    body: { type: String, default: '' },
    organiser: { type: String, default: '' },
    speakers: { type: [String], default: [] },
    sessions: { type: [SessionSchema], default: [] },
    /** the first session's start: registration closes then at the latest */
    firstStartAt: { type: Date, required: true },
    lastEndAt: { type: Date, required: true },
    capacity: { type: Number, required: true },
    audience: { type: String, enum: ['enterprise', 'individual', 'both'], required: true },
    registrationOpensAt: { type: Date, required: true },
    registrationClosesAt: { type: Date, required: true },
    enterpriseQuota: { type: Number, default: null },
    questions: { type: [QuestionSchema], default: [] },
    attachments: { type: [Schema.Types.ObjectId], default: [] },
    targeting: { type: Schema.Types.Mixed, default: null },
    cancelCutoffMinutes: { type: Number, default: 120 },
    status: { type: String, enum: ['draft', 'published', 'cancelled'], default: 'draft' },
    publishedAt: { type: Date, default: null },
    cancelledAt: { type: Date, default: null },
    cancelReason: { type: String, default: null },
    campaignId: { type: Schema.Types.ObjectId, default: null },
    createdBy: { type: Schema.Types.ObjectId, default: null },
    // ── seats: the database's, by conditional updates of this one document ──
    /** capacity − holders: a seat is `$inc: -1` where it is > 0 */
    seatsLeft: { type: Number, required: true },
    /** the registrations (registered, offered, attended) holding a seat: each enters and leaves once */
    holders: { type: [HolderSchema], default: [] },
    /** the next waitlist position to hand out (`$inc`): 1 while nobody ever waited */
    nextPosition: { type: Number, default: 1 },
  },
  { timestamps: true },
)
// Serves: the console's training list, newest first, unfiltered or by status.
TrainingSchema.index({ createdAt: -1 })
TrainingSchema.index({ status: 1, createdAt: -1 })
// Serves: the mini-program's training list (published, still to start, soonest first).
TrainingSchema.index({ status: 1, firstStartAt: 1 })

export type TrainingDoc = InferSchemaType<typeof TrainingSchema> & {
  _id: mongoose.Types.ObjectId
  sessions: (InferSchemaType<typeof SessionSchema> & { _id: mongoose.Types.ObjectId })[]
  questions: (InferSchemaType<typeof QuestionSchema> & { _id: mongoose.Types.ObjectId })[]
  holders: { _id: mongoose.Types.ObjectId; at: Date }[]
  createdAt: Date
  updatedAt: Date
}
export const TrainingModel = mongoose.model('Training', TrainingSchema, 'trainings')

const RegistrationSchema = new Schema(
  {
    trainingId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    enterpriseId: { type: Schema.Types.ObjectId, default: null },
    status: {
      type: String,
      enum: ['registered', 'waitlisted', 'offered', 'cancelled', 'declined', 'expired', 'attended'],
      required: true,
    },
    /** waitlist position; null while a new registration has neither seat nor position yet */
    position: { type: Number, default: null },
    offeredAt: { type: Date, default: null },
    offerExpiresAt: { type: Date, default: null },
    /** holds one of its enterprise's quota places (given back once, by the update that clears it) */
    quotaHeld: { type: Boolean, default: false },
    person: {
      nameEnc: { type: String, required: true },
      nameMasked: { type: String, required: true },
      phoneEnc: { type: String, required: true },
      phoneMasked: { type: String, required: true },
      employer: { type: String, default: '' },
      jobTitle: { type: String, default: '' },
    },
    answers: { type: [{ _id: false, questionId: String, value: Schema.Types.Mixed }], default: [] },
    admittedBy: { type: String, default: null },
    admitReason: { type: String, default: null },
    cancelledAt: { type: Date, default: null },
  },
  { timestamps: true },
)
// Serves: one registration per person per training (REGISTRATION_DUPLICATE); the caller's own registration.
RegistrationSchema.index({ trainingId: 1, userId: 1 }, { unique: true })
// Serves: the waitlist in order (the next offer: lowest position waiting), the console's registration list of
// a training filtered by status (the 候补 tab in position order).
RegistrationSchema.index({ trainingId: 1, status: 1, position: 1 })
// Serves: the console's registration list of a training, unfiltered, in the order people registered.
RegistrationSchema.index({ trainingId: 1, createdAt: 1 })
// Serves: the sweep of offers that ran out.
RegistrationSchema.index({ status: 1, offerExpiresAt: 1 })

export type RegistrationDoc = InferSchemaType<typeof RegistrationSchema> & {
  _id: mongoose.Types.ObjectId
  answers: { questionId: string; value: string | string[] }[]
  person: {
    nameEnc: string
    nameMasked: string
    phoneEnc: string
    phoneMasked: string
    employer: string
    jobTitle: string
  }
  createdAt: Date
  updatedAt: Date
}
export const RegistrationModel = mongoose.model(
  'TrainingRegistration',
  RegistrationSchema,
  'training_registrations',
)

/** One enterprise's places in one training (每单位限报): `_id` = `<trainingId>:<enterpriseId>`. */
const QuotaSchema = new Schema({ _id: { type: String }, count: { type: Number, default: 0 } })
// Serves: lookups by _id only (the conditional $inc of a place).
export const TrainingQuotaModel = mongoose.model('TrainingQuota', QuotaSchema, 'training_quotas')

/** One registrant's presence at one session: checked in (and out where the session counts it). */
const AttendanceSchema = new Schema(
  {
    trainingId: { type: Schema.Types.ObjectId, required: true },
    sessionId: { type: Schema.Types.ObjectId, required: true },
    registrationId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    inAt: { type: Date, default: null },
    outAt: { type: Date, default: null },
    /** 'scan', or the console user who recorded it by hand */
    inBy: { type: String, default: null },
    outBy: { type: String, default: null },
  },
  { timestamps: true },
)
// Serves: one record per registrant and session (a second scan changes nothing); a person's attendance.
AttendanceSchema.index({ registrationId: 1, sessionId: 1 }, { unique: true })
// Serves: the live check-in count of a session, and a training's attendance export and statistics.
AttendanceSchema.index({ trainingId: 1, sessionId: 1 })

export type AttendanceDoc = InferSchemaType<typeof AttendanceSchema> & {
  _id: mongoose.Types.ObjectId
  createdAt: Date
  updatedAt: Date
}
export const AttendanceModel = mongoose.model('TrainingAttendance', AttendanceSchema, 'training_attendance')

/** A 参训证明: issued once per registration, verified publicly by its code. */
const CertificateSchema = new Schema(
  {
    code: { type: String, required: true },
    trainingId: { type: Schema.Types.ObjectId, required: true },
    registrationId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    nameMasked: { type: String, required: true },
    hours: { type: Number, required: true },
    /** Beijing year of the last session: the year the hours count for */
    year: { type: Number, required: true },
    issuedAt: { type: Date, required: true },
  },
  { timestamps: true },
)
// Serves: the public verification page by code; codes never repeat.
CertificateSchema.index({ code: 1 }, { unique: true })
// Serves: one certificate per registration (a second download re-renders the same one).
CertificateSchema.index({ registrationId: 1 }, { unique: true })
// Serves: a person's hours of a year.
CertificateSchema.index({ userId: 1, year: 1 })

export type CertificateDoc = InferSchemaType<typeof CertificateSchema> & {
  _id: mongoose.Types.ObjectId
  createdAt: Date
}
export const CertificateModel = mongoose.model(
  'TrainingCertificate',
  CertificateSchema,
  'training_certificates',
)

/** An attendee's answer to the survey after the last session. */
const FeedbackSchema = new Schema(
  {
    trainingId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    rating: { type: Number, required: true },
    comment: { type: String, default: '' },
  },
  { timestamps: true },
)
// Serves: one feedback per attendee (FEEDBACK_DUPLICATE); a training's aggregate by trainingId.
FeedbackSchema.index({ trainingId: 1, userId: 1 }, { unique: true })

export type FeedbackDoc = InferSchemaType<typeof FeedbackSchema> & {
  _id: mongoose.Types.ObjectId
  createdAt: Date
}
export const FeedbackModel = mongoose.model('TrainingFeedback', FeedbackSchema, 'training_feedback')
