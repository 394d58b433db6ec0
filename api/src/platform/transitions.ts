import type { Model, UpdateQuery } from 'mongoose'
import type { MachineDef } from '../modules/machine.contract.js'
import { errors } from './errors.js'

/**
 * The one guarded state move: `findOneAndUpdate({ ...filter, status: { $in: from } })`, atomic in the
 * database, so of two concurrent moves exactly one wins. A refused move answers 409 `STATE_CONFLICT` with
 * the record's current state and the states the move needs; a missing record answers 404.
 * `statusField` names the field holding the state (default `status`).
 */
export async function transition<S extends string, M extends string, T>(
  model: Model<T>,
  m: MachineDef<S, M>,
  move: M,
  filter: Record<string, unknown>,
  update: { $set?: Record<string, unknown>; [op: string]: unknown } = {},
  opts: { statusField?: string } = {},
): Promise<T> {
  const field = opts.statusField ?? 'status'
  const def = m.moves[move]
  const moved = await model
    .findOneAndUpdate(
      { ...filter, [field]: { $in: def.from } },
      { ...update, $set: { ...update.$set, [field]: def.to } } as UpdateQuery<T>,
      { new: true },
    )
    .lean<T>()
  if (moved) return moved
  const current = await model.findOne(filter, { [field]: 1 }).lean<Record<string, unknown>>()
  if (!current) throw errors.notFound(m.what)
  throw stateConflict(m, move, readPath(current, field) as S)
}

/** 409 with the current state, in words: the console shows it instead of the move it tried. */
export function stateConflict<S extends string, M extends string>(m: MachineDef<S, M>, move: M, current: S) {
  const def = m.moves[move]
  return errors.conflict(
    'STATE_CONFLICT',
    `${m.what}当前为“${m.states[current] ?? current}”，不能${def.label}，请刷新后重试`,
    { current, allowedFrom: def.from, move },
  )
}

function readPath(doc: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc)
}
