import type { FilterQuery, Model, SortOrder } from 'mongoose'

/**
 * One page of a filtered, sorted list and the total it was cut from: the shape of every console and
 * mini-program list. Callers present `docs` into the contract's `items`.
 *
 * The total costs a count only when the page cannot tell it: one more document than the page holds is
 * read, and when it is not there this page is the last, so the total is what came before plus what it
 * holds. Most lists (a bureau's roles and users, a member's bookings) fit one page and never count; long
 * ones count with the same filter, which the list's index serves.
 */
export async function findPage<T>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model; T names what `lean` returns
  model: Model<any>,
  filter: FilterQuery<unknown>,
  q: { page: number; pageSize: number },
  sort: Record<string, SortOrder>,
  projection?: Record<string, 0 | 1>,
) {
  const skip = (q.page - 1) * q.pageSize
  const docs = await model
    .find(filter, projection)
    .sort(sort)
    .skip(skip)
    .limit(q.pageSize + 1)
    .lean<T[]>()
  const more = docs.length > q.pageSize
  if (more) docs.pop()
  // A page past the end holds nothing and so tells nothing: count then too.
  const known = !more && (docs.length > 0 || q.page === 1)
  const total = known ? skip + docs.length : await model.countDocuments(filter)
  return { docs, total, page: q.page, pageSize: q.pageSize }
}

/** User text inside a `$regex`, matched literally. */
export const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
