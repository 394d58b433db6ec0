import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** `pnpm start` keeps its state here: database, Redis, files, and the two files below. */
export const devDataDir = (env: NodeJS.ProcessEnv = process.env) =>
  env.DEV_DATA_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data')

/** Secrets generated once by `pnpm start`, so tokens and encrypted data survive restarts. */
export const DEV_SECRETS_FILE = 'dev-secrets.json'
/** Where the running `pnpm start` put its stores; written at start, removed at stop. */
export const DEV_RUNTIME_FILE = 'dev-runtime.json'

/** The keys a command takes from the dev files. ADMIN_PASSWORD is not one: no command may reuse it silently. */
const SECRET_KEYS = ['JWT_SECRET', 'DATA_KEY', 'DATA_HASH_KEY'] as const
export const RUNTIME_KEYS = [
  'MONGODB_URI',
  'REDIS_URL',
  'WECHAT_API_BASE',
  'WECHAT_SEC_CHECK_OPENID',
  'STORAGE_DIR',
] as const

function readJson(file: string): Record<string, string> {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {}
}

/**
 * In development (NODE_ENV unset or `development`), the commands (`create-admin`, `rotate-data-key`) run
 * against what `pnpm start` runs: its secrets and its database. What the environment sets wins; any other
 * NODE_ENV reads the environment alone.
 */
export function withDevDefaults(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if ((env.NODE_ENV ?? 'development') !== 'development') return env
  const dir = devDataDir(env)
  const secrets = readJson(path.join(dir, DEV_SECRETS_FILE))
  const runtime = readJson(path.join(dir, DEV_RUNTIME_FILE))
  const out: NodeJS.ProcessEnv = { ...env }
  for (const k of SECRET_KEYS) if (!out[k] && secrets[k]) out[k] = secrets[k]
  for (const k of RUNTIME_KEYS) if (!out[k] && runtime[k]) out[k] = runtime[k]
  return out
}

/** Added to a configuration error in development: the usual cause is that `pnpm start` is not running. */
export function devHint(env: NodeJS.ProcessEnv = process.env): string {
  if ((env.NODE_ENV ?? 'development') !== 'development') return ''
  const dir = devDataDir(env)
  if (!existsSync(path.join(dir, DEV_SECRETS_FILE)))
    return '\n开发环境：请先运行 pnpm start（它生成密钥并启动数据库），再在另一个终端运行本命令。'
  if (!env.MONGODB_URI && !existsSync(path.join(dir, DEV_RUNTIME_FILE)))
    return '\n开发环境：pnpm start 未在运行；请先运行它（内嵌数据库随它启动），或设置 MONGODB_URI。'
  return ''
}
