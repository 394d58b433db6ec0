import { allowedMoves, type MachineDef } from '@/api/contracts'
import { useSessionStore } from '@/stores/session'

/**
 * The moves the console offers for a record: those its state machine (declared in the api's contract)
 * allows from its current state, and whose permission the signed-in user holds. Buttons read this instead
 * of repeating status checks, so the console and the api's guarded moves cannot disagree.
 */
export function useMoves() {
  const session = useSessionStore()
  return <S extends string, M extends string>(m: MachineDef<S, M>, status: S): Set<M> =>
    new Set(allowedMoves(m, status, session.me?.permissions ?? []))
}
