/**
 * The few value types and primitives every part may use (the connectors, the service, the CLI).
 * It imports nothing of ours, so it can never close a cycle.
 */
export { Secret } from './secret';
export { parseRetryAfter, retryDelay, type Backoff } from './retry';
export { editDistance, closest } from './editDistance';
