/** What the store's tables share: how dates are written and read, the statuses they hold, batch sizes. */
export const iso = (d: Date) => d.toISOString();
export const date = (s: string | null) => (s === null ? null : new Date(s));

export const PLAN_STATUSES = ['pending', 'applying', 'applied', 'failed', 'cancelled', 'expired'] as const;
export const RUN_STATUSES = ['running', 'succeeded', 'partial', 'failed', 'interrupted'] as const;

/** Rows per statement when writing many (PostgreSQL allows 65,535 parameters per statement). */
export const CHUNK = 500;
