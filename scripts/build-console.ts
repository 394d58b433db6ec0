/**
 * `pnpm test` builds the console through here: only when its sources changed, in one line.
 * CONSOLE_REBUILD=1 forces a build.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureConsoleBuilt } from './lib/console-build.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
try {
  await ensureConsoleBuilt(root, { force: !!process.env.CONSOLE_REBUILD })
} catch (e) {
  console.error((e as Error).message)
  process.exit(1)
}
