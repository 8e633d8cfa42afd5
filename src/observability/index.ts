/** Structured logs (pino, secrets redacted) and Prometheus metrics. */
export { createConsoleLogger, createLogger, humanLine, REDACT_PATHS, type Logger } from './log';
export { createMetrics, type Metrics } from './metrics';
