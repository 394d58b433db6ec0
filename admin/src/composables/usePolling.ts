import { onBeforeUnmount } from 'vue'

/**
 * Runs `tick` every `ms` while it resolves true, one call at a time (a slow answer delays the next call
 * rather than stacking requests), and never after the component unmounts. A failed tick counts as "go on":
 * a blip in the network should not freeze a progress bar.
 */
export function usePolling(tick: () => Promise<boolean>, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = true

  function schedule() {
    timer = setTimeout(async () => {
      const more = await tick().catch(() => true)
      if (more && !stopped) schedule()
      else stopped = true
    }, ms)
  }

  function start() {
    if (!stopped) return
    stopped = false
    schedule()
  }

  function stop() {
    stopped = true
    clearTimeout(timer)
  }

  onBeforeUnmount(stop)
  return { start, stop }
}
