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
