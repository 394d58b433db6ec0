/**
 * After a release that changed indexes: `pnpm --filter @zct/api sync-indexes` (in the image:
 * `docker compose run --rm api sync-indexes`). The api builds newly declared indexes when it starts, but
 * never drops one a release stopped declaring; this drops those (indexes only, never data) and prints them.
 */
import mongoose from 'mongoose'
import { ConfigError, loadConfig } from '../platform/config.js'
import { connectMongo } from '../platform/db.js'
import { createLogger } from '../platform/logger.js'
import { devHint, withDevDefaults } from './dev-env.js'
import '../modules/index.js' // registers every model

try {
  const config = loadConfig(withDevDefaults())
  await connectMongo(config.mongo.uri, createLogger('error', 'sync-indexes'))
  let dropped = 0
  for (const model of Object.values(mongoose.models)) {
    const names = await model.syncIndexes()
    for (const name of names) console.log(`${model.collection.collectionName}: 已删除不再使用的索引 ${name}`)
    dropped += names.length
  }
  console.log(dropped ? `共删除 ${dropped} 个旧索引` : '索引与当前版本一致，无需删除')
  await mongoose.disconnect()
  process.exit(0)
} catch (e) {
  console.error(`${e instanceof Error ? e.message : String(e)}${e instanceof ConfigError ? devHint() : ''}`)
  process.exit(e instanceof ConfigError ? 1 : 2)
}
