import { randomUUID } from 'node:crypto'
import { constants, createWriteStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { assertObjectKey, StorageNotFoundError, type Storage } from './storage.js'

// Not defined on Windows; there the key pattern alone keeps reads inside the root.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0

/**
 * Objects as files under one root directory. Writes go to `<root>/.tmp/` and are renamed into place only
 * once complete (same filesystem, so the rename is atomic): a reader never sees a half-written object and a
 * failed upload leaves nothing under its key.
 */
export class LocalStorage implements Storage {
  readonly root: string
  private readonly tmpDir: string

  constructor(dir: string) {
    this.root = path.resolve(dir)
    this.tmpDir = path.join(this.root, '.tmp')
  }

  async put(key: string, stream: Readable) {
    const dest = this.pathOf(key)
    await mkdir(this.tmpDir, { recursive: true })
    const tmp = path.join(this.tmpDir, randomUUID())
    try {
      await pipeline(stream, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }))
      const { size } = await stat(tmp)
      await mkdir(path.dirname(dest), { recursive: true })
      await rename(tmp, dest)
      return { size }
    } catch (err) {
      stream.destroy()
      await rm(tmp, { force: true })
      throw err
    }
  }

  async get(key: string): Promise<Readable> {
    try {
      const handle = await open(this.pathOf(key), constants.O_RDONLY | NOFOLLOW)
      return handle.createReadStream()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageNotFoundError(key)
      throw err
    }
  }

  async delete(key: string) {
    await rm(this.pathOf(key), { force: true })
  }

  async exists(key: string) {
    try {
      return (await stat(this.pathOf(key))).isFile()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
  }

  /** The key pattern already forbids `..`; the containment check is the second lock on the same door. */
  private pathOf(key: string): string {
    assertObjectKey(key)
    const p = path.resolve(this.root, ...key.split('/'))
    if (!p.startsWith(this.root + path.sep))
      throw new Error(`storage key escapes the root: ${JSON.stringify(key)}`)
    return p
  }
}
