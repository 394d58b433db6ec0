import { computed, shallowRef } from 'vue'
import {
  BOOKING_STATUS_LABELS,
  SLOT_MODE_LABELS,
  STATION_SERVICE_LABELS,
  STATION_TYPE_LABELS,
  type BookingStatusOutput,
  type StationOutput,
  type StationServiceOutput,
} from '@zct/api/contracts/stations/stations'
import { listStations } from '@/api/stations'
import type { StatusMap, TagType } from '@/components/StatusTag.vue'
import { useSessionStore } from '@/stores/session'

export { BOOKING_STATUS_LABELS, SLOT_MODE_LABELS, STATION_SERVICE_LABELS, STATION_TYPE_LABELS }

/** Every service a station may offer, in the contract's order. */
export const SERVICES = Object.keys(STATION_SERVICE_LABELS) as StationServiceOutput[]
export const serviceLabel = (s: string) => STATION_SERVICE_LABELS[s as StationServiceOutput] ?? s

/** The list's tabs, in the order a booking walks them. */
export const BOOKING_STATUS_ORDER: BookingStatusOutput[] = [
  'pending',
  'confirmed',
  'completed',
  'no_show',
  'cancelled',
]
const BOOKING_STATUS_TYPES: Record<BookingStatusOutput, TagType> = {
  pending: 'warning',
  confirmed: 'primary',
  completed: 'success',
  no_show: 'danger',
  cancelled: 'info',
}
export const BOOKING_STATUS: StatusMap = Object.fromEntries(
  BOOKING_STATUS_ORDER.map((s) => [s, { label: BOOKING_STATUS_LABELS[s], type: BOOKING_STATUS_TYPES[s] }]),
)
export const SLOT_STATUS: StatusMap = {
  open: { label: '开放', type: 'success' },
  closed: { label: '已关闭', type: 'info' },
}

// ── time: Beijing wall time, whatever the browser's zone ─────────────────────────────────────────────
// The api stores instants in UTC; dates and times a person reads or types are Beijing's (UTC+8, no DST).

const BJ_MS = 8 * 3600_000
const DAY_MS = 86_400_000
const pad = (n: number) => String(n).padStart(2, '0')
/** A Date whose UTC fields read Beijing's wall clock at `t`. */
const wall = (t: string | number | Date) => new Date(new Date(t).getTime() + BJ_MS)

/** ISO → `2026-03-03` (Beijing). */
export function dayKey(t: string | number | Date): string {
  const d = wall(t)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}
/** ISO → `09:30` (Beijing). */
export function clock(t: string | number | Date): string {
  const d = wall(t)
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}
/** ISO → `2026/03/03 09:30` (Beijing); empty for null. */
export const bjTime = (iso: string | null | undefined) =>
  iso ? `${dayKey(iso).replaceAll('-', '/')} ${clock(iso)}` : ''
/** ISO → `2026/03/03` (Beijing); empty for null. */
export const bjDate = (iso: string | null | undefined) => (iso ? dayKey(iso).replaceAll('-', '/') : '')
/** A slot's span: `2026/03/03（周二）09:00–09:30`. */
export const slotSpan = (s: { startAt: string; endAt: string }) =>
  `${bjDate(s.startAt)}（${WEEKDAY_NAMES[weekdayOf(dayKey(s.startAt)) - 1]}）${clock(s.startAt)}–${clock(s.endAt)}`

/** Today in Beijing. */
export const today = () => dayKey(Date.now())
/** The current Beijing year. */
export const bjYear = () => wall(Date.now()).getUTCFullYear()
/** A Beijing date and wall time → the instant, as ISO with its offset (what the api takes). */
export const instantOf = (date: string, time = '00:00') => `${date}T${time}:00+08:00`
/** Midnight starting a Beijing date, as a UTC ISO string (a query bound). */
export const startOfDay = (date: string) => new Date(Date.parse(instantOf(date))).toISOString()

const utcOf = (date: string) => Date.parse(`${date}T00:00:00Z`)
const keyOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
export const addDays = (date: string, n: number) => keyOf(utcOf(date) + n * DAY_MS)
/** 1 = Monday … 7 = Sunday. */
export const weekdayOf = (date: string) => ((new Date(utcOf(date)).getUTCDay() + 6) % 7) + 1
/** The Monday of the week holding `date`. */
export const mondayOf = (date: string) => addDays(date, 1 - weekdayOf(date))
export const WEEKDAY_NAMES = ['周一', '周二', '周三', '周四', '周五', '周六', '周日']

/** The 7 dates of the week holding `date`. */
export const weekDays = (date: string) => Array.from({ length: 7 }, (_, i) => addDays(mondayOf(date), i))
/** The 6 weeks (42 dates) a month view shows: from the Monday on or before the 1st. */
export function monthGrid(date: string): string[] {
  const first = `${date.slice(0, 7)}-01`
  return Array.from({ length: 42 }, (_, i) => addDays(mondayOf(first), i))
}
/** `2026-03-02` → `3月2日`. */
export const shortDay = (date: string) => `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`

// ── figures ──────────────────────────────────────────────────────────────────────────────────────────

/** 0.8333 → `83.3%`; a dash when nothing was due. */
export const pct = (rate: number | null | undefined) =>
  rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`
/** 4.25 → `4.3`; a dash when nobody rated. */
export const ratingText = (r: number | null | undefined) =>
  r === null || r === undefined ? '—' : r.toFixed(1)

/** How full a slot is, as a colour: free, filling, full, or closed. */
export function fillTone(s: { booked: number; capacity: number; status: string }) {
  if (s.status === 'closed') return 'closed'
  if (s.booked >= s.capacity) return 'full'
  if (s.booked > 0) return 'filling'
  return 'free'
}

// ── the stations this viewer sees ──────────────────────────────────────────────────────────────────

const stations = shallowRef<StationOutput[]>([])
const stationsError = shallowRef('')
const stationsLoading = shallowRef(false)
let stationsPromise: Promise<StationOutput[]> | null = null
/** whose stations are loaded: another user signing in within the tab loads their own */
let loadedFor: string | null = null

/**
 * The stations the signed-in user sees (the bureau: all; station staff: their own), loaded once and shared
 * by every page's picker; `reload` after the editor saves. `isBureau`: `station.manage` without a station,
 * the only one the api lets create and edit stations, change the rules and compare stations.
 */
export function useStations() {
  const session = useSessionStore()
  function reload() {
    stationsLoading.value = true
    if (loadedFor !== (session.me?.id ?? null)) stations.value = []
    loadedFor = session.me?.id ?? null
    stationsPromise = listStations()
      .then((r) => {
        stations.value = r.items
        stationsError.value = ''
        return r.items
      })
      .catch((e: unknown) => {
        stationsError.value = e instanceof Error ? e.message : '加载失败'
        stationsPromise = null
        return stations.value
      })
      .finally(() => (stationsLoading.value = false))
    return stationsPromise
  }
  const ready = () => (stationsPromise && loadedFor === (session.me?.id ?? null) ? stationsPromise : reload())
  const isBureau = computed(() => !!session.me && !session.me.stationId)
  const nameOf = (id: string) => stations.value.find((s) => s.id === id)?.name ?? ''
  return { stations, error: stationsError, loading: stationsLoading, reload, ready, isBureau, nameOf }
}

/** Who booked: the enterprise's name, or the individual's contact name. */
export function clientOf(b: {
  bookedAs: 'enterprise' | 'individual'
  enterpriseName: string | null
  contact: { name: string } | null
}): string {
  if (b.bookedAs === 'enterprise') return b.enterpriseName ?? '企业'
  return b.contact?.name ? `${b.contact.name}（个人）` : '个人'
}
