import type { Config } from '../config.js'
import { LocalStorage } from './local.js'
import type { Storage } from './storage.js'

export { LocalStorage } from './local.js'
export { assertObjectKey, newObjectKey, StorageNotFoundError, type Storage } from './storage.js'

/**
 * The configured driver. The S3 driver is imported only when chosen: the SDK is large and a local
 * deployment should not load it. Config parsing has already refused `s3` without its four settings.
 */
export async function createStorage(cfg: Config['storage']): Promise<Storage> {
  if (cfg.driver === 'local') return new LocalStorage(cfg.dir)
  const { endpoint, bucket, region, accessKeyId, secretAccessKey } = cfg.s3
  if (!endpoint || !bucket || !accessKeyId || !secretAccessKey)
    throw new Error('S3 storage is not fully configured')
  const { S3Storage } = await import('./s3.js')
  return new S3Storage({ endpoint, bucket, region, accessKeyId, secretAccessKey })
}
