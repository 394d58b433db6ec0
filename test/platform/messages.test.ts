import { readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { zodIssues } from '@zct/api/internal/platform/validate'
import { buildAdmin, buildCreditCode, buildMpUser } from '../support/factories.js'
import { world } from '../support/world.js'

const w = world()

const MODULES = path.resolve(import.meta.dirname, '../../api/src/modules')
/** What zod and its locales say and a person should never read. */
const LIBRARY_WORDS =
  /string|number|undefined|null|key|期望|boolean|object|array|实际接收|invalid|expected|received|NaN|Infinity/i
const CHINESE = /[\u4e00-\u9fff]/
/** `productMessage`'s name for a field that has no label: every request field must have one. */
const UNLABELLED = '此项'

function contractFiles(dir = MODULES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? contractFiles(path.join(dir, e.name))
      : e.name.endsWith('.contract.ts')
        ? [path.join(dir, e.name)]
        : [],
  )
}

type Def = {
  type: string
  innerType?: z.ZodType
  in?: z.ZodType
  shape?: Record<string, z.ZodType>
  element?: z.ZodType
  valueType?: z.ZodType
  catchall?: z.ZodType
}
const defOf = (s: z.ZodType) => s._zod.def as unknown as Def

/** The schema under optional/nullable/default/pipe wrappers: where a field's own shape is. */
function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = defOf(s)
    if (d.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(d.type))
      s = d.innerType
    else if (d.type === 'pipe' && d.in) s = d.in
    else return s
  }
}

/** Wrong for almost any field: empty, blank, far too long, and every other JSON type. */
const BAD: unknown[] = ['', ' \u200B ', 'x'.repeat(10_000), 12345, 1.5, -1, true, null, {}, [], [12345]]

/** Bad values for a field, then the same one level down for objects, arrays and records. */
function badValuesFor(schema: z.ZodType, depth = 0): unknown[] {
  const out = [...BAD]
  if (depth > 2) return out
  const inner = unwrap(schema)
  const d = defOf(inner)
  if (d.type === 'object' && d.shape) {
    out.push({ notAField: 1 })
    for (const [k, field] of Object.entries(d.shape))
      for (const v of badValuesFor(field, depth + 1)) out.push({ [k]: v })
  } else if (d.type === 'array' && d.element) {
    for (const v of badValuesFor(d.element, depth + 1)) out.push([v])
  } else if (d.type === 'record' && d.valueType) {
    out.push({ ['x'.repeat(10_000)]: 'accept' })
    for (const v of badValuesFor(d.valueType, depth + 1)) out.push({ k: v })
  }
  return out
}

/** Every request schema: what each route validates, and every strict object a contract exports. */
async function requestSchemas(): Promise<Map<z.ZodType, string>> {
  const found = new Map<z.ZodType, string>()
  for (const route of w.api.routes)
    for (const [part, schema] of Object.entries(route.schemas ?? {}))
      if (schema && !found.has(schema))
        found.set(schema, `${route.method.toUpperCase()} ${route.path} ${part}`)
  for (const file of contractFiles()) {
    const mod = (await import(file)) as Record<string, unknown>
    for (const [name, value] of Object.entries(mod)) {
      if (!(value instanceof z.ZodType) || found.has(value)) continue
      const d = defOf(unwrap(value))
      if (d.type === 'object' && d.catchall && defOf(d.catchall).type === 'never')
        found.set(value, `${path.basename(file)} ${name}`)
    }
  }
  return found
}

describe('validation messages', () => {
  it('words every refusal of every request contract in product terms, one message per field', async () => {
    const schemas = await requestSchemas()
    expect(schemas.size).toBeGreaterThan(40)
    const wrong: string[] = []
    let refusals = 0
    for (const [schema, name] of schemas) {
      const shape = defOf(unwrap(schema)).shape ?? {}
      const inputs: unknown[] = [{}, 'text', [], 12345, { notAField: 1, alsoNot: 2 }]
      for (const [k, field] of Object.entries(shape))
        for (const v of badValuesFor(field)) inputs.push({ [k]: v })
      for (const input of inputs) {
        const parsed = schema.safeParse(input)
        if (parsed.success) continue
        refusals++
        const issues = zodIssues(parsed.error)
        const say = (why: string) => wrong.push(`${name} ${JSON.stringify(input).slice(0, 80)} → ${why}`)
        if (new Set(issues.map((i) => i.path)).size !== issues.length)
          say(`several messages for one field: ${JSON.stringify(issues)}`)
        for (const { path: p, message } of issues) {
          if (!CHINESE.test(message) || LIBRARY_WORDS.test(message) || message.includes(UNLABELLED))
            say(`${p || '(body)'}: ${message}`)
        }
      }
    }
    expect(refusals).toBeGreaterThan(1000)
    expect(wrong).toEqual([])
  })

  it('answers an empty credit code with exactly one field error, 请填写统一社会信用代码', async () => {
    const user = await buildMpUser(w)
    const res = await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: user.token,
      body: { creditCode: '', name: '韶关市测试科技有限公司' },
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: '请填写统一社会信用代码',
      details: { fields: [{ path: 'creditCode', message: '请填写统一社会信用代码' }] },
    })
  })

  it('names each field it does not accept', async () => {
    const user = await buildMpUser(w)
    const res = await w.api.call('PATCH', '/mp/v1/me', {
      token: user.token,
      body: { nickname: '张工', tokenVersion: 0, enterpriseId: 'abc' },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    expect(res.body.error.details.fields).toEqual([
      { path: 'tokenVersion', message: '不接受字段「tokenVersion」' },
      { path: 'enterpriseId', message: '不接受字段「enterpriseId」' },
    ])
  })

  it('says what to fix using the name a person knows the field by', async () => {
    const user = await buildMpUser(w)
    const long = await w.api.call('POST', '/mp/v1/enterprise/bind', {
      token: user.token,
      body: { creditCode: buildCreditCode(), name: '企'.repeat(101) },
    })
    expect(long.status).toBe(400)
    expect(long.body.error.details.fields).toEqual([{ path: 'name', message: '企业名称不能超过 100 个字' }])

    const root = await buildAdmin(w.api, { roles: ['super_admin'] })
    const role = await w.api.call('POST', '/admin/v1/roles', {
      token: root.token,
      body: { name: 12, permissions: 'users.manage' },
    })
    expect(role.status).toBe(400)
    expect(role.body.error.details.fields).toEqual([
      { path: 'name', message: '角色名称格式不正确' },
      { path: 'permissions', message: '权限格式不正确' },
    ])
    const missing = await w.api.call('POST', '/admin/v1/roles', { token: root.token, body: {} })
    expect(missing.body.error.details.fields).toEqual([
      { path: 'name', message: '请填写角色名称' },
      { path: 'permissions', message: '请选择权限' },
    ])
    const page = await w.api.call('GET', '/admin/v1/users?page=abc&pageSize=500', { token: root.token })
    expect(page.status).toBe(400)
    expect(page.body.error.details.fields).toEqual([
      { path: 'page', message: '页码须为数字' },
      { path: 'pageSize', message: '每页条数不能大于 100' },
    ])
    expect(page.body.error.message).toBe('页码须为数字；每页条数不能大于 100')
  })
})
