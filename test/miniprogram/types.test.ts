import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { beforeAll, describe, expect, it } from 'vitest'
import { world } from '../support/world.js'

const root = path.resolve(import.meta.dirname, '../..')
const dts = path.join(root, 'miniprogram-types/dist/index.d.ts')

const w = world()

/** The keys of the generated `Endpoints` interface: `'GET /mp/v1/inbox': …` → `GET /mp/v1/inbox`. */
function generatedKeys(text: string) {
  const block = text.slice(text.indexOf('export interface Endpoints {'))
  return new Set(
    [...block.slice(0, block.indexOf('\n}')).matchAll(/^ {2}'([A-Z]+ \/mp\/v1\/[^']*)':/gm)].map((m) =>
      String(m[1]),
    ),
  )
}

/** Compiles a fixture with only the generated .d.ts visible: no zod, no api package, no node types. */
function compile(file: string) {
  const program = ts.createProgram([path.join(import.meta.dirname, 'fixtures', file)], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
    lib: ['lib.es2022.d.ts'],
    baseUrl: root,
    paths: { '@zct/miniprogram-types': [dts] },
  })
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

describe('miniprogram-types', () => {
  // The build type-checks the contracts through the api's module list: allow it time on a busy machine.
  beforeAll(() => {
    execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['miniprogram-types/scripts/build.ts'], {
      cwd: root,
    })
  }, 180_000)

  it('ships a standalone declaration file with no runtime code and no imports', () => {
    const text = readFileSync(dts, 'utf8')
    expect(text).not.toMatch(/import\(|from '|require\(/)
    expect(text).not.toMatch(/^\s*(export )?(const|function|class|let|var) /m)
    expect(text).toContain("'POST /mp/v1/enterprise/bind'")
  })

  it('has an entry for every /mp/v1 route the api serves, so a route added without a declaration fails', () => {
    const served = w.api.routes
      .filter((r) => r.path.startsWith('/mp/v1/'))
      .map((r) => `${r.method.toUpperCase()} ${r.path}`)
    expect(served.length).toBeGreaterThan(20)
    const keys = generatedKeys(readFileSync(dts, 'utf8'))
    expect(served.filter((route) => !keys.has(route))).toEqual([])
    // and nothing the api does not serve
    expect([...keys].filter((key) => !served.includes(key))).toEqual([])
  })

  it('compiles a sample mini-program file against the contract', () => {
    expect(compile('app.ts')).toEqual([])
  })

  it('rejects a sample that sends a wrong shape or reads a field with the wrong type', () => {
    const errors = compile('wrong.ts')
    expect(errors.some((e) => e.includes("'name'"))).toBe(true)
    expect(errors.some((e) => e.includes("'string | null' is not assignable to type 'number'"))).toBe(true)
  })
})
