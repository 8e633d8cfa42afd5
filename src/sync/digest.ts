/**
 * The digest across every client: one line per company, the ones that need an admin first, the
 * rest grouped by result, with totals; and the paging that keeps each message under the Teams
 * limit without ever dropping a row. Pure: the facts come from the store, the size test from the
 * card builder.
 */

/** What the store knows about one company, as plain data. */
export interface CompanyFacts {
  id: string;
  name: string;
  paused: boolean;
  consecutiveFailures: number;
  lastRunStatus: string | null;
  lastRunAt: string | null;
  /** The newest full plan: its status, whether the guard blocked it, its size, and whether its time ran out. */
  latestPlan: { status: string; guardBlocked: boolean; operations: number; archives: number; expired: boolean } | null;
  /** Active KnowBe4 users at the newest audit, against the contracted number (null: no audit, or no number). */
  seats: { used: number; contracted: number } | null;
  /** For a company that never ran: what it waits for (consent, a token), or that it is ready. */
  note: string | null;
}

export type DigestResult = 'failed' | 'guard-blocked' | 'waiting' | 'over-seats' | 'partial' | 'paused' | 'changed' | 'in-step' | 'never-run';

/** The order of the digest: the first four need an admin. */
export const DIGEST_ORDER: readonly DigestResult[] = ['failed', 'guard-blocked', 'waiting', 'over-seats', 'partial', 'paused', 'changed', 'in-step', 'never-run'];
const NEEDS_ADMIN: ReadonlySet<DigestResult> = new Set(['failed', 'guard-blocked', 'waiting', 'over-seats']);

export const DIGEST_TITLES: Record<DigestResult, string> = {
  failed: 'Failed',
  'guard-blocked': 'Blocked by the guard',
  waiting: 'Waiting for approval',
  'over-seats': 'Over seats',
  partial: 'Partly applied',
  paused: 'Paused',
  changed: 'Synced',
  'in-step': 'In step',
  'never-run': 'Not run yet',
};

export interface DigestRow {
  id: string;
  name: string;
  result: DigestResult;
  needsAdmin: boolean;
  detail: string;
  /** Seats over the contract (0 when not over, or unknown). */
  overSeats: number;
}

function overOf(f: CompanyFacts): number {
  return f.seats === null ? 0 : Math.max(0, f.seats.used - f.seats.contracted);
}

function resultOf(f: CompanyFacts): { result: DigestResult; detail: string } {
  const plan = f.latestPlan;
  const open = plan !== null && plan.status === 'pending' && !plan.expired;
  if (f.lastRunStatus === 'failed' || f.consecutiveFailures > 0) {
    return { result: 'failed', detail: `${f.consecutiveFailures || 1} failed run${f.consecutiveFailures > 1 ? 's' : ''} in a row${f.paused ? ', paused' : ''}` };
  }
  if (open && plan.guardBlocked) return { result: 'guard-blocked', detail: `${plan.archives} archives to confirm` };
  if (open && plan.operations > 0) return { result: 'waiting', detail: `${plan.operations} changes to approve` };
  if (overOf(f) > 0 && f.seats) return { result: 'over-seats', detail: `${f.seats.used} active users for ${f.seats.contracted} seats` };
  if (f.paused) return { result: 'paused', detail: 'no scheduled runs until resumed' };
  if (f.lastRunStatus === 'partial') return { result: 'partial', detail: 'some changes failed' };
  if (f.lastRunStatus === null) return { result: 'never-run', detail: f.note ?? 'never run' };
  if (plan !== null && plan.status === 'applied' && plan.operations > 0) return { result: 'changed', detail: `${plan.operations} changes applied` };
  return { result: 'in-step', detail: 'in step' };
}

/** One row per company: needs-an-admin first (by urgency), then the rest by result, each by name. */
export function digestRows(facts: readonly CompanyFacts[]): DigestRow[] {
  const rows = facts.map((f) => {
    const { result, detail } = resultOf(f);
    const over = overOf(f);
    // A company over its seats that also failed says both.
    const extra = over > 0 && result !== 'over-seats' ? `; ${over} over seats` : '';
    return { id: f.id, name: f.name, result, needsAdmin: NEEDS_ADMIN.has(result) || over > 0, detail: `${detail}${extra}`, overSeats: over };
  });
  const rank = (r: DigestRow) => DIGEST_ORDER.indexOf(r.result);
  return rows.sort((a, b) => Number(b.needsAdmin) - Number(a.needsAdmin) || rank(a) - rank(b) || a.name.localeCompare(b.name, 'en') || a.id.localeCompare(b.id));
}

export const COMPANY_FILTERS = ['failing', 'over-seats', 'attention', 'waiting', 'paused'] as const;
export type CompanyFilter = (typeof COMPANY_FILTERS)[number];

export function filterRows(rows: readonly DigestRow[], filter: CompanyFilter | null): DigestRow[] {
  switch (filter) {
    case null:
      return [...rows];
    case 'failing':
      return rows.filter((r) => r.result === 'failed' || r.result === 'partial');
    case 'over-seats':
      return rows.filter((r) => r.overSeats > 0);
    case 'attention':
      return rows.filter((r) => r.needsAdmin);
    case 'waiting':
      return rows.filter((r) => r.result === 'waiting' || r.result === 'guard-blocked');
    case 'paused':
      return rows.filter((r) => r.result === 'paused');
  }
}

export interface DigestTotals {
  companies: number;
  needsAdmin: number;
  byResult: { result: DigestResult; count: number }[];
}

export function digestTotals(rows: readonly DigestRow[]): DigestTotals {
  return {
    companies: rows.length,
    needsAdmin: rows.filter((r) => r.needsAdmin).length,
    byResult: DIGEST_ORDER.map((result) => ({ result, count: rows.filter((r) => r.result === result).length })).filter((t) => t.count > 0),
  };
}

/** Rows shown per message at most ("next 50"). */
export const DIGEST_PAGE_SIZE = 50;

export interface DigestPage {
  rows: DigestRow[];
  offset: number;
  /** Where the next page starts; null on the last page. */
  nextOffset: number | null;
  total: number;
}

/**
 * The page at `offset`: as many rows as `fits` accepts, up to `max`, and at least one (a single
 * row always fits a message: its text is bounded). The next page starts right after the last row
 * shown, so paging through every page shows every row exactly once.
 */
export function digestPage(rows: readonly DigestRow[], offset: number, fits: (rows: DigestRow[]) => boolean, max = DIGEST_PAGE_SIZE): DigestPage {
  const start = Math.min(Math.max(0, Math.floor(offset)), rows.length);
  let n = Math.min(max, rows.length - start);
  while (n > 1 && !fits(rows.slice(start, start + n))) n -= 1;
  const end = start + n;
  return { rows: rows.slice(start, end), offset: start, nextOffset: end < rows.length ? end : null, total: rows.length };
}
