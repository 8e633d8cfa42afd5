/** Structured logs (pino, secrets redacted) and Prometheus metrics. */
export { createLogger, REDACT_PATHS, type Logger } from './log';
export { createMetrics, type Metrics } from './metrics';
