import {
  StationsEndpoints as E,
  type AdminBookingQueryInput,
  type AdviceLetterInputInput,
  type AppealDecisionInput,
  type BookingRulesOutput,
  type ServiceRecordInputInput,
  type SlotPublishInput,
  type SlotRangeQueryInput,
  type StationInputInput,
  type StationListQueryInput,
} from '@zct/api/contracts/stations/stations'
import {
  StationLedgerEndpoints as L,
  type CompareQueryInput,
  type LedgerExportQueryInput,
  type LedgerQueryInput,
  type StatsQueryInput,
} from '@zct/api/contracts/stations/stations.ledger'
import { call, download, type RequestOptions } from './request'

// ── stations ────────────────────────────────────────────────────────────────────────────────────────
export const listStations = (query: StationListQueryInput = {}) => call(E.stations, { query })
export const getStation = (id: string, opts?: RequestOptions) => call(E.station, { params: { id } }, opts)
export const createStation = (body: StationInputInput, opts?: RequestOptions) =>
  call(E.createStation, { body }, opts)
export const updateStation = (id: string, body: StationInputInput, opts?: RequestOptions) =>
  call(E.updateStation, { params: { id }, body }, opts)

// ── slots ───────────────────────────────────────────────────────────────────────────────────────────
export const listSlots = (stationId: string, query: SlotRangeQueryInput) =>
  call(E.slots, { params: { id: stationId }, query })
export const publishSlots = (stationId: string, body: SlotPublishInput, opts?: RequestOptions) =>
  call(E.publishSlots, { params: { id: stationId }, body }, opts)
export const previewSlots = (stationId: string, body: SlotPublishInput, opts?: RequestOptions) =>
  call(E.previewSlots, { params: { id: stationId }, body }, opts)
export const setSlotCapacity = (slotId: string, capacity: number, opts?: RequestOptions) =>
  call(E.updateSlot, { params: { id: slotId }, body: { capacity } }, opts)
export const closeSlot = (slotId: string, reason: string, opts?: RequestOptions) =>
  call(E.closeSlot, { params: { id: slotId }, body: { reason } }, opts)

// ── bookings: the buttons come from `actions` (the state machine and the viewer's permission) ────────
export const listBookings = (query: AdminBookingQueryInput) => call(E.bookings, { query })
export const getBooking = (id: string, opts?: RequestOptions) => call(E.booking, { params: { id } }, opts)
export const confirmBooking = (id: string, opts?: RequestOptions) => call(E.confirm, { params: { id } }, opts)
export const cancelBooking = (id: string, reason: string, opts?: RequestOptions) =>
  call(E.cancel, { params: { id }, body: { reason } }, opts)
export const markNoShow = (id: string, opts?: RequestOptions) => call(E.noShow, { params: { id } }, opts)
export const completeBooking = (id: string, body: ServiceRecordInputInput, opts?: RequestOptions) =>
  call(E.complete, { params: { id }, body }, opts)
export const issueLetter = (id: string, body: AdviceLetterInputInput, opts?: RequestOptions) =>
  call(E.letter, { params: { id }, body }, opts)
export const decideAppeal = (id: string, body: AppealDecisionInput, opts?: RequestOptions) =>
  call(E.decideAppeal, { params: { id }, body }, opts)
/** A booking's material, record or letter attachment, with the session's token; every view is audited. */
export const fetchBookingFile = (id: string, fileId: string) =>
  download(E.bookingFile, { params: { id, fileId } }, { silent: true })

// ── bureau-wide rules ───────────────────────────────────────────────────────────────────────────────
export const getBookingRules = () => call(E.rules, {})
export const saveBookingRules = (body: BookingRulesOutput, opts?: RequestOptions) =>
  call(E.saveRules, { body }, opts)

// ── ledger and statistics ───────────────────────────────────────────────────────────────────────────
export const listLedger = (query: LedgerQueryInput) => call(L.ledger, { query })
/** One station's period as an xlsx (Chinese headers, Beijing time); audited. */
export const exportLedger = (query: LedgerExportQueryInput, onProgress?: (loaded: number) => void) =>
  download(L.exportLedger, { query }, { onDownloadProgress: (e) => onProgress?.(e.loaded) })
export const getStationStats = (query: StatsQueryInput) => call(L.stats, { query })
export const compareStations = (query: CompareQueryInput) => call(L.compare, { query })
