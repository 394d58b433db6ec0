/**
 * Dates leave the api in one spelling: ISO 8601 in UTC (`2026-03-01T02:00:00.000Z`), which the contracts
 * declare as strings and the console and mini-program parse back. Presenters call this instead of keeping
 * their own copy, so an absent date is `null` everywhere (never `undefined`, never an empty string).
 *
 * One name, two shapes: a `Date` gives a `string`, so a required field stays required in the presenter's
 * type; anything that may be absent gives `string | null`.
 */
export function iso(d: Date): string
export function iso(d: Date | null | undefined): string | null
export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null
}

// ── Beijing calendar ────────────────────────────────────────────────────────────────────────────────
// Times are stored in UTC; days, years and deadlines a person reads are Beijing's (UTC+8, no DST).

const BEIJING_MS = 8 * 3600_000

/** The Beijing calendar date of an instant: `2026-10-08`. */
export const beijingDate = (at: Date = new Date()): string =>
  new Date(at.getTime() + BEIJING_MS).toISOString().slice(0, 10)

/** The Beijing calendar year of an instant. */
export const beijingYear = (at: Date = new Date()): number =>
  new Date(at.getTime() + BEIJING_MS).getUTCFullYear()

/** Beijing wall time of an instant for tables and exports: `2026-10-08 09:30`. */
export const beijingDateTime = (at: Date): string =>
  new Date(at.getTime() + BEIJING_MS).toISOString().slice(0, 16).replace('T', ' ')

/** The first instant of a Beijing date (00:00 Beijing), as UTC. */
export const beijingStartOf = (date: string): Date => new Date(`${date}T00:00:00.000+08:00`)

/** The last instant of a Beijing date (23:59:59.999 Beijing), as UTC. */
export const beijingEndOf = (date: string): Date => new Date(`${date}T23:59:59.999+08:00`)
