import type { Model, Types, UpdateQuery } from 'mongoose'
import type { MachineDef } from '../modules/machine.contract.js'
import { errors, type AppError } from './errors.js'

/** What a refused move knows, for a domain that answers with its own named 409. */
export interface Refusal<S extends string, M extends string> {
  current: S
  allowedFrom: readonly S[]
  move: M
  /** the state allowed the move, so the `guard` failed (the record changed since it was read) */
  stateAllowed: boolean
}

export interface TransitionOptions<S extends string, M extends string> {
  /** the field holding the state (default `status`) */
  statusField?: string
  /** records written before the lifecycle existed have no state: they count as this one */
  missingIs?: S
  /**
   * Conditions the move needs beyond the state, e.g. the revision or file the user looked at. Kept apart
   * from `filter` (which names the record), so a failed guard is told from a missing record.
   */
  guard?: Record<string, unknown>
  /** the domain's own 409, for codes clients already branch on; default `STATE_CONFLICT` */
  conflict?: (r: Refusal<S, M>) => AppError
  /** the domain's own 404; default `<what>不存在或无权查看` */
  notFound?: () => AppError
}

/**
 * The one guarded state move: `findOneAndUpdate({ ...filter, status: { $in: from } })`, atomic in the
 * database, so of two concurrent moves exactly one wins. A refused move answers 409 `STATE_CONFLICT` (or the
 * domain's `conflict`) with the record's current state and the states the move needs; a missing record 404.
 * The result is the moved record, lean, typed as the caller's context asks (`const c: CampaignDoc = …`).
 */
export async function transition<S extends string, M extends string, D = { _id: Types.ObjectId }>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any collection; D is the caller's lean type, as with .lean<D>()
  model: Model<any>,
  m: MachineDef<S, M>,
  move: M,
  filter: Record<string, unknown>,
  update: { $set?: Record<string, unknown>; [op: string]: unknown } = {},
  opts: TransitionOptions<S, M> = {},
): Promise<D> {
  const field = opts.statusField ?? 'status'
  const def = m.moves[move]
  const from: (S | null)[] = [...def.from]
  if (opts.missingIs && def.from.includes(opts.missingIs)) from.push(null)
  const moved = await model
    .findOneAndUpdate(
      { ...filter, ...opts.guard, [field]: { $in: from } },
      { ...update, $set: { ...update.$set, [field]: def.to } } as UpdateQuery<unknown>,
      { new: true },
    )
    .lean<D>()
  if (moved) return moved
  const found = await model.findOne(filter, { [field]: 1 }).lean<Record<string, unknown>>()
  if (!found) throw opts.notFound?.() ?? errors.notFound(m.what)
  const current = ((readPath(found, field) as S | null | undefined) ?? opts.missingIs) as S
  const refusal = { current, allowedFrom: def.from, move, stateAllowed: def.from.includes(current) }
  throw opts.conflict?.(refusal) ?? stateConflict(m, move, current)
}

/** 409 with the current state, in words: the console shows it instead of the move it tried. */
export function stateConflict<S extends string, M extends string>(m: MachineDef<S, M>, move: M, current: S) {
  const def = m.moves[move]
  return errors.stateConflict(
    `${m.what}当前为“${m.states[current] ?? current}”，不能${def.label}，请刷新后重试`,
    { current, allowedFrom: def.from, move },
  )
}

/** Whether `move` may start from `status`: a cheap check before work the move would waste (a WeChat call). */
export function mayMove<S extends string, M extends string>(m: MachineDef<S, M>, move: M, status: S) {
  return m.moves[move].from.includes(status)
}

function readPath(doc: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc)
}
