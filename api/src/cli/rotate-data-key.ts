/**
 * After setting a new DATA_KEY / DATA_KEY_ID and moving the old key into DATA_KEYS_OLD:
 * `pnpm --filter @zct/api rotate-data-key` re-encrypts stored personal data with the new key.
 */
import mongoose from 'mongoose'
import { ConfigError, loadConfig } from '../platform/config.js'
import { PersonalDataCipher } from '../platform/crypto.js'
import { connectMongo } from '../platform/db.js'
import { devHint, withDevDefaults } from './dev-env.js'
import { createLogger } from '../platform/logger.js'
import { rewrapPersonalData } from '../modules/personal-data/rotation.js'

try {
  const config = loadConfig(withDevDefaults())
  await connectMongo(config.mongo.uri, createLogger('error', 'rotate-data-key'))
  const counts = await rewrapPersonalData(PersonalDataCipher.fromConfig(config.data))
  for (const [collection, n] of Object.entries(counts))
    console.log(`${collection}: 已用新密钥 ${config.data.keyId} 重新加密 ${n} 条记录`)
  await mongoose.disconnect()
  // A one-shot command: leave without waiting for pooled sockets to time out.
  process.exit(0)
} catch (e) {
  console.error(`${e instanceof Error ? e.message : String(e)}${e instanceof ConfigError ? devHint() : ''}`)
  process.exit(e instanceof ConfigError ? 1 : 2)
}
