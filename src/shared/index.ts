/**
 * The few value types and primitives every part may use (the connectors, the service, the CLI).
 * It imports nothing of ours, so it can never close a cycle.
 */
export { Secret } from './secret';
export {
  defaultSleep,
  isRetryable,
  isTlsCode,
  parseRetryAfter,
  retryDelay,
  retrying,
  waitBeforeRetry,
  type AttemptResult,
  type Backoff,
  type Failure,
  type RetryHooks,
  type RetryPolicy,
  type RetryScope,
} from './retry';
export { axiosRetryConfig, type AxiosRetryOptions } from './axiosRetry';
export { editDistance, closest } from './editDistance';
export { inFlight, limiter, outboundStats, setOutboundConcurrency, whileSomeoneWaits, type Limiter, type LimitSettings, type OwnLimiter, type OutboundStats } from './limiter';
