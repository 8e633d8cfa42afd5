/**
 * Loose company lookup: admins type `acme` for "Acme Corp". Tiers are tried in order and the
 * first tier with any hit decides, so an exact name never loses to a fuzzy one. Two hits in the
 * winning tier are ambiguous (the bot shows a choice card); none at all gets close suggestions.
 */
import { editDistance } from '../shared';

export { editDistance };

export interface CompanyRef {
  id: string;
  name: string;
}

export type CompanyMatch<C extends CompanyRef = CompanyRef> =
  /** `exact`: the id or the whole name was typed; otherwise a prefix or a typo was read as this company. */
  | { kind: 'match'; company: C; exact: boolean }
  | { kind: 'ambiguous'; candidates: C[] }
  | { kind: 'unknown'; suggestions: C[] };

const MAX_SUGGESTIONS = 5;
/** The first tiers (the id, the whole name) are what was meant; the rest are guesses. */
const EXACT_TIERS = 2;

/** Case-, accent- and punctuation-insensitive form. */
export function normalizeName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Typos allowed: none for very short input (too many false hits), then about one per four letters. */
function allowedTypos(query: string): number {
  if (query.length <= 3) return 0;
  if (query.length <= 6) return 1;
  return 2;
}

export function matchCompany<C extends CompanyRef>(query: string, companies: readonly C[]): CompanyMatch<C> {
  const q = normalizeName(query);
  if (q === '') return { kind: 'unknown', suggestions: [] };
  const qCompact = q.replace(/ /g, '');
  const entries = companies.map((company) => {
    const name = normalizeName(company.name);
    return { company, id: company.id.toLowerCase(), name, compact: name.replace(/ /g, ''), words: name.split(' ') };
  });
  const decide = (hits: typeof entries, exact: boolean): CompanyMatch<C> | null => {
    const unique = [...new Map(hits.map((h) => [h.company.id, h.company])).values()];
    if (unique.length === 1 && unique[0]) return { kind: 'match', company: unique[0], exact };
    if (unique.length > 1) return { kind: 'ambiguous', candidates: unique };
    return null;
  };

  const rawId = query.trim().toLowerCase();
  const tiers: ((e: (typeof entries)[number]) => boolean)[] = [
    (e) => e.id === rawId || e.id === q,
    (e) => e.name === q || e.compact === qCompact,
    (e) => e.name.startsWith(q) || e.compact.startsWith(qCompact) || e.id.startsWith(rawId),
    // Each typed word starts some word of the name, in order: `ac co` → "Acme Corp".
    (e) => wordPrefix(q.split(' '), e.words),
  ];
  for (const [i, tier] of tiers.entries()) {
    const result = decide(entries.filter(tier), i < EXACT_TIERS);
    if (result) return result;
  }

  const max = allowedTypos(qCompact);
  const scored = entries
    .map((e) => {
      // Compare with the whole name and with its leading words of the same length as the query.
      const head = e.words.slice(0, q.split(' ').length).join('');
      const d = Math.min(editDistance(qCompact, e.compact, max + 3), editDistance(qCompact, head, max + 3), editDistance(rawId, e.id, max + 3));
      return { e, d };
    })
    .sort((a, b) => a.d - b.d || a.e.name.localeCompare(b.e.name));
  const close = scored.filter((s) => s.d <= max);
  if (close.length > 0) {
    const best = close[0]?.d ?? 0;
    const result = decide(
      close.filter((s) => s.d === best).map((s) => s.e),
      false,
    );
    if (result) return result;
  }
  const suggestions = scored
    .filter((s) => s.d <= max + 2)
    .slice(0, MAX_SUGGESTIONS)
    .map((s) => s.e.company);
  return { kind: 'unknown', suggestions };
}

function wordPrefix(queryWords: string[], nameWords: string[]): boolean {
  let at = 0;
  for (const qw of queryWords) {
    while (at < nameWords.length && !(nameWords[at] ?? '').startsWith(qw)) at++;
    if (at >= nameWords.length) return false;
    at++;
  }
  return true;
}
