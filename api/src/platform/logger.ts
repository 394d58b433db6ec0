import { createRequire } from 'node:module'
import pino from 'pino'
import type PinoPretty from 'pino-pretty'

/**
 * JSON logs; secrets and personal data are redacted by path so a careless log line cannot leak them.
 * `pretty` (development only) prints the same records as readable lines through pino-pretty, loaded only
 * then, because it is a dev dependency that a production install does not have. It runs in this thread,
 * not as a pino transport, so the last lines before a crash are not lost.
 */
export function createLogger(level: string, name = 'api', pretty = false) {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.refreshToken',
        '*.sessionKey',
        '*.idNumber',
        '*.bankAccount',
        '*.phone',
      ],
      censor: '[redacted]',
    },
  }
  return pretty ? pino(options, prettyStream()) : pino(options)
}

/**
 * pino-pretty's layout, with one change: a request log is one line (`GET /admin/v1/me 200 3.1 ms`) instead
 * of six. Writes to stdout synchronously (pipes and terminals are synchronous on Linux).
 */
function prettyStream(): pino.DestinationStream {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty
  const base = { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }
  const record = prettyFactory(base)
  const request = prettyFactory({
    ...base,
    ignore: `${base.ignore},reqId,user,method,path,status,ms`,
    messageFormat: '{method} {path} {status} {ms} ms',
  })
  return {
    write(line: string) {
      const parsed = JSON.parse(line) as { msg?: string }
      process.stdout.write((parsed.msg === 'request' ? request : record)(parsed))
    },
  }
}
export type Logger = pino.Logger
