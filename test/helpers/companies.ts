/** Many generated companies' facts, for the digest and `companies` at MSP scale. */
import type { CompanyFacts } from '../../src/sync';

/** 500 companies: every kind of result, some over seats, long and non-Latin names. */
export function generatedCompanies(n = 500): CompanyFacts[] {
  return Array.from({ length: n }, (_, i) => {
    const kind = i % 10;
    const long = i % 17 === 0 ? ` ${'Holdings and Subsidiaries Überseegesellschaft 株式会社 '.repeat(4)}` : '';
    return {
      id: `client-${String(i).padStart(3, '0')}`,
      name: `Client ${i}${long}`,
      paused: kind === 6,
      consecutiveFailures: kind === 0 ? 1 + (i % 3) : 0,
      lastRunStatus: kind === 0 ? 'failed' : kind === 5 ? 'partial' : kind === 9 ? null : 'succeeded',
      lastRunAt: kind === 9 ? null : '2026-12-02T02:00:00.000Z',
      latestPlan:
        kind === 1
          ? { status: 'pending', guardBlocked: true, operations: 40, archives: 30 + i, expired: false }
          : kind === 2
            ? { status: 'pending', guardBlocked: false, operations: 7, archives: 0, expired: false }
            : kind === 7
              ? { status: 'applied', guardBlocked: false, operations: 12, archives: 1, expired: true }
              : { status: 'pending', guardBlocked: false, operations: 0, archives: 0, expired: true },
      seats: kind === 3 ? { used: 120, contracted: 100 } : i % 50 === 0 ? { used: 101, contracted: 100 } : { used: 90, contracted: 100 },
      note: kind === 9 ? 'waiting for consent' : null,
    };
  });
}

