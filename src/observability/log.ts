/**
 * Structured logs (pino). Secrets are kept out twice: config values are `Secret` objects that
 * print as [redacted], and the paths where a token could still appear are redacted here.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  '*.headers.authorization',
  'config.headers.Authorization',
  '*.config.headers.Authorization',
  'client_secret',
  '*.client_secret',
  'token',
  '*.token',
  'password',
  '*.password',
  'MicrosoftAppPassword',
  '*.MicrosoftAppPassword',
];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  // stderr, so a command's own output on stdout (a JSON report) stays clean.
  return pino({ level, base: { app: 'kb4sync' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, options.destination ?? pino.destination(2));
}
