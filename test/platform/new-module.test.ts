import { execFileSync, spawn } from 'node:child_process'
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../..')
const PACKAGES = ['api', 'jobs', 'admin', 'miniprogram-types', 'mongo-embedded', 'test']

/**
 * A copy of the working tree in a temporary folder, sharing the installed packages: every node_modules
 * entry links to the original, except the workspace's own packages, which link to the copy, so the copy
 * type-checks and runs its own code.
 */
function copyOfTree() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zct-new-module-'))
  const listed = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root })
    .toString()
    .split('\0')
    .filter(Boolean)
  for (const f of listed) {
    const from = path.join(root, f)
    if (!existsSync(from)) continue // deleted in the working tree
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true })
    cpSync(from, path.join(dir, f))
  }
  for (const pkg of ['', ...PACKAGES])
    linkModules(path.join(root, pkg, 'node_modules'), path.join(dir, pkg, 'node_modules'), dir)
  return dir
}

function linkModules(from: string, to: string, copy: string) {
  if (!existsSync(from)) return
  mkdirSync(to, { recursive: true })
  for (const entry of readdirSync(from)) {
    const src = path.join(from, entry)
    if (entry === '@zct') {
      mkdirSync(path.join(to, entry), { recursive: true })
      // @zct/<name> is the workspace folder <name>: the copy's own.
      for (const pkg of readdirSync(src)) symlinkSync(path.join(copy, pkg), path.join(to, entry, pkg))
    } else if (entry.startsWith('@') && lstatSync(src).isDirectory() && !lstatSync(src).isSymbolicLink()) {
      mkdirSync(path.join(to, entry), { recursive: true })
      for (const pkg of readdirSync(src)) symlinkSync(path.join(src, pkg), path.join(to, entry, pkg))
    } else symlinkSync(src, path.join(to, entry))
  }
}

/**
 * Runs a tool in the copy. Asynchronously: a synchronous spawn would hold this test worker's event loop for
 * as long as the tool runs (tsc over the workspace can take a minute on loaded cores), and vitest's own
 * messages from the worker time out after 60 s.
 */
function run(dir: string, cmd: string, args: string[]) {
  return new Promise<{ status: number | null; out: string }>((resolve) => {
    const child = spawn(path.join(root, 'node_modules/.bin', cmd), args, {
      cwd: dir,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      timeout: 240_000,
    })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (out += c.toString()))
    child.on('close', (status) =>
      // eslint-disable-next-line no-control-regex -- colour codes, in case a tool ignores NO_COLOR
      resolve({ status, out: out.replace(/\x1b\[[0-9;]*m/g, '') }),
    )
  })
}

describe('pnpm new:module', () => {
  let dir: string | undefined
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it(
    'writes a domain that is served, type-checked, linted, tested, in the mini-program types and in the matrix',
    { timeout: 600_000 },
    async () => {
      dir = copyOfTree()
      const gen = await run(dir, 'tsx', ['scripts/new-module.ts', 'sample-things', '--label', '样例'])
      expect(gen.status, gen.out).toBe(0)
      const list = readFileSync(path.join(dir, 'api/src/modules/index.ts'), 'utf8')
      expect(list).toContain("import sampleThings from './sample-things/sample-things.module.js'")
      expect(list).toMatch(/MODULES = \[[^\]]*sampleThings,/)

      const tsc = await run(dir, 'tsc', ['-p', 'api/tsconfig.json', '--noEmit'])
      expect(tsc.status, tsc.out).toBe(0)
      const lint = await run(dir, 'eslint', [
        'api/src/modules/sample-things',
        'test/sample-things',
        'admin/src/api/sample-things.ts',
      ])
      expect(lint.status, lint.out).toBe(0)
      const types = await run(dir, 'tsx', ['miniprogram-types/scripts/build.ts'])
      expect(types.status, types.out).toBe(0)
      expect(readFileSync(path.join(dir, 'miniprogram-types/dist/index.d.ts'), 'utf8')).toContain(
        "'GET /mp/v1/sample-things'",
      )

      // Its own test, and the authorization matrix walking its routes with every kind of caller.
      const tests = await run(dir, 'vitest', [
        'run',
        '--project',
        'api',
        'test/sample-things',
        'test/accounts/authz-matrix.test.ts',
      ])
      expect(tests.status, tests.out).toBe(0)
      expect(tests.out).toMatch(/Tests\s+\d+ passed/)
      expect(tests.out).toContain('sample-things.test.ts')
    },
  )
})
