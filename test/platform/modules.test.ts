import { describe, expect, it } from 'vitest'
import { MODULES } from '@zct/api/internal/modules/index'
import type { EndpointDef } from '@zct/api/contracts/endpoints'
import { world } from '../support/world.js'

const w = world()
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`

describe('modules as a list', () => {
  it('registers every route from a declaration in its module’s endpoint table, and serves every declaration', () => {
    const declared = new Map<string, string>()
    for (const m of MODULES)
      for (const e of Object.values((m.endpoints ?? {}) as Record<string, EndpointDef>))
        declared.set(key(e.method, e.path), m.name)
    const served = w.api.routes.map((r) => key(r.method, r.path))
    expect(served.filter((r) => !declared.has(r))).toEqual([])
    expect([...declared.keys()].filter((d) => !served.includes(d))).toEqual([])
    expect(w.api.routes.every((r) => r.endpoint)).toBe(true)
  })

  it('lists each module once, every task under a unique queue and name', () => {
    const names = MODULES.map((m) => m.name)
    expect(new Set(names).size).toBe(names.length)
    const tasks = MODULES.flatMap((m) => (m.tasks ?? []).map((t) => `${t.queue}:${t.name}`))
    expect(new Set(tasks).size).toBe(tasks.length)
    expect(tasks).toEqual(
      expect.arrayContaining(['push:campaign.batch', 'content:content.sweep', 'system:health']),
    )
  })
})
