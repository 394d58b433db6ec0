/**
 * Creates the first super administrator: `pnpm --filter @zct/api create-admin`.
 * Reads ADMIN_USERNAME / ADMIN_PASSWORD from env, or prompts. There is no default password.
 * `--if-none` does nothing when any console user exists (used by the dev start script).
 * In development it uses the secrets and database of `pnpm start` (see dev-env.ts).
 */
import { createInterface } from 'node:readline/promises'
import mongoose from 'mongoose'
import { ConfigError, loadConfig } from '../platform/config.js'
import { connectMongo } from '../platform/db.js'
import { devHint, withDevDefaults } from './dev-env.js'
import { createLogger } from '../platform/logger.js'
import { buildServices } from '../modules/index.js'
import { assertStrongPassword } from '../modules/staff/password-policy.js'
import { AppError } from '../platform/errors.js'
import { NewPassword } from '../modules/staff/staff.contract.js'
import { createRedis } from '../platform/redis.js'

try {
  const config = loadConfig(withDevDefaults())
  const log = createLogger('error', 'create-admin')
  const ifNone = process.argv.includes('--if-none')
  let username = process.env.ADMIN_USERNAME
  let password = process.env.ADMIN_PASSWORD
  if (!username || !password) {
    if (!process.stdin.isTTY)
      throw new ConfigError('请设置 ADMIN_USERNAME 与 ADMIN_PASSWORD，或在终端中运行以交互输入')
    const rl = createInterface({ input: process.stdin, output: process.stdout })
    username ||= await rl.question('超级管理员用户名：')
    password ||= await rl.question('密码（至少 10 位，含字母和数字）：')
    rl.close()
  }
  const checked = NewPassword.safeParse(password)
  if (!checked.success)
    throw new ConfigError(`ADMIN_PASSWORD: ${checked.error.issues.map((i) => i.message).join('；')}`)
  try {
    await assertStrongPassword(password, 'password', [username])
  } catch (e) {
    if (!(e instanceof AppError)) throw e
    const fields = (e.details as { fields?: { message: string }[] } | undefined)?.fields ?? []
    throw new ConfigError(`ADMIN_PASSWORD: ${fields.map((f) => f.message).join('；') || e.message}`)
  }
  await connectMongo(config.mongo.uri, log)
  const redis = createRedis(config.redis.url)
  const built = await buildServices({ config, log, redis })
  const id = await built.services.staff.createSuperAdmin(username.trim().toLowerCase(), password, ifNone)
  await built.close()
  console.log(id ? `已创建超级管理员 ${username}` : '已存在后台用户，跳过创建')
  redis.disconnect()
  await mongoose.disconnect()
  // A one-shot command: leave without waiting for pooled sockets to time out.
  process.exit(0)
} catch (e) {
  console.error(`${e instanceof Error ? e.message : String(e)}${e instanceof ConfigError ? devHint() : ''}`)
  process.exit(e instanceof ConfigError ? 1 : 2)
}
