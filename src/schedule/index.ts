/** Nightly runs: croner jobs per company and time zone, a fair queue under the instance concurrency, catch-up, auto-pause. */
export * from './scheduler';
export * from './housekeeping';
export * from './mspJobs';
export * from './lightRuns';
export * from './queue';
