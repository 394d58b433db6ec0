import { z } from 'zod'
import { defineTask } from '../../platform/tasks.js'
import type { TrainingsServices } from './trainings.module.js'

export const TRAININGS_QUEUE = 'trainings'

/**
 * The waitlist's sweep: offers past their time expire and pass on; seats a crash left held are released;
 * free seats are offered while anyone waits. Every minute; each step is a guarded once-only update, so a
 * failed or killed run changes nothing twice and the next run finishes the work.
 */
export const WaitlistSweepTask = defineTask({
  queue: TRAININGS_QUEUE,
  name: 'trainings.waitlist-sweep',
  payload: z.object({}),
  repeat: { every: 60_000 },
  options: { attempts: 1, jobId: 'trainings-waitlist-sweep' },
  perform: (s: TrainingsServices) => s.trainings.sweep(),
  onFailed: async () => {},
})

export const TRAINING_TASKS = [WaitlistSweepTask] as const
