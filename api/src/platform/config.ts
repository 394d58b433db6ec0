import { z } from 'zod'

/**
 * Config is parsed once at boot from the environment into a nested typed object. A bad value stops the
 * process with a message naming the key, so a misconfigured deployment never half-starts.
 * Every key is documented in `.env.example` at the repository root.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')
const port = z.coerce.number().int().min(0).max(65535)
const base64Key = z
  .string()
  .refine(
    (v) => Buffer.from(v, 'base64').length === 32,
    '必须是 32 字节密钥的 base64 编码（openssl rand -base64 32）',
  )

const Env = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Human-readable log lines (pino-pretty); default on in development, never in production. */
  LOG_PRETTY: bool.optional(),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, '必须以 mongodb:// 或 mongodb+srv:// 开头'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, '必须以 redis:// 或 rediss:// 开头')
    .default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().default('zct'),
  JWT_SECRET: z.string().min(32, '至少 32 个字符'),
  JWT_ISSUER: z.string().default('zhichantong'),
  JWT_ACCESS_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  JWT_REFRESH_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(3600)
    .max(90 * 86_400)
    .default(30 * 86_400),
  /** Current key for personal data (AES-256-GCM). Older keys stay readable via DATA_KEYS_OLD. */
  DATA_KEY_ID: z
    .string()
    .regex(/^[a-z0-9-]{1,16}$/, '只能包含小写字母、数字和 -，最长 16 位')
    .default('k1'),
  DATA_KEY: base64Key,
  /** Comma-separated `id:base64key` pairs of retired keys, kept so old ciphertexts still decrypt. */
  DATA_KEYS_OLD: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const out: Record<string, string> = {}
      for (const pair of v.split(',').filter(Boolean)) {
        const [id, key] = pair.split(':')
        if (!id || !key || Buffer.from(key, 'base64').length !== 32) {
          ctx.addIssue({ code: 'custom', message: `无法解析 "${pair}"，格式应为 id:base64key` })
          return z.NEVER
        }
        out[id] = key
      }
      return out
    }),
  /** HMAC key for blind indexes of personal data (lookups by phone/ID number without decrypting). */
  DATA_HASH_KEY: base64Key,
  ADMIN_ORIGIN: z.string().default(''),
  BODY_LIMIT_KB: z.coerce.number().int().min(16).max(10_240).default(256),
  UPLOAD_MAX_MB: z.coerce.number().int().min(1).max(100).default(10),
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  STORAGE_DIR: z.string().default('./data/files'),
  S3_ENDPOINT: z.string().optional(),
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  WECHAT_API_BASE: z.url().default('https://api.weixin.qq.com'),
  WECHAT_APP_ID: z.string().min(1).default('wx-dev-appid'),
  WECHAT_APP_SECRET: z.string().min(1).default('dev-secret'),
  ADMIN_STATIC_DIR: z.string().default(''),
  /** WeChat subscribe/send calls per second, shared by every worker (a Redis token bucket). */
  WECHAT_SEND_RPS: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Sends in flight per batch job. */
  WECHAT_SEND_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(32),
  /** openid msg_sec_check v2 runs under for console content (an operator's mini-program account). */
  WECHAT_SEC_CHECK_OPENID: z.string().default(''),
  /** Push jobs' attempts and first backoff (doubling); the last attempt leaves a final, visible result. */
  PUSH_BATCH_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  PUSH_BATCH_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(1_000),
  PUSH_PLAN_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  PUSH_PLAN_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(2_000),
  TRUST_PROXY: bool.default(false),
  METRICS_TOKEN: z.string().default(''),
  /**
   * Port of each worker's own GET /metrics and GET /healthz (on HOST); 0 = off. Default 9464, but 0 under
   * NODE_ENV=test, where many workers share one machine: a test that wants the endpoint names a free port.
   */
  WORKER_METRICS_PORT: port.optional(),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(3).max(20).default(5),
  LOGIN_LOCK_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  LOGIN_SPRAY_FAILURES: z.coerce.number().int().min(5).max(1000).default(30),
})

export type Config = ReturnType<typeof loadConfig>

/** Throws a ConfigError naming every bad key; callers at boot print it and exit(1). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = Env.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`)
    throw new ConfigError(`配置错误（环境变量）：\n${lines.join('\n')}`)
  }
  const e = parsed.data
  if (e.NODE_ENV === 'production' && e.WECHAT_APP_SECRET === 'dev-secret') {
    throw new ConfigError(
      '配置错误（环境变量）：\n  WECHAT_APP_SECRET: 生产环境必须设置真实的小程序 AppSecret',
    )
  }
  if (
    e.STORAGE_DRIVER === 's3' &&
    (!e.S3_ENDPOINT || !e.S3_BUCKET || !e.S3_ACCESS_KEY_ID || !e.S3_SECRET_ACCESS_KEY)
  ) {
    throw new ConfigError(
      '配置错误（环境变量）：\n  S3_ENDPOINT/S3_BUCKET/S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY: STORAGE_DRIVER=s3 时必须全部设置',
    )
  }
  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`,
      bodyLimitKb: e.BODY_LIMIT_KB,
      adminOrigin: e.ADMIN_ORIGIN,
      trustProxy: e.TRUST_PROXY,
      adminStaticDir: e.ADMIN_STATIC_DIR,
      metricsToken: e.METRICS_TOKEN,
    },
    log: {
      level: e.LOG_LEVEL,
      // pino-pretty is a dev dependency: production always logs JSON.
      pretty: e.NODE_ENV !== 'production' && (e.LOG_PRETTY ?? e.NODE_ENV === 'development'),
    },
    mongo: { uri: e.MONGODB_URI },
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    jwt: {
      secret: e.JWT_SECRET,
      issuer: e.JWT_ISSUER,
      accessTtl: e.JWT_ACCESS_TTL_SECONDS,
      refreshTtl: e.JWT_REFRESH_TTL_SECONDS,
    },
    data: { keyId: e.DATA_KEY_ID, key: e.DATA_KEY, oldKeys: e.DATA_KEYS_OLD, hashKey: e.DATA_HASH_KEY },
    storage: {
      driver: e.STORAGE_DRIVER,
      dir: e.STORAGE_DIR,
      maxBytes: e.UPLOAD_MAX_MB * 1024 * 1024,
      s3: {
        endpoint: e.S3_ENDPOINT,
        bucket: e.S3_BUCKET,
        region: e.S3_REGION,
        accessKeyId: e.S3_ACCESS_KEY_ID,
        secretAccessKey: e.S3_SECRET_ACCESS_KEY,
      },
    },
    wechat: {
      baseUrl: e.WECHAT_API_BASE,
      appId: e.WECHAT_APP_ID,
      appSecret: e.WECHAT_APP_SECRET,
      sendsPerSecond: e.WECHAT_SEND_RPS,
      sendConcurrency: e.WECHAT_SEND_CONCURRENCY,
      secCheckOpenid: e.WECHAT_SEC_CHECK_OPENID,
    },
    push: {
      plan: { attempts: e.PUSH_PLAN_ATTEMPTS, backoffMs: e.PUSH_PLAN_BACKOFF_MS },
      batch: { attempts: e.PUSH_BATCH_ATTEMPTS, backoffMs: e.PUSH_BATCH_BACKOFF_MS },
    },
    worker: { metricsPort: e.WORKER_METRICS_PORT ?? (e.NODE_ENV === 'test' ? 0 : 9464) },
    auth: {
      maxFailures: e.LOGIN_MAX_FAILURES,
      lockMinutes: e.LOGIN_LOCK_MINUTES,
      sprayFailures: e.LOGIN_SPRAY_FAILURES,
    },
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}
