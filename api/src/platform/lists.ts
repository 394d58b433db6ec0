import type { FilterQuery, Model, SortOrder } from 'mongoose'

/**
 * One page of a filtered, sorted list and the total it was cut from: the shape of every console and
 * mini-program list. Callers present `docs` into the contract's `items`.
 */
export async function findPage<T>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model; T names what `lean` returns
  model: Model<any>,
  filter: FilterQuery<unknown>,
  q: { page: number; pageSize: number },
  sort: Record<string, SortOrder>,
  projection?: Record<string, 0 | 1>,
) {
  const [docs, total] = await Promise.all([
    model
      .find(filter, projection)
      .sort(sort)
      .skip((q.page - 1) * q.pageSize)
      .limit(q.pageSize)
      .lean<T[]>(),
    model.countDocuments(filter),
  ])
  return { docs, total, page: q.page, pageSize: q.pageSize }
}

/** User text inside a `$regex`, matched literally. */
export const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
