import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import mongoose from 'mongoose'
import { describe, expect, it } from 'vitest'
import { world } from '../support/world.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const w = world()

describe('sync-indexes, after a release that changed indexes', () => {
  it('drops indexes the models no longer declare, keeps the declared ones and every document', async () => {
    const users = mongoose.connection.collection('admin_users')
    await users.createIndex({ displayName: 1 }, { name: 'retired_displayName' })
    const before = await users.countDocuments()
    const declared = (await users.indexes()).map((i) => i.name).filter((n) => n !== 'retired_displayName')

    // Not spawnSync: this worker's event loop must keep answering vitest while the command runs.
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'api/src/cli/sync-indexes.ts'],
      {
        cwd: root,
        env: { PATH: process.env.PATH, ...w.api.env },
        encoding: 'utf8',
        timeout: 60_000,
      },
    )
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('admin_users: 已删除不再使用的索引 retired_displayName')

    const after = (await users.indexes()).map((i) => i.name)
    expect(after).not.toContain('retired_displayName')
    expect(after.sort()).toEqual([...declared].sort())
    expect(await users.countDocuments()).toBe(before)
  })
})
