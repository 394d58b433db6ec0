import pino from 'pino'

/** JSON logs; secrets and personal data are redacted by path so a careless log line cannot leak them. */
export function createLogger(level: string, name = 'api') {
  return pino({
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
  })
}
export type Logger = pino.Logger
