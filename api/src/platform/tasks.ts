import type { Job, JobOptions, Queue } from 'bull'
import type { z } from 'zod'
import type { Logger } from './logger.js'
import { jobDuration, jobFailures } from './metrics.js'

export interface TaskRun {
  /** 1-based */
  attempt: number
  /** no retry follows a failure of this attempt */
  lastAttempt: boolean
}

/**
 * One job, declared in one module beside its domain (outline's BaseTask): the queue it runs on, its payload
 * schema (checked when enqueued and when processed), retry options, `perform`, and `onFailed`, which runs
 * once bull has given up (attempts spent, or stalled too often) and must leave the work in a final state a
 * person can see. `D` is what the domain's `build` made: its services.
 */
export interface TaskDef<P extends z.ZodType = z.ZodType, D = unknown> {
  queue: string
  name: string
  payload: P
  options: JobOptions
  /** jobs processed at once by one worker (default 1; a worker may override it per task name) */
  concurrency?: number
  /** a repeatable schedule, one across all workers (bull dedupes repeatable jobs by key) */
  repeat?: { every: number } | { cron: string; tz?: string }
  perform(deps: D, payload: z.output<P>, run: TaskRun): Promise<unknown>
  /** After the last attempt failed. Must be idempotent: a sweep may call it again. */
  onFailed(deps: D, payload: z.output<P>, err: Error): Promise<void>
}

/** Keeps the literal types of a task, checked against TaskDef. */
export function defineTask<P extends z.ZodType, D>(task: TaskDef<P, D>): TaskDef<P, D> {
  return task
}

/** Enqueues a task's job after checking its payload, so a malformed job never reaches a worker. */
export async function enqueue<P extends z.ZodType>(
  queue: Pick<Queue, 'add'>,
  task: TaskDef<P, never>,
  payload: z.input<P>,
  options: JobOptions = {},
) {
  const data = task.payload.parse(payload)
  return queue.add(task.name, data, { ...task.options, ...options })
}

/** Like enqueue, for many jobs of one task in one round trip per 200. */
export async function enqueueBulk<P extends z.ZodType>(
  queue: Pick<Queue, 'addBulk'>,
  task: TaskDef<P, never>,
  jobs: { payload: z.input<P>; options?: JobOptions }[],
) {
  for (let i = 0; i < jobs.length; i += 200)
    await queue.addBulk(
      jobs.slice(i, i + 200).map((j) => ({
        name: task.name,
        data: task.payload.parse(j.payload),
        opts: { ...task.options, ...j.options },
      })),
    )
}

/**
 * Runs registered tasks on their queues: parses the payload, tells perform whether no retry follows, and
 * once bull has given up on a job runs the task's onFailed. An onFailed that fails is logged; the domain's
 * sweep (itself a repeatable task) catches up.
 */
export class TaskRunner {
  private readonly tasks = new Map<string, { task: TaskDef<z.ZodType, unknown>; deps: unknown }>()
  private readonly finishing = new Set<Promise<void>>()
  private readonly watched = new Set<Queue>()

  constructor(
    private readonly queueOf: (name: string) => Queue,
    private readonly log: Logger,
  ) {}

  run<D>(task: TaskDef<z.ZodType, D>, deps: D, concurrency = task.concurrency ?? 1) {
    const queue = this.queueOf(task.queue)
    const key = `${task.queue}:${task.name}`
    if (this.tasks.has(key)) throw new Error(`task ${key} is registered twice`)
    this.tasks.set(key, { task: task as TaskDef<z.ZodType, unknown>, deps })
    this.watch(queue)
    void queue.process(task.name, concurrency, async (job: Job) => {
      const attempt = job.attemptsMade + 1
      const lastAttempt = attempt >= (job.opts.attempts ?? 1)
      const timer = jobDuration.startTimer({ queue: task.queue, task: task.name })
      try {
        const result = await task.perform(deps, task.payload.parse(job.data), { attempt, lastAttempt })
        timer({ outcome: 'completed' })
        return result
      } catch (err) {
        timer({ outcome: 'failed' })
        throw err
      }
    })
  }

  /** Adds every repeatable schedule; called once the queues are ready. */
  async schedule() {
    for (const { task } of this.tasks.values())
      if (task.repeat)
        await this.queueOf(task.queue).add(task.name, task.payload.parse({}), {
          ...task.options,
          repeat: task.repeat,
        })
  }

  /** Waits for onFailed calls under way, so closing never cuts one short. */
  async drain() {
    await Promise.all([...this.finishing])
  }

  private watch(queue: Queue) {
    if (this.watched.has(queue)) return
    this.watched.add(queue)
    queue.on('failed', (job: Job | null, err: Error) => {
      if (!job) return
      this.log.warn(
        { queue: queue.name, job: job.name, id: job.id, attempts: job.attemptsMade, err: err.message },
        'job failed',
      )
      const entry = this.tasks.get(`${queue.name}:${job.name}`)
      if (!entry) {
        jobFailures.inc({ queue: queue.name, task: job.name, final: String(this.outOfAttempts(job)) })
        return
      }
      const done: Promise<void> = this.finish(queue, entry, job, err).finally(() =>
        this.finishing.delete(done),
      )
      this.finishing.add(done)
    })
  }

  private async finish(
    queue: Queue,
    { task, deps }: { task: TaskDef<z.ZodType, unknown>; deps: unknown },
    job: Job,
    err: Error,
  ) {
    try {
      const final = this.outOfAttempts(job) || (await job.isFailed())
      // Counted here rather than around perform: a job that stalled too often fails without an attempt.
      jobFailures.inc({ queue: queue.name, task: job.name, final: String(final) })
      if (!final) return // a retry follows
      await task.onFailed(deps, task.payload.parse(job.data), err)
    } catch (e) {
      this.log.error(
        { queue: queue.name, job: job.name, id: job.id, err: (e as Error).message },
        'onFailed did not finish; the sweep will',
      )
    }
  }

  private outOfAttempts(job: Job) {
    return job.attemptsMade >= (job.opts.attempts ?? 1)
  }
}
