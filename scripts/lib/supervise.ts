/**
 * Keeps a development process running: when the api or the worker dies after it was up, `pnpm start` says
 * so in one line and starts it again, waiting longer after each crash in a row so a process that dies at
 * once does not spin. A process that fails before it ever got ready is not restarted: that is a
 * configuration error, and the start script stops with its message.
 */
import type { ChildProcess } from 'node:child_process'

export interface SuperviseOptions {
  name: string
  /** starts one run of the process, stdout and stderr piped */
  spawn: () => ChildProcess
  /** a line the process prints once it serves; the first match resolves `ready` */
  readyLine: RegExp
  /** every output line of every run */
  onLine?: (line: string) => void
  /** the restart notices */
  say?: (line: string) => void
  /** delay before the nth restart in a row (n from 1); default 2 s, doubling, at most 30 s */
  backoffMs?: (n: number) => number
  /** a run that lasted this long resets the delay; default 60 s */
  stableAfterMs?: number
}

export interface Supervised {
  /** resolves with the ready line's match of the first run; rejects if that run exits before it */
  ready: Promise<RegExpMatchArray>
  /** how many times the process was restarted */
  readonly restarts: number
  /** the current run's process */
  readonly proc: ChildProcess
  /** SIGTERM (SIGKILL after 15 s), and no more restarts */
  stop(): Promise<void>
}

export const defaultBackoff = (n: number) => Math.min(30_000, 2000 * 2 ** (n - 1))

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))}`

export function supervise(opts: SuperviseOptions): Supervised {
  const say = opts.say ?? ((line: string) => console.log(line))
  const backoff = opts.backoffMs ?? defaultBackoff
  const stableAfter = opts.stableAfterMs ?? 60_000
  let proc!: ChildProcess
  let restarts = 0
  let crashesInARow = 0
  let everReady = false
  let stopping = false
  let timer: NodeJS.Timeout | undefined
  let resolveReady!: (m: RegExpMatchArray) => void
  let rejectReady!: (e: Error) => void
  const ready = new Promise<RegExpMatchArray>((resolve, reject) => {
    resolveReady = resolve
    rejectReady = reject
  })

  function run() {
    const startedAt = Date.now()
    let readyThisRun = false
    proc = opts.spawn()
    for (const stream of [proc.stdout, proc.stderr]) {
      let buf = ''
      let restarted = false
      stream?.on('data', (chunk: Buffer) => {
        buf += chunk.toString()
        let nl: number
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          opts.onLine?.(line)
          const m = !readyThisRun && line.match(opts.readyLine)
          if (!m) continue
          readyThisRun = true
          if (everReady) restarted = true
          else resolveReady(m)
          everReady = true
        }
        // After the whole chunk, so the notice does not split a multi-line log record.
        if (restarted) say(`${opts.name} 已重新启动`)
        restarted = false
      })
    }
    proc.once('exit', (code, signal) => {
      if (stopping) return
      const how = signal ? `信号 ${signal}` : `code ${code}`
      if (!everReady) {
        rejectReady(new Error(`${opts.name} 启动失败（${how}）`))
        return
      }
      crashesInARow = Date.now() - startedAt >= stableAfter ? 1 : crashesInARow + 1
      const delay = backoff(crashesInARow)
      say(`${opts.name} 进程意外退出（${how}），${seconds(delay)} 秒后重启`)
      timer = setTimeout(() => {
        restarts += 1
        run()
      }, delay)
    })
  }
  run()

  return {
    ready,
    get restarts() {
      return restarts
    },
    get proc() {
      return proc
    },
    stop() {
      stopping = true
      clearTimeout(timer)
      const p = proc
      return new Promise<void>((resolve) => {
        if (p.exitCode !== null || p.signalCode !== null) return resolve()
        const kill = setTimeout(() => p.kill('SIGKILL'), 15_000)
        p.once('exit', () => {
          clearTimeout(kill)
          resolve()
        })
        p.kill('SIGTERM')
      })
    },
  }
}
