/**
 * A lifecycle declared as data, in its domain's contract: the states, and each named move with the states it
 * may start from, the state it leads to and the console permission it needs (none for moves the system or
 * the mini-program makes). The api moves records only through `transition()` (platform/transitions.ts); the
 * console offers only the moves `allowedMoves` returns for a record.
 */
export interface MoveDef<S extends string = string> {
  from: readonly S[]
  to: S
  /** a console permission key, e.g. 'push.manage'; absent for moves made by the system or the record's owner */
  permission?: string
  /** the button or log label, e.g. 取消发送 */
  label: string
}

export interface MachineDef<S extends string = string, M extends string = string> {
  /** the record's name in messages, e.g. 推送 */
  what: string
  states: Readonly<Record<S, string>>
  moves: Readonly<Record<M, MoveDef<S>>>
}

/**
 * Keeps the literal types of a machine. The states are those `states` declares (a state no move touches yet,
 * such as a member's `removed`, is still one); every move's states are checked against them.
 */
export function machine<const S extends string, const M extends string>(def: {
  what: string
  states: Readonly<Record<S, string>>
  moves: Readonly<Record<M, MoveDef<NoInfer<S>>>>
}): MachineDef<S, M> {
  return def
}

/**
 * The moves a record in `status` may take. Given the `permissions` a console user holds: only the moves whose
 * permission they hold (console buttons; the system's and the owner's moves carry none, so are not offered).
 * Without: every move the state allows (the owner's view, or the system's).
 */
export function allowedMoves<S extends string, M extends string>(
  m: MachineDef<S, M>,
  status: S,
  permissions?: Iterable<string>,
): M[] {
  const held = permissions ? new Set(permissions) : undefined
  return (Object.keys(m.moves) as M[]).filter((name) => {
    const move = m.moves[name]
    return move.from.includes(status) && (!held || (!!move.permission && held.has(move.permission)))
  })
}
