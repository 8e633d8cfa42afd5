/** Nightly runs: croner jobs per company and time zone, catch-up, auto-pause. */
export * from './scheduler';
export * from './housekeeping';
export * from './mspJobs';
export * from './lightRuns';
