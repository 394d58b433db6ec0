/**
 * `pnpm new:module <name> [--label 中文名] [--permission content.manage]` writes a new domain that passes
 * lint, type check and its own test on the first run: contract with its endpoint table, routes, service,
 * model, presenter, errors, module, a test over HTTP and a console API stub. It also adds the module to the
 * list in api/src/modules/index.ts and its error codes to api/src/modules/errors.contract.ts, the two lines a
 * domain needs outside its folder. Read api/src/modules/README.md for what each file is for.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    label: { type: 'string' },
    permission: { type: 'string', default: 'content.manage' },
    root: { type: 'string' },
  },
})
const base = values.root ? path.resolve(values.root) : root
const name = positionals[0] ?? ''
if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
  console.error(
    '用法：pnpm new:module <名称> [--label 中文名] [--permission 权限]，名称为小写字母、数字与短横线，如 brand-stations',
  )
  process.exit(1)
}
const camel = name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())
const Pascal = camel[0]!.toUpperCase() + camel.slice(1)
const UPPER = name.replace(/-/g, '_').toUpperCase()
const label = values.label ?? name
const permission = values.permission!
const dir = path.join(base, 'api/src/modules', name)
if (existsSync(dir)) {
  console.error(`api/src/modules/${name} 已存在，请换一个名称`)
  process.exit(1)
}

const files: Record<string, string> = {
  [`api/src/modules/${name}/${name}.contract.ts`]: `import { z } from 'zod'
import { IdParams, PageQuery, pageOf, text } from '../common.contract.js'
import { endpoints } from '../endpoints.contract.js'

export const ${Pascal}Create = z.strictObject({
  name: text({ label: '名称', max: 50 }),
})
export type ${Pascal}CreateInput = z.input<typeof ${Pascal}Create>

export const ${Pascal}Out = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.iso.datetime(),
})
export type ${Pascal}Output = z.output<typeof ${Pascal}Out>
export const ${Pascal}Page = pageOf(${Pascal}Out)
export type ${Pascal}PageOutput = z.output<typeof ${Pascal}Page>

/** This domain's own refusals; raised only through ${name}.errors.ts. */
export const ${Pascal}ErrorCode = z.enum(['${UPPER}_NAME_TAKEN'])

/** Every ${label} endpoint, declared once: routes, console API, mini-program types and tests read it. */
export const ${Pascal}Endpoints = endpoints({
  list: {
    method: 'get',
    path: '/admin/v1/${name}',
    query: PageQuery,
    response: ${Pascal}Page,
    summary: '${label}列表',
  },
  create: {
    method: 'post',
    path: '/admin/v1/${name}',
    body: ${Pascal}Create,
    response: ${Pascal}Out,
    status: 201,
    summary: '新建${label}',
  },
  get: {
    method: 'get',
    path: '/admin/v1/${name}/:id',
    params: IdParams,
    response: ${Pascal}Out,
    summary: '${label}详情',
  },
  mpList: {
    method: 'get',
    path: '/mp/v1/${name}',
    query: PageQuery,
    response: ${Pascal}Page,
    summary: '小程序中的${label}列表',
  },
})
`,
  [`api/src/modules/${name}/${name}.model.ts`]: `import mongoose, { Schema, type InferSchemaType } from 'mongoose'

const ${Pascal}Schema = new Schema(
  {
    name: { type: String, required: true },
  },
  { timestamps: true },
)
// Serves: names are unique (${UPPER}_NAME_TAKEN); lookups by name.
${Pascal}Schema.index({ name: 1 }, { unique: true })
// Serves: the lists, newest first.
${Pascal}Schema.index({ createdAt: -1 })

export type ${Pascal}Doc = InferSchemaType<typeof ${Pascal}Schema> & {
  _id: mongoose.Types.ObjectId
  createdAt: Date
}
export const ${Pascal}Model = mongoose.model('${Pascal}', ${Pascal}Schema, '${name.replace(/-/g, '_')}')
`,
  [`api/src/modules/${name}/${name}.presenter.ts`]: `import { iso } from '../../platform/time.js'
import type { ${Pascal}Output } from './${name}.contract.js'
import type { ${Pascal}Doc } from './${name}.model.js'

/** Typed as the contract's output, so a missing or leaked field fails tsc. */
export function present${Pascal}(d: ${Pascal}Doc): ${Pascal}Output {
  return { id: d._id.toHexString(), name: d.name, createdAt: iso(d.createdAt) }
}
`,
  [`api/src/modules/${name}/${name}.errors.ts`]: `import { errors, uniqueRule } from '../../platform/errors.js'

/** The refusals of the ${label} domain, one function each, so a code is never typed at a throw site. */
export const ${camel}Errors = {
  notFound: () => errors.notFound('${label}'),
  nameTaken: () =>
    errors.conflict('${UPPER}_NAME_TAKEN', '${label}名称已存在', {
      fields: [{ path: 'name', message: '名称已存在' }],
    }),
}

// Serves the unique index of ${name}.model.ts: a collision names the rule, not the field.
uniqueRule('${name.replace(/-/g, '_')}', { name: 1 }, ${camel}Errors.nameTaken)
`,
  [`api/src/modules/${name}/${name}.service.ts`]: `import type { z } from 'zod'
import { findPage } from '../../platform/lists.js'
import type { ${Pascal}Create } from './${name}.contract.js'
import { ${camel}Errors } from './${name}.errors.js'
import { ${Pascal}Model, type ${Pascal}Doc } from './${name}.model.js'
import { present${Pascal} } from './${name}.presenter.js'

/** The rules of the ${label} domain; routes only validate, authorize, call and present. */
export class ${Pascal}Service {
  async list(q: { page: number; pageSize: number }) {
    const { docs, ...page } = await findPage<${Pascal}Doc>(${Pascal}Model, {}, q, { createdAt: -1 })
    return { ...page, items: docs.map(present${Pascal}) }
  }

  async create(input: z.output<typeof ${Pascal}Create>) {
    const doc = await ${Pascal}Model.create({ name: input.name })
    return present${Pascal}(doc.toObject() as ${Pascal}Doc)
  }

  async get(id: string) {
    const doc = await ${Pascal}Model.findById(id).lean<${Pascal}Doc>()
    if (!doc) throw ${camel}Errors.notFound()
    return present${Pascal}(doc)
  }
}
`,
  [`api/src/modules/${name}/${name}.routes.ts`]: `import type { Routers } from '../../platform/modules.js'
import { ${Pascal}Endpoints as E } from './${name}.contract.js'
import type { ${Pascal}Service } from './${name}.service.js'

export function register${Pascal}Routes({ mp, admin }: Routers, service: ${Pascal}Service) {
  const staff = { audience: 'admin', permission: '${permission}' } as const
  admin.endpoint(E.list, staff, (ctx) => service.list(ctx.state.input.query))
  admin.endpoint(E.create, staff, (ctx) => service.create(ctx.state.input.body))
  admin.endpoint(E.get, staff, (ctx) => service.get(ctx.state.input.params.id))
  mp.endpoint(E.mpList, { audience: 'mp' }, (ctx) => service.list(ctx.state.input.query))
}
`,
  [`api/src/modules/${name}/${name}.module.ts`]: `import { defineModule } from '../../platform/modules.js'
import { ${Pascal}Endpoints } from './${name}.contract.js'
import { register${Pascal}Routes } from './${name}.routes.js'
import { ${Pascal}Service } from './${name}.service.js'

declare module '../../platform/modules.js' {
  interface Services {
    ${camel}: ${Pascal}Service
  }
}

export default defineModule({
  name: '${camel}',
  endpoints: ${Pascal}Endpoints,
  build: () => new ${Pascal}Service(),
  routes: (r, service) => register${Pascal}Routes(r, service),
})
`,
  [`test/${name}/${name}.test.ts`]: `import { describe, expect, it } from 'vitest'
import { buildAdmin, buildMpUser } from '../support/factories.js'
import { world } from '../support/world.js'

const w = world()

describe('${label}', () => {
  it('lets the console create one and read it back, and the mini-program list it', async () => {
    const admin = await buildAdmin(w.api, { permissions: ['${permission}'] })
    const created = await w.api.call('POST', '/admin/v1/${name}', {
      token: admin.token,
      body: { name: '第一个${label}' },
    })
    expect(created.status).toBe(201)
    const got = await w.api.call('GET', \`/admin/v1/${name}/\${created.body.id}\`, { token: admin.token })
    expect(got.body).toMatchObject({ id: created.body.id, name: '第一个${label}' })
    const user = await buildMpUser(w)
    const list = await w.api.call('GET', '/mp/v1/${name}', { token: user.token })
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(created.body.id)
  })

  it('refuses a second one with the same name with 409 ${UPPER}_NAME_TAKEN', async () => {
    const admin = await buildAdmin(w.api, { permissions: ['${permission}'] })
    const body = { name: '重名的${label}' }
    expect((await w.api.call('POST', '/admin/v1/${name}', { token: admin.token, body })).status).toBe(201)
    const again = await w.api.call('POST', '/admin/v1/${name}', { token: admin.token, body })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('${UPPER}_NAME_TAKEN')
  })

  it('answers 404 for an id that does not exist, and 403 without the permission', async () => {
    const admin = await buildAdmin(w.api, { permissions: ['${permission}'] })
    const missing = await w.api.call('GET', '/admin/v1/${name}/000000000000000000000000', { token: admin.token })
    expect(missing.status).toBe(404)
    const other = await buildAdmin(w.api, { permissions: ['audit.read'] })
    expect((await w.api.call('GET', '/admin/v1/${name}', { token: other.token })).status).toBe(403)
  })
})
`,
  [`admin/src/api/${name}.ts`]: `import { ${Pascal}Endpoints as E, type ${Pascal}CreateInput } from '@zct/api/contracts/${name}/${name}'
import { call } from './request'

export const list${Pascal} = (query: { page?: number; pageSize?: number }) => call(E.list, { query })
export const create${Pascal} = (body: ${Pascal}CreateInput) => call(E.create, { body })
export const get${Pascal} = (id: string) => call(E.get, { params: { id } })
`,
}

for (const [file, content] of Object.entries(files)) {
  const full = path.join(base, file)
  mkdirSync(path.dirname(full), { recursive: true })
  writeFileSync(full, content)
}

/** Adds one line after the last match of `after` in a file; fails loudly when the anchor moved. */
function addLine(file: string, anchor: RegExp, line: string) {
  const full = path.join(base, file)
  const text = readFileSync(full, 'utf8')
  const m = [...text.matchAll(anchor)].at(-1)
  if (!m || m.index === undefined) throw new Error(`${file}: 找不到插入位置 ${anchor}`)
  const at = m.index + m[0].length
  writeFileSync(full, text.slice(0, at) + line + text.slice(at))
}

// The module list: its import and its line, at the end (it may use every module above it).
addLine(
  'api/src/modules/index.ts',
  /^import \w+ from '\.\/[\w-]+\/[\w-]+\.module\.js'\n/gm,
  `import ${camel} from './${name}/${name}.module.js'\n`,
)
addLine('api/src/modules/index.ts', /^export const MODULES = \[\n(?: {2}\w+,\n)*/gm, `  ${camel},\n`)
// The error codes every response may carry.
const errorsContract = 'api/src/modules/errors.contract.ts'
if (existsSync(path.join(base, errorsContract))) {
  addLine(
    errorsContract,
    /^import \{ \w+ErrorCode \} from '\.\/[\w-]+\/[\w-]+\.contract\.js'\n/gm,
    `import { ${Pascal}ErrorCode } from './${name}/${name}.contract.js'\n`,
  )
  addLine(errorsContract, /^ {2}\.\.\.\w+ErrorCode\.options,\n/gm, `  ...${Pascal}ErrorCode.options,\n`)
}

const written = [...Object.keys(files), 'api/src/modules/index.ts', errorsContract].filter((f) =>
  existsSync(path.join(base, f)),
)
execFileSync(path.join(root, 'node_modules/.bin/prettier'), ['--write', '--log-level', 'warn', ...written], {
  cwd: base,
  stdio: 'inherit',
})
console.log(`已生成领域 ${name}（${label}）：`)
for (const f of written) console.log(`  ${f}`)
console.log('下一步：pnpm check && pnpm lint && pnpm vitest run --project api test/' + name)
