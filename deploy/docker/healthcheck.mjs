// Docker HEALTHCHECK for both roles of the image. It cannot see the container's command line arguments,
// so it reads PID 1's: the api answers GET /healthz on PORT, a worker on WORKER_METRICS_PORT (0 = the
// worker serves nothing, and there is nothing to check). Liveness only: readiness (/readyz, MongoDB and
// Redis reachable) is the reverse proxy's and the operator's question, and restarting a process because a
// dependency is down would not help it.
import { readFileSync } from 'node:fs'

const cmdline = readFileSync('/proc/1/cmdline', 'utf8').split('\0')
const worker = cmdline.some((a) => a === 'worker' || a === 'src/main.ts')
const port = worker ? (process.env.WORKER_METRICS_PORT ?? '9464') : (process.env.PORT ?? '3000')
if (port === '0') process.exit(0)

try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) })
  process.exit(res.ok ? 0 : 1)
} catch {
  process.exit(1)
}
