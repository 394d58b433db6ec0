import { z } from 'zod'
import { defineTask } from '../../platform/tasks.js'
import type { StationsServices } from './stations.module.js'

export const STATIONS_QUEUE = 'stations'

/**
 * Pending bookings nobody confirmed before their start are cancelled (no points lost) and their bookers
 * told. Every five minutes; a failed run changes nothing and the next one sweeps again.
 */
export const LapsePendingTask = defineTask({
  queue: STATIONS_QUEUE,
  name: 'stations.lapse-pending',
  payload: z.object({}),
  repeat: { every: 5 * 60_000 },
  options: { attempts: 1, jobId: 'stations-lapse-pending' },
  perform: (s: StationsServices) => s.bookings.lapsePending(),
  onFailed: async () => {},
})

/**
 * Seats a crash left held (a booking's insert or a cancellation's release cut short) are given back by
 * the same once-only update a cancellation uses. Hourly; never takes a seat, so it cannot overfill.
 */
export const ReconcileSeatsTask = defineTask({
  queue: STATIONS_QUEUE,
  name: 'stations.reconcile-seats',
  payload: z.object({}),
  repeat: { every: 60 * 60_000 },
  options: { attempts: 1, jobId: 'stations-reconcile-seats' },
  perform: (s: StationsServices) => s.bookings.reconcileSeats(),
  onFailed: async () => {},
})

export const STATION_TASKS = [LapsePendingTask, ReconcileSeatsTask] as const
