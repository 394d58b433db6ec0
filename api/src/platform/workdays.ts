// The package's CommonJS build (what Node loads) has no named exports: take them from its default.
import chineseDays from 'chinese-days'

import { beijingDate, beijingEndOf } from './time.js'

const { findWorkday, getWorkdaysInRange } = chineseDays

/**
 * Deadlines in working days (工作日), on the State Council's official holiday and adjusted-workday
 * calendar as the `chinese-days` package publishes it: public holidays are skipped and adjusted working
 * Saturdays and Sundays (调休上班) count. Years the package does not know yet count weekdays only;
 * updating the package brings each year's calendar once it is announced (usually in November).
 */

/** The end (23:59:59.999 Beijing) of the `n`th working day after `from`'s Beijing date (today not counted). */
export function workingDaysDeadline(n: number, from: Date = new Date()): Date {
  return beijingEndOf(findWorkday(n, beijingDate(from)))
}

/**
 * Working days left before a deadline, today not counted: 0 on the deadline's own day (or after it),
 * 1 when the deadline is the next working day.
 */
export function workingDaysLeft(deadline: Date, now: Date = new Date()): number {
  const today = beijingDate(now)
  const last = beijingDate(deadline)
  if (last <= today) return 0
  return getWorkdaysInRange(today, last).filter((d) => d > today).length
}

/** Whether a Beijing date (YYYY-MM-DD) is a working day on the official calendar. */
export const isWorkday = (date: string): boolean => chineseDays.isWorkday(date)
