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

export function createLogger(options: { level?: string; destination?: pino.DestinationStream; file?: string } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  // stderr, so a command's own output on stdout (a JSON report) stays clean; or a file (the demo,
  // whose terminal is for the person trying it).
  const destination = options.destination ?? (options.file ? pino.destination({ dest: options.file, mkdir: true, sync: true }) : pino.destination(2));
  return pino({ level, base: { app: 'kb4sync' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

const LEVEL_WORDS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'note', 40: 'warning', 50: 'error', 60: 'error' };
const PLUMBING = new Set(['level', 'time', 'pid', 'hostname', 'app', 'msg']);

/** One pino JSON line as a sentence: `kb4sync: warning: <message> (key: value, …)`. */
export function humanLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = LEVEL_WORDS[typeof entry.level === 'number' ? entry.level : 30] ?? 'note';
  const details = Object.entries(entry)
    .filter(([k]) => !PLUMBING.has(k))
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `kb4sync: ${level}: ${String(entry.msg ?? '')}${details.length ? ` (${details.join('; ')})` : ''}\n`;
}

/**
 * For a person at a terminal (the CLI's run commands): warnings and errors as sentences on
 * stderr, never JSON; the same redaction as the service's logs.
 */
export function createConsoleLogger(options: { level?: string; stream?: NodeJS.WritableStream } = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const level = options.level ?? process.env.LOG_LEVEL ?? 'warn';
  return pino({ level, base: null, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, { write: (line: string) => void stream.write(humanLine(line)) });
}
