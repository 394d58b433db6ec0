/**
 * Date expression operators with mongod's time-zone semantics (its date_time_support: local calendar
 * fields from the zone's offset at that instant, truncation and arithmetic in local time for day and
 * larger units). mingo applies one offset taken from "now" to every date, which answers wrong around
 * month and year boundaries in any zone and across DST, so every operator that takes a `timezone`
 * is replaced here. Where the answer would hinge on an ambiguous or skipped local time (a DST
 * change) or on something we do not parse, the operator refuses with 115 instead of guessing.
 */
import type { Document } from 'bson'
import { computeValue, type Options } from 'mingo/core'
import { ErrorCodes, MongoServerError, notSupported } from '../errors.js'
import { isPlainObject, toNumber } from './compare.js'

const MS_SECOND = 1000
const MS_MINUTE = 60 * MS_SECOND
const MS_HOUR = 60 * MS_MINUTE
const MS_DAY = 24 * MS_HOUR
/** 2000-01-01T00:00:00Z, mongod's reference point for $dateTrunc bins. */
const REFERENCE_MS = 946_684_800_000
/** Olson zones are read through Intl, whose calendar starts at year 1. */
const MIN_ZONED_MS = -62_135_596_800_000
const MAX_ZONED_MS = 253_402_300_799_999

const fail = (code: number, msg: string) => new MongoServerError(code, msg)

// ---------------------------------------------------------------------------------------------
// Time zones

export interface Zone {
  /** true only for UTC itself (absent timezone, 'UTC' or a zero offset), as mongod's isUtcZone() */
  readonly utc: boolean
  /** fixed offset in seconds for UTC and '+hh:mm' zones */
  readonly fixed: number | null
  /** offset from UTC in seconds at the instant `ms` (east positive) */
  offset(ms: number): number
}

const UTC_ZONE: Zone = { utc: true, fixed: 0, offset: () => 0 }

function fixedZone(seconds: number): Zone {
  return { utc: seconds === 0, fixed: seconds, offset: () => seconds }
}

/** Offsets of an Olson zone read from ICU, cached per UTC day when the day holds no transition. */
function olsonZone(name: string, dtf: Intl.DateTimeFormat): Zone {
  const byDay = new Map<number, number>()
  const exact = (ms: number): number => {
    if (ms < MIN_ZONED_MS || ms > MAX_ZONED_MS)
      throw notSupported(`a date outside years 1-9999 in time zone ${name}`)
    const sec = Math.floor(ms / MS_SECOND) * MS_SECOND
    let y = 0
    let mo = 0
    let d = 0
    let h = 0
    let mi = 0
    let s = 0
    for (const p of dtf.formatToParts(sec)) {
      const v = Number(p.value)
      if (p.type === 'year') y = v
      else if (p.type === 'month') mo = v
      else if (p.type === 'day') d = v
      else if (p.type === 'hour') h = v
      else if (p.type === 'minute') mi = v
      else if (p.type === 'second') s = v
    }
    return (wallMs(y, mo, d, h, mi, s, 0) - sec) / MS_SECOND
  }
  return {
    utc: false,
    fixed: null,
    offset(ms) {
      const day = Math.floor(ms / MS_DAY)
      const cached = byDay.get(day)
      if (cached !== undefined) return cached
      const start = exact(day * MS_DAY)
      if (start !== exact(day * MS_DAY + MS_DAY - 1)) return exact(ms) // a transition that day
      if (byDay.size >= 100_000) byDay.clear()
      byDay.set(day, start)
      return start
    },
  }
}

const zones = new Map<string, Zone>()

/** mongod's parseUtcOffset: ±HH, ±HHMM or ±HH:MM. */
function parseOffset(spec: string): number | null {
  const m = /^([+-])(\d\d)(?::?(\d\d))?$/.exec(spec)
  if (!m) return null
  const sign = m[1] === '-' ? -1 : 1
  return sign * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60)
}

/** The zone a `timezone` value names (error 40485 for an unknown one, as mongod). */
export function zoneOf(id: unknown): Zone {
  if (typeof id !== 'string') throw fail(40517, `timezone must evaluate to a string, found ${typeName(id)}`)
  let zone = zones.get(id)
  if (zone) return zone
  if (id === 'UTC') zone = UTC_ZONE
  else {
    const off = parseOffset(id)
    if (off !== null) zone = fixedZone(off)
    else {
      let dtf: Intl.DateTimeFormat | undefined
      try {
        if (/^[A-Za-z]/.test(id))
          dtf = new Intl.DateTimeFormat('en-US', {
            timeZone: id,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
          })
      } catch {
        dtf = undefined
      }
      const resolved = dtf?.resolvedOptions().timeZone
      // ICU accepts any letter case; mongod's zone names are case-sensitive
      if (!dtf || !resolved || (resolved !== id && resolved.toLowerCase() === id.toLowerCase()))
        throw fail(40485, `unrecognized time zone identifier: "${id}"`)
      zone = olsonZone(id, dtf)
    }
  }
  zones.set(id, zone)
  return zone
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic on "wall" milliseconds (local fields read with the UTC getters)

/** Date.UTC without its 0-99 → 1900s mapping; out-of-range fields carry like timelib's. */
function wallMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const t = new Date(0)
  t.setUTCFullYear(y, mo - 1, d)
  t.setUTCHours(h, mi, s, ms)
  return t.getTime()
}

interface Local {
  y: number
  m: number
  d: number
  h: number
  mi: number
  s: number
  ms: number
  /** offset in seconds */
  off: number
  /** local wall time in ms */
  wall: number
}

export function localParts(ms: number, zone: Zone): Local {
  const off = zone.offset(ms)
  const wall = ms + off * MS_SECOND
  const t = new Date(wall)
  return {
    y: t.getUTCFullYear(),
    m: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    h: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    s: t.getUTCSeconds(),
    ms: t.getUTCMilliseconds(),
    off,
    wall,
  }
}

/**
 * The instant whose local time in `zone` is `wall`. A wall time a DST change skips or repeats has no
 * single answer (mongod's timelib picks one); we refuse rather than pick differently.
 */
export function fromWall(wall: number, zone: Zone): number {
  if (zone.fixed !== null) return wall - zone.fixed * MS_SECOND
  const before = zone.offset(wall - MS_DAY)
  const after = zone.offset(wall + MS_DAY)
  const found = new Set<number>()
  for (const off of before === after ? [before] : [before, after]) {
    const t = wall - off * MS_SECOND
    if (zone.offset(t) === off) found.add(t)
  }
  if (found.size === 1) return [...found][0] as number
  throw notSupported(
    `a local time that a daylight-saving change ${found.size ? 'repeats' : 'skips'} (${new Date(wall).toISOString().slice(0, 19)})`,
  )
}

const dayNumber = (y: number, m: number, d: number) => Math.floor(wallMs(y, m, d, 0, 0, 0, 0) / MS_DAY)
const daysInMonth = (y: number, m: number) => new Date(wallMs(y, m + 1, 0, 0, 0, 0, 0)).getUTCDate()
/** 1 = Monday ... 7 = Sunday */
const isoDayOfWeek = (y: number, m: number, d: number) => {
  const dow = new Date(wallMs(y, m, d, 0, 0, 0, 0)).getUTCDay()
  return dow === 0 ? 7 : dow
}
const dayOfYear = (y: number, m: number, d: number) => dayNumber(y, m, d) - dayNumber(y, 1, 1) + 1

function isoWeekAndYear(y: number, m: number, d: number): [week: number, year: number] {
  // the ISO week belongs to the year of its Thursday
  const thursday = new Date(wallMs(y, m, d + 4 - isoDayOfWeek(y, m, d), 0, 0, 0, 0))
  const ty = thursday.getUTCFullYear()
  const doy = dayOfYear(ty, thursday.getUTCMonth() + 1, thursday.getUTCDate())
  return [Math.floor((doy - 1) / 7) + 1, ty]
}

/** mongod's $week: weeks start on Sunday, days before the first Sunday are week 0. */
function sundayWeek(l: Local): number {
  const weekDay = (isoDayOfWeek(l.y, l.m, l.d) % 7) + 1 // 1 = Sunday
  return Math.floor((dayOfYear(l.y, l.m, l.d) - weekDay + 7) / 7)
}

// ---------------------------------------------------------------------------------------------
// Units, dateAdd, dateDiff, truncation (mongod's date_time_support.cpp, step by step)

type Unit = 'year' | 'quarter' | 'month' | 'week' | 'day' | 'hour' | 'minute' | 'second' | 'millisecond'
const UNITS = new Set<Unit>([
  'year',
  'quarter',
  'month',
  'week',
  'day',
  'hour',
  'minute',
  'second',
  'millisecond',
])
const UNIT_MS: Partial<Record<Unit, number>> = {
  millisecond: 1,
  second: MS_SECOND,
  minute: MS_MINUTE,
  hour: MS_HOUR,
}
const DAYS: Record<string, number> = {
  monday: 1,
  mon: 1,
  tuesday: 2,
  tue: 2,
  wednesday: 3,
  wed: 3,
  thursday: 4,
  thu: 4,
  friday: 5,
  fri: 5,
  saturday: 6,
  sat: 6,
  sunday: 7,
  sun: 7,
}

function parseUnit(v: unknown, op: string): Unit {
  if (typeof v !== 'string')
    throw fail(5439013, `${op} requires 'unit' to be a string, but got ${typeName(v)}`)
  if (!UNITS.has(v as Unit))
    throw fail(
      ErrorCodes.FailedToParse,
      `${op} parameter 'unit' value parsing failed :: caused by :: unknown time unit value: ${v}`,
    )
  return v as Unit
}

function parseDayOfWeek(v: unknown, op: string): number {
  if (typeof v !== 'string')
    throw fail(5439015, `${op} requires 'startOfWeek' to be a string, but got ${typeName(v)}`)
  const d = DAYS[v.toLowerCase()]
  if (!d)
    throw fail(5439016, `${op} parameter 'startOfWeek' value cannot be recognized as a day of a week: ${v}`)
  return d
}

/** Adds calendar units in local time for day and larger, elapsed time below (mongod's dateAdd). */
export function dateAdd(ms: number, unit: Unit, amount: number, zone: Zone): number {
  if (unit === 'millisecond') return ms + amount
  const l = localParts(ms, zone)
  if ((unit === 'year' || unit === 'quarter' || unit === 'month') && !(l.d <= 28 && l.off === 0)) {
    // months with a last-day adjustment, expressed as a number of days (2020-10-31 + 1 month = 11-30)
    const months = amount * (unit === 'year' ? 12 : unit === 'quarter' ? 3 : 1)
    const total = l.y * 12 + (l.m - 1) + months
    const ry = Math.floor(total / 12)
    const rm = total - ry * 12 + 1
    amount = dayNumber(ry, rm, Math.min(l.d, daysInMonth(ry, rm))) - dayNumber(l.y, l.m, l.d)
    unit = 'day'
  }
  const calendar =
    unit === 'year' || unit === 'quarter' || unit === 'month' || unit === 'week' || unit === 'day'
  if (zone.fixed !== null || (calendar && amount !== 0)) {
    let wall: number
    switch (unit) {
      case 'year':
        wall = wallMs(l.y + amount, l.m, l.d, l.h, l.mi, l.s, l.ms)
        break
      case 'quarter':
      case 'month':
        wall = wallMs(l.y, l.m + amount * (unit === 'quarter' ? 3 : 1), l.d, l.h, l.mi, l.s, l.ms)
        break
      case 'week':
        wall = l.wall + amount * 7 * MS_DAY
        break
      case 'day':
        wall = l.wall + amount * MS_DAY
        break
      default:
        wall = l.wall + amount * (UNIT_MS[unit] as number)
    }
    return fromWall(wall, zone)
  }
  return ms + amount * (calendar ? MS_DAY : (UNIT_MS[unit] as number))
}

function weekDayFrom(l: Local, startOfWeek: number): number {
  return (isoDayOfWeek(l.y, l.m, l.d) - startOfWeek + 7) % 7
}

/** Boundaries of `unit` crossed from start to end in local time (mongod's dateDiff). */
export function dateDiff(start: number, end: number, unit: Unit, zone: Zone, startOfWeek: number): number {
  if (unit === 'millisecond') return end - start
  // like timelib, whole seconds only
  const a = localParts(Math.floor(start / MS_SECOND) * MS_SECOND, zone)
  const b = localParts(Math.floor(end / MS_SECOND) * MS_SECOND, zone)
  const years = b.y - a.y
  const days = dayNumber(b.y, b.m, b.d) - dayNumber(a.y, a.m, a.d)
  const hours = b.h - a.h + days * 24
  const minutes = b.mi - a.mi + hours * 60
  switch (unit) {
    case 'year':
      return years
    case 'quarter':
      return Math.floor((b.m - 1) / 3) - Math.floor((a.m - 1) / 3) + years * 4
    case 'month':
      return b.m - a.m + years * 12
    case 'week':
      return Math.trunc((days + weekDayFrom(a, startOfWeek) - weekDayFrom(b, startOfWeek)) / 7)
    case 'day':
      return days
    case 'hour':
      return hours + Math.trunc((a.off - b.off) / 3600)
    case 'minute':
      return minutes + Math.trunc((a.off - b.off) / 60)
    default:
      return b.s - a.s + minutes * 60 + (a.off - b.off)
  }
}

const binFloor = (value: number, size: number) => value - (((value % size) + size) % size)

/** mongod's truncateDate: bins counted from 2000-01-01 local (weeks: the first startOfWeek on or after). */
export function truncateDate(
  ms: number,
  unit: Unit,
  binSize: number,
  zone: Zone,
  startOfWeek: number,
): number {
  let refMs = REFERENCE_MS - zone.offset(REFERENCE_MS) * MS_SECOND
  let refDay = 1
  if (unit === 'week') {
    const saturday = 6
    const adjust = (7 - ((saturday - startOfWeek + 7) % 7)) % 7
    refMs += adjust * MS_DAY
    refDay += adjust
  }
  const unitMs = UNIT_MS[unit]
  if (unitMs !== undefined) return refMs + binFloor(ms - refMs, binSize * unitMs)
  if (binSize > 100_000_000_000) throw fail(5439006, 'dateTrunc unsupported binSize value')
  const l = localParts(ms, zone)
  const ref = { y: 2000, m: 1, d: refDay }
  let distance: number
  switch (unit) {
    case 'year':
      distance = l.y - ref.y
      break
    case 'quarter':
      distance = Math.floor((l.m - 1) / 3) + (l.y - ref.y) * 4
      break
    case 'month':
      distance = l.m - ref.m + (l.y - ref.y) * 12
      break
    case 'week': {
      const days = dayNumber(l.y, l.m, l.d) - dayNumber(ref.y, ref.m, ref.d)
      // the reference day starts a week, so its weekday index is 0
      distance = Math.trunc((days - weekDayFrom(l, startOfWeek)) / 7)
      break
    }
    default:
      distance = dayNumber(l.y, l.m, l.d) - dayNumber(ref.y, ref.m, ref.d)
  }
  return dateAdd(refMs, unit, binFloor(distance, binSize), zone)
}

// ---------------------------------------------------------------------------------------------
// Formatting

const TO_STRING_SPECIFIERS = new Set('dGHjLmMSwuUVYzZ%')
const FROM_STRING_SPECIFIERS = new Set('dGHjLmMSuVYzZ%')

function validateFormat(format: string, allowed: Set<string>): void {
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') continue
    const c = format[++i]
    if (c === undefined) throw fail(18535, "Unmatched '%' at end of format string")
    // month names came with later server versions; we do not claim to know which
    if (c === 'b' || c === 'B') throw notSupported(`date format specifier %${c}`)
    if (!allowed.has(c)) throw fail(18536, `Invalid format character '%${c}' in format string`)
  }
}

function padded(n: number, width: number): string {
  if (n < 0 || n > 9999)
    throw fail(
      18537,
      `Could not convert date to string: date component was outside the supported range of 0-9999: ${n}`,
    )
  return String(n).padStart(width, '0')
}

function formatDate(format: string, ms: number, zone: Zone): string {
  const l = localParts(ms, zone)
  let out = ''
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string
    if (c !== '%') {
      out += c
      continue
    }
    const spec = format[++i]
    switch (spec) {
      case '%':
        out += '%'
        break
      case 'Y':
        out += padded(l.y, 4)
        break
      case 'm':
        out += padded(l.m, 2)
        break
      case 'd':
        out += padded(l.d, 2)
        break
      case 'H':
        out += padded(l.h, 2)
        break
      case 'M':
        out += padded(l.mi, 2)
        break
      case 'S':
        out += padded(l.s, 2)
        break
      case 'L':
        out += padded(((ms % 1000) + 1000) % 1000, 3)
        break
      case 'j':
        out += padded(dayOfYear(l.y, l.m, l.d), 3)
        break
      case 'w':
        out += padded((isoDayOfWeek(l.y, l.m, l.d) % 7) + 1, 1)
        break
      case 'U':
        out += padded(sundayWeek(l), 2)
        break
      case 'G':
        out += padded(isoWeekAndYear(l.y, l.m, l.d)[1], 4)
        break
      case 'V':
        out += padded(isoWeekAndYear(l.y, l.m, l.d)[0], 2)
        break
      case 'u':
        out += padded(isoDayOfWeek(l.y, l.m, l.d), 1)
        break
      case 'z':
        out +=
          (l.off < 0 ? '-' : '+') +
          padded(Math.abs(Math.trunc(l.off / 3600)), 2) +
          padded(Math.abs(Math.trunc(l.off / 60)) % 60, 2)
        break
      case 'Z':
        out += String(Math.trunc(l.off / 60))
        break
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Parsing ($dateFromString): the unambiguous subset; anything timelib might read differently is 115

const CONVERSION_FAILURE = ErrorCodes.ConversionFailure

interface Parsed {
  wall: number
  /** offset written in the string, in seconds */
  offset: number | null
}

function checkedWall(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59)
    throw notSupported('$dateFromString of an out-of-range date part')
  return wallMs(y, mo, d, h, mi, s, ms)
}

function offsetSeconds(sign: string, hh: string, mm: string | undefined): number {
  return (sign === '-' ? -1 : 1) * (Number(hh) * 3600 + Number(mm ?? 0) * 60)
}

const ISO_RE =
  /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|([+-])(\d\d)(?::?(\d\d))?)?)?$/

function parseDefault(s: string): Parsed {
  const m = ISO_RE.exec(s)
  if (!m) throw notSupported(`$dateFromString without a format for '${s}' (only ISO 8601 dates are read)`)
  const frac = m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0
  const wall = checkedWall(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), frac)
  const offset = m[8] === undefined ? null : m[8] === 'Z' ? 0 : offsetSeconds(m[9]!, m[10]!, m[11])
  return { wall, offset }
}

const FORMAT_FIELDS: Record<string, [width: number, field: string]> = {
  Y: [4, 'y'],
  m: [2, 'mo'],
  d: [2, 'd'],
  H: [2, 'h'],
  M: [2, 'mi'],
  S: [2, 's'],
  L: [3, 'ms'],
}

function parseWithFormat(s: string, format: string): Parsed {
  const f: Record<string, number> = {}
  let offset: number | null = null
  let pos = 0
  const mismatch = () => notSupported(`$dateFromString of '${s}' with format '${format}'`)
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string
    if (c !== '%' || format[i + 1] === '%') {
      if (s[pos] !== c) throw mismatch()
      pos++
      if (c === '%') i++
      continue
    }
    const spec = format[++i] as string
    const field = FORMAT_FIELDS[spec]
    if (field) {
      const digits = s.slice(pos, pos + field[0])
      if (!/^\d+$/.test(digits) || digits.length !== field[0]) throw mismatch()
      f[field[1]] = Number(digits)
      pos += field[0]
    } else if (spec === 'z') {
      const m = /^([+-])(\d\d)(?::?(\d\d))?/.exec(s.slice(pos))
      if (!m) throw mismatch()
      offset = offsetSeconds(m[1]!, m[2]!, m[3])
      pos += m[0].length
    } else throw notSupported(`$dateFromString format specifier %${spec}`)
  }
  if (pos !== s.length) throw mismatch()
  const hasTime = ['h', 'mi', 's'].map((k) => f[k] !== undefined)
  if (f.y === undefined || f.mo === undefined || f.d === undefined)
    throw fail(
      CONVERSION_FAILURE,
      `an incomplete date/time string has been found, with elements missing: "${s}"`,
    )
  if (hasTime.some(Boolean) && !hasTime.every(Boolean)) throw mismatch()
  const wall = checkedWall(f.y, f.mo, f.d, f.h ?? 0, f.mi ?? 0, f.s ?? 0, f.ms ?? 0)
  return { wall, offset }
}

// ---------------------------------------------------------------------------------------------
// Operator plumbing

const nullish = (v: unknown) => v === null || v === undefined

export function typeName(v: unknown): string {
  if (v === undefined) return 'missing'
  if (v === null) return 'null'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double'
  if (v instanceof Date) return 'date'
  if (Array.isArray(v)) return 'array'
  const t = (v as { _bsontype?: string })._bsontype
  if (t === 'ObjectId') return 'objectId'
  if (t === 'Long') return 'long'
  if (t === 'Decimal128') return 'decimal'
  if (t === 'Timestamp') return 'timestamp'
  return t ? t.toLowerCase() : 'object'
}

/** Value::coerceToDate: dates, timestamps and ObjectIds (their creation second). */
function dateMs(v: unknown): number | null {
  if (v instanceof Date) return v.getTime()
  const t = (v as { _bsontype?: string } | null)?._bsontype
  if (t === 'Timestamp') return (v as { t: number }).t * MS_SECOND
  if (t === 'ObjectId') return (v as { getTimestamp(): Date }).getTimestamp().getTime()
  return null
}

function coerceDate(v: unknown): number {
  const ms = dateMs(v)
  if (ms === null) throw fail(16006, `can't convert from BSON type ${typeName(v)} to Date`)
  return ms
}

function convertDate(v: unknown, op: string, param: string): number {
  const ms = dateMs(v)
  if (ms === null) throw fail(5166307, `${op} requires '${param}' to be a date, but got ${typeName(v)}`)
  return ms
}

/** A whole number (int, long or integral double), or null. */
function integral(v: unknown): number | null {
  const n = typeof v === 'number' ? v : toNumber(v)
  return Number.isInteger(n) ? n : null
}

type Eval = (expr: unknown) => unknown

function argsObject(op: string, expr: unknown, allowed: string[], required: string[]): Document {
  if (!isPlainObject(expr)) throw fail(ErrorCodes.BadValue, `${op} only supports an object as its argument`)
  for (const k of Object.keys(expr))
    if (!allowed.includes(k)) throw fail(ErrorCodes.BadValue, `Unrecognized argument to ${op}: ${k}`)
  for (const k of required)
    if (!(k in expr)) throw fail(ErrorCodes.BadValue, `Missing '${k}' parameter to ${op}`)
  return expr
}

/** The zone a `timezone` argument names: UTC when absent, null when it evaluates to null/missing. */
function zoneArg(args: Document, ev: Eval): Zone | null {
  if (!('timezone' in args)) return UTC_ZONE
  const id = ev(args.timezone)
  return nullish(id) ? null : zoneOf(id)
}

type DateOp = (obj: Document, expr: unknown, options: Options) => unknown

const evaluator =
  (obj: Document, options: Options): Eval =>
  (e) =>
    computeValue(obj, e, null, options)

/** $year & co: `<date>`, `[<date>]` or `{date, timezone}`. */
function extraction(op: string, fn: (ms: number, zone: Zone) => number): DateOp {
  return (obj, expr, options) => {
    const ev = evaluator(obj, options)
    let arg = expr
    if (Array.isArray(arg)) {
      if (arg.length !== 1)
        throw fail(40536, `${op} takes exactly 1 arguments. ${arg.length} were passed in.`)
      arg = arg[0]
    }
    let args: Document = { date: arg }
    if (isPlainObject(arg) && !Object.keys(arg)[0]?.startsWith('$'))
      args = argsObject(op, arg, ['date', 'timezone'], ['date'])
    const date = ev(args.date)
    if (nullish(date)) return null
    const ms = coerceDate(date)
    const zone = zoneArg(args, ev)
    return zone ? fn(ms, zone) : null
  }
}

const local = (f: (l: Local) => number) => (ms: number, zone: Zone) => f(localParts(ms, zone))

const $dateToString: DateOp = (obj, expr, options) => {
  const ev = evaluator(obj, options)
  const args = argsObject('$dateToString', expr, ['date', 'format', 'timezone', 'onNull'], ['date'])
  let format: unknown
  if ('format' in args) {
    format = ev(args.format)
    if (!nullish(format)) {
      if (typeof format !== 'string')
        throw fail(18533, `$dateToString requires that 'format' be a string, found: ${typeName(format)}`)
      validateFormat(format, TO_STRING_SPECIFIERS)
    }
  }
  const zone = zoneArg(args, ev)
  const date = ev(args.date)
  if (nullish(date)) return 'onNull' in args ? ev(args.onNull) : null
  if (!zone) return null
  if ('format' in args && nullish(format)) return null
  const fmt = (format as string | undefined) ?? (zone.utc ? '%Y-%m-%dT%H:%M:%S.%LZ' : '%Y-%m-%dT%H:%M:%S.%L')
  return formatDate(fmt, coerceDate(date), zone)
}

const $dateTrunc: DateOp = (obj, expr, options) => {
  const ev = evaluator(obj, options)
  const args = argsObject(
    '$dateTrunc',
    expr,
    ['date', 'unit', 'binSize', 'timezone', 'startOfWeek'],
    ['date', 'unit'],
  )
  const date = ev(args.date)
  if (nullish(date)) return null
  let binSize = 1
  if ('binSize' in args) {
    const v = ev(args.binSize)
    if (nullish(v)) return null
    const n = integral(v)
    if (n === null)
      throw fail(
        5439017,
        `$dateTrunc requires 'binSize' to be a 64-bit integer, but got value of type ${typeName(v)}`,
      )
    if (n <= 0) throw fail(5439018, `$dateTrunc requires 'binSize' to be greater than 0, but got value ${n}`)
    binSize = n
  }
  const unitValue = ev(args.unit)
  if (nullish(unitValue)) return null
  const unit = parseUnit(unitValue, '$dateTrunc')
  let startOfWeek = 7
  if (unit === 'week' && 'startOfWeek' in args) {
    const v = ev(args.startOfWeek)
    if (nullish(v)) return null
    startOfWeek = parseDayOfWeek(v, '$dateTrunc')
  }
  const zone = zoneArg(args, ev)
  if (!zone) return null
  return new Date(truncateDate(convertDate(date, '$dateTrunc', 'date'), unit, binSize, zone, startOfWeek))
}

function dateArithmetic(op: string, sign: 1 | -1): DateOp {
  return (obj, expr, options) => {
    const ev = evaluator(obj, options)
    const args = argsObject(
      op,
      expr,
      ['startDate', 'unit', 'amount', 'timezone'],
      ['startDate', 'unit', 'amount'],
    )
    const start = ev(args.startDate)
    if (nullish(start)) return null
    const unitValue = ev(args.unit)
    if (nullish(unitValue)) return null
    const unit = parseUnit(unitValue, op)
    const amountValue = ev(args.amount)
    if (nullish(amountValue)) return null
    const zone = zoneArg(args, ev)
    if (!zone) return null
    const ms = dateMs(start)
    if (ms === null) throw fail(5166403, `${op} requires startDate to be convertible to a date`)
    const amount = integral(amountValue)
    if (amount === null) throw fail(5166405, `${op} expects integer amount of time units`)
    return new Date(dateAdd(ms, unit, sign * amount, zone))
  }
}

const $dateDiff: DateOp = (obj, expr, options) => {
  const ev = evaluator(obj, options)
  const args = argsObject(
    '$dateDiff',
    expr,
    ['startDate', 'endDate', 'unit', 'timezone', 'startOfWeek'],
    ['startDate', 'endDate', 'unit'],
  )
  const start = ev(args.startDate)
  if (nullish(start)) return null
  const end = ev(args.endDate)
  if (nullish(end)) return null
  const unitValue = ev(args.unit)
  if (nullish(unitValue)) return null
  const unit = parseUnit(unitValue, '$dateDiff')
  let startOfWeek = 7
  if (unit === 'week' && 'startOfWeek' in args) {
    const v = ev(args.startOfWeek)
    if (nullish(v)) return null
    startOfWeek = parseDayOfWeek(v, '$dateDiff')
  }
  const zone = zoneArg(args, ev)
  if (!zone) return null
  return dateDiff(
    convertDate(start, '$dateDiff', 'startDate'),
    convertDate(end, '$dateDiff', 'endDate'),
    unit,
    zone,
    startOfWeek,
  )
}

const $dateToParts: DateOp = (obj, expr, options) => {
  const ev = evaluator(obj, options)
  const args = argsObject('$dateToParts', expr, ['date', 'timezone', 'iso8601'], ['date'])
  const date = ev(args.date)
  const zone = zoneArg(args, ev)
  if (!zone) return null
  let iso = false
  if ('iso8601' in args) {
    const v = ev(args.iso8601)
    if (nullish(v)) return null
    if (typeof v !== 'boolean') throw fail(40521, `iso8601 must evaluate to a bool, found ${typeName(v)}`)
    iso = v
  }
  if (nullish(date)) return null
  const ms = coerceDate(date)
  const l = localParts(ms, zone)
  const millisecond = ((ms % 1000) + 1000) % 1000
  if (iso) {
    const [isoWeek, isoWeekYear] = isoWeekAndYear(l.y, l.m, l.d)
    return {
      isoWeekYear,
      isoWeek,
      isoDayOfWeek: isoDayOfWeek(l.y, l.m, l.d),
      hour: l.h,
      minute: l.mi,
      second: l.s,
      millisecond,
    }
  }
  return { year: l.y, month: l.m, day: l.d, hour: l.h, minute: l.mi, second: l.s, millisecond }
}

const $dateFromParts: DateOp = (obj, expr, options) => {
  const ev = evaluator(obj, options)
  const args = argsObject(
    '$dateFromParts',
    expr,
    [
      'year',
      'month',
      'day',
      'isoWeekYear',
      'isoWeek',
      'isoDayOfWeek',
      'hour',
      'minute',
      'second',
      'millisecond',
      'timezone',
    ],
    [],
  )
  const iso = 'isoWeekYear' in args
  if (
    iso === 'year' in args ||
    (iso && ('month' in args || 'day' in args)) ||
    (!iso && ('isoWeek' in args || 'isoDayOfWeek' in args))
  )
    throw fail(40489, "$dateFromParts requires either 'year' or 'isoWeekYear' to be present, and not both")
  // evaluateNumberWithDefault(AndBounds): null/missing → the result is null
  const part = (name: string, dflt: number, bounded: boolean): number | null => {
    if (!(name in args)) return dflt
    const v = ev(args[name])
    if (nullish(v)) return null
    const n = integral(v)
    if (n === null) throw fail(40515, `'${name}' must evaluate to an integer, found ${typeName(v)}`)
    if (bounded && (n < -32768 || n > 32767))
      throw fail(
        31034,
        `'${name}' must evaluate to a value in the range [-32768, 32767]; value ${n} is not in range`,
      )
    return n
  }
  const hour = part('hour', 0, true)
  const minute = part('minute', 0, true)
  const second = part('second', 0, false)
  const millisecond = part('millisecond', 0, false)
  if (hour === null || minute === null || second === null || millisecond === null) return null
  const zone = zoneArg(args, ev)
  if (!zone) return null
  let wall: number
  if (!iso) {
    const year = part('year', 1970, false)
    const month = part('month', 1, true)
    const day = part('day', 1, true)
    if (year === null || month === null || day === null) return null
    if (year < 1 || year > 9999)
      throw fail(40523, `'year' must evaluate to an integer in the range 1 to 9999, found ${year}`)
    wall = wallMs(year, month, day, hour, minute, second, millisecond)
  } else {
    const isoWeekYear = part('isoWeekYear', 1970, false)
    const isoWeek = part('isoWeek', 1, true)
    const isoDay = part('isoDayOfWeek', 1, true)
    if (isoWeekYear === null || isoWeek === null || isoDay === null) return null
    if (isoWeekYear < 1 || isoWeekYear > 9999)
      throw fail(
        31095,
        `'isoWeekYear' must evaluate to an integer in the range 1 to 9999, found ${isoWeekYear}`,
      )
    const mondayOfWeek1 = 4 - (isoDayOfWeek(isoWeekYear, 1, 4) - 1)
    wall = wallMs(
      isoWeekYear,
      1,
      mondayOfWeek1 + (isoWeek - 1) * 7 + (isoDay - 1),
      hour,
      minute,
      second,
      millisecond,
    )
  }
  return new Date(fromWall(wall, zone))
}

const $dateFromString: DateOp = (obj, expr, options) => {
  const ev = evaluator(obj, options)
  const args = argsObject(
    '$dateFromString',
    expr,
    ['dateString', 'format', 'timezone', 'onError', 'onNull'],
    ['dateString'],
  )
  const input = ev(args.dateString)
  let format: unknown
  if ('format' in args) {
    format = ev(args.format)
    if (!nullish(format)) {
      if (typeof format !== 'string')
        throw fail(40684, `$dateFromString requires that 'format' be a string, found: ${typeName(format)}`)
      validateFormat(format, FROM_STRING_SPECIFIERS)
    }
  }
  const zone = zoneArg(args, ev)
  if (nullish(input)) return 'onNull' in args ? ev(args.onNull) : null
  try {
    if (typeof input !== 'string')
      throw fail(
        CONVERSION_FAILURE,
        `$dateFromString requires that 'dateString' be a string, found: ${typeName(input)}`,
      )
    if (!zone) return null
    if ('format' in args && nullish(format)) return null
    const parsed = format === undefined ? parseDefault(input) : parseWithFormat(input, format as string)
    if (parsed.offset !== null) {
      if (!zone.utc)
        throw fail(
          CONVERSION_FAILURE,
          'you cannot pass in a date/time string with GMT offset together with a timezone argument',
        )
      return new Date(parsed.wall - parsed.offset * MS_SECOND)
    }
    return new Date(fromWall(parsed.wall, zone))
  } catch (err) {
    if (err instanceof MongoServerError && err.code === CONVERSION_FAILURE && 'onError' in args)
      return ev(args.onError)
    throw err
  }
}

/** Every mongod date operator that takes a `timezone`, registered ahead of mingo's. */
export const dateOperators: Record<string, DateOp> = {
  $year: extraction(
    '$year',
    local((l) => l.y),
  ),
  $month: extraction(
    '$month',
    local((l) => l.m),
  ),
  $dayOfMonth: extraction(
    '$dayOfMonth',
    local((l) => l.d),
  ),
  $hour: extraction(
    '$hour',
    local((l) => l.h),
  ),
  $minute: extraction(
    '$minute',
    local((l) => l.mi),
  ),
  $second: extraction(
    '$second',
    local((l) => l.s),
  ),
  $millisecond: extraction('$millisecond', (ms) => ((ms % 1000) + 1000) % 1000),
  $dayOfYear: extraction(
    '$dayOfYear',
    local((l) => dayOfYear(l.y, l.m, l.d)),
  ),
  $dayOfWeek: extraction(
    '$dayOfWeek',
    local((l) => (isoDayOfWeek(l.y, l.m, l.d) % 7) + 1),
  ),
  $week: extraction('$week', local(sundayWeek)),
  $isoWeek: extraction(
    '$isoWeek',
    local((l) => isoWeekAndYear(l.y, l.m, l.d)[0]),
  ),
  $isoWeekYear: extraction(
    '$isoWeekYear',
    local((l) => isoWeekAndYear(l.y, l.m, l.d)[1]),
  ),
  $isoDayOfWeek: extraction(
    '$isoDayOfWeek',
    local((l) => isoDayOfWeek(l.y, l.m, l.d)),
  ),
  $dateToString,
  $dateToParts,
  $dateFromParts,
  $dateFromString,
  $dateTrunc,
  $dateAdd: dateArithmetic('$dateAdd', 1),
  $dateSubtract: dateArithmetic('$dateSubtract', -1),
  $dateDiff,
}
