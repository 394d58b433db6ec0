import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

// Rules of the workspace itself: shared versions, what a contract may import, how presenters spell dates.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The workspace's package.json files: the root and every package pnpm-workspace.yaml lists. */
function manifests() {
  const yaml = readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8')
  const listed = yaml.split('catalog:')[0]!.match(/^\s+-\s+(\S+)$/gm)!
  const dirs = ['.', ...listed.map((l) => l.replace(/^\s+-\s+/, ''))]
  return dirs.map((dir) => {
    const json = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'))
    const deps: Record<string, string> = {
      ...json.dependencies,
      ...json.devDependencies,
      ...json.optionalDependencies,
    }
    return { dir, deps }
  })
}

const lint = async (code: string, filePath: string) => {
  const eslint = new ESLint({ cwd: root })
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) })
  return result!.messages.map((m) => `${m.line} ${m.ruleId}`)
}

describe('workspace rules', () => {
  it('takes every dependency shared by two packages from the pnpm catalog, so its version is set once', () => {
    const users = new Map<string, string[]>()
    for (const { dir, deps } of manifests())
      for (const [name, spec] of Object.entries(deps))
        if (!spec.startsWith('workspace:')) users.set(name, [...(users.get(name) ?? []), `${dir}: ${spec}`])
    const drifting = [...users].filter(
      ([, specs]) => specs.length > 1 && specs.some((s) => !s.endsWith(': catalog:')),
    )
    expect(Object.fromEntries(drifting)).toEqual({})
  })

  it(
    'refuses a contract that imports anything but zod and other contracts',
    { timeout: 60_000 },
    async () => {
      const file = 'api/src/modules/example/example.contract.ts'
      const good = [
        "import { z } from 'zod'",
        "import { IdParams } from '../common.contract.js'",
        "import type { PushCategoryValue } from '../interests/interests.contract.js'",
        'export const Example = z.object({ id: IdParams.shape.id })',
        'export type Category = PushCategoryValue',
        '',
      ].join('\n')
      expect(await lint(good, file)).toEqual([])

      const bad = [
        "import { z } from 'zod'",
        "import { Types } from 'mongoose'",
        "import { errors } from '../../platform/errors.js'",
        "import type { ExampleDoc } from './example.model.js'",
        "export { presentExample } from './example.presenter.js'",
        'export const Example = z.object({ id: z.string() })',
        'export type Doc = ExampleDoc',
        'export const used = [Types, errors]',
        '',
      ].join('\n')
      expect(await lint(bad, file)).toEqual([
        '2 no-restricted-imports',
        '3 no-restricted-imports',
        '4 no-restricted-imports',
        '5 no-restricted-imports',
      ])
      // The same imports are fine outside a contract.
      expect(await lint(bad, 'api/src/modules/example/example.service.ts')).toEqual([])
    },
  )

  it(
    'refuses a presenter that formats a date itself instead of using iso()',
    { timeout: 60_000 },
    async () => {
      const file = 'api/src/modules/example/example.presenter.ts'
      expect(await lint('export const present = (d: Date) => ({ at: d.toISOString() })\n', file)).toEqual([
        '1 no-restricted-syntax',
      ])
      const good = [
        "import { iso } from '../../platform/time.js'",
        'export const present = (d: Date) => ({ at: iso(d) })',
        '',
      ].join('\n')
      expect(await lint(good, file)).toEqual([])
    },
  )
})
