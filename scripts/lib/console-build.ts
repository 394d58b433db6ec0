/**
 * Builds the console (admin/dist) only when what it is built from changed, and quietly: one line, with
 * vite's output shown only when the build fails. `pnpm start` and `pnpm test` both go through here.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** Written into admin/dist after a successful build; vite empties dist on its next build. */
export const STAMP_FILE = '.source-hash'

/**
 * What the built console depends on: the admin package itself, every zod contract (forms are built from
 * them), the other api modules admin imports, and the lockfile (dependency versions).
 */
export function consoleInputs(root: string): string[] {
  const admin = path.join(root, 'admin')
  const files = walk(admin, (rel) => !/^(dist|node_modules)(\/|$)/.test(rel))
  files.push(...walk(path.join(root, 'api/src'), (rel) => rel.endsWith('/') || rel.endsWith('.contract.ts')))
  const exportsMap = (
    JSON.parse(readFileSync(path.join(root, 'api/package.json'), 'utf8')) as {
      exports: Record<string, string>
    }
  ).exports
  for (const spec of apiImports(files.filter((f) => f.startsWith(path.join(admin, 'src'))))) {
    const target = resolveExport(exportsMap, `./${spec}`)
    if (target) files.push(path.join(root, 'api', target))
  }
  files.push(path.join(root, 'pnpm-lock.yaml'))
  return [...new Set(files)].filter((f) => existsSync(f)).sort()
}

/** `./taxonomy/regions` → `./src/modules/taxonomy/regions.ts`, by the api package's exports map. */
function resolveExport(map: Record<string, string>, spec: string): string | undefined {
  if (map[spec]) return map[spec]
  for (const [pattern, target] of Object.entries(map)) {
    const star = pattern.indexOf('*')
    if (star < 0) continue
    const [head, tail] = [pattern.slice(0, star), pattern.slice(star + 1)]
    if (spec.startsWith(head) && spec.endsWith(tail))
      return target.replace('*', spec.slice(head.length, spec.length - tail.length))
  }
  return undefined
}

/** `@zct/api/permissions` → `permissions` (contracts are already all included). */
function apiImports(files: string[]): string[] {
  const specs = new Set<string>()
  for (const f of files) {
    if (!/\.(ts|vue)$/.test(f)) continue
    for (const m of readFileSync(f, 'utf8').matchAll(/from ['"]@zct\/api\/(?!contracts\/)([\w/.-]+)['"]/g))
      specs.add(m[1]!)
  }
  return [...specs]
}

/** Files under dir that `keep` accepts; it is asked about folders too, as `rel/`, before entering them. */
function walk(dir: string, keep: (rel: string) => boolean, base = dir): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    const rel = path.relative(base, full)
    if (entry.isDirectory()) {
      if (keep(rel + '/')) out.push(...walk(full, keep, base))
    } else if (entry.isFile() && keep(rel)) out.push(full)
  }
  return out
}

/** One hash over the names and contents of the inputs: a rename counts as a change too. */
export function hashInputs(root: string, files: string[]): string {
  const h = createHash('sha256')
  for (const f of files) {
    h.update(path.relative(root, f)).update('\0')
    h.update(readFileSync(f)).update('\0')
  }
  return h.digest('hex')
}

/** Why the console must be built, or null when admin/dist is current. */
export function rebuildReason(dist: string, hash: string): string | null {
  if (!existsSync(path.join(dist, 'index.html'))) return '尚未构建'
  const stamp = path.join(dist, STAMP_FILE)
  if (!existsSync(stamp) || !statSync(stamp).isFile()) return '构建来源未记录'
  return readFileSync(stamp, 'utf8').trim() === hash ? null : '源码已修改'
}

/**
 * Builds admin/dist when needed. Prints one line either way; on failure prints vite's output and throws.
 * `force` rebuilds regardless (CONSOLE_REBUILD=1).
 */
export async function ensureConsoleBuilt(
  root: string,
  opts: { force?: boolean; say?: (line: string) => void } = {},
): Promise<'built' | 'current'> {
  const say = opts.say ?? ((line: string) => console.log(line))
  const dist = path.join(root, 'admin/dist')
  const hash = hashInputs(root, consoleInputs(root))
  const reason = opts.force ? '按要求重新构建' : rebuildReason(dist, hash)
  if (!reason) {
    say('管理后台：源码未变，沿用已构建的 admin/dist')
    return 'current'
  }
  const started = Date.now()
  const vite = path.join(root, 'admin/node_modules/.bin/vite')
  const { code, output } = await run(vite, ['build'], path.join(root, 'admin'))
  if (code !== 0) {
    process.stderr.write(output)
    throw new Error(`管理后台构建失败（${reason}），vite 的输出见上`)
  }
  writeFileSync(path.join(dist, STAMP_FILE), hash + '\n')
  say(`管理后台：已构建 admin/dist（${reason}，用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒）`)
  return 'built'
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c.toString()))
    child.stderr.on('data', (c: Buffer) => (output += c.toString()))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, output }))
  })
}
