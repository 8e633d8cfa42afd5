/** `companies [filter]` and the digest's "Next" button: every company, those needing an admin first, paged. */
import { digestRows, digestTotals, filterRows, type CompanyFilter } from '../../sync';
import type { DigestView } from '../cards/digest';
import type { Card } from '../transport';
import { now, type BotDeps } from './deps';

export async function companiesCard(deps: BotDeps, view: DigestView, filter: CompanyFilter | null, offset: number): Promise<Card | null> {
  if (!deps.overview) return null;
  const { config } = deps;
  const states = await deps.overview.companyFacts(
    config.companies.map((c) => ({ id: c.id, name: c.name, seats: c.knowbe4.seats ?? null, paused: c.paused })),
    now(deps),
  );
  // Only a company that never ran says what it waits for (a consent or token check each).
  const notes = new Map<string, string | null>();
  if (deps.readiness) {
    for (const f of states) if (f.lastRunStatus === null) notes.set(f.id, await deps.readiness(f.id).catch(() => null));
  }
  const rows = filterRows(digestRows(states.map((f) => ({ ...f, note: notes.get(f.id) ?? f.note }))), filter);
  const title = view === 'digest' ? 'Daily digest' : filter === null ? 'Companies' : `Companies: ${filter}`;
  return deps.views.digest({ title, view, filter, rows, totals: digestTotals(rows), offset });
}
