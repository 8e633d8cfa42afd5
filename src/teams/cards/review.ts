/**
 * The review card behind "Review new users and archives": each of the plan's new users and
 * archives with a toggle (on = apply, off = hold) and "Hold always". Long lists are paged; what
 * was held on earlier pages rides along in the buttons, so Apply selected on any page holds it all.
 */
import { holdable, type Plan } from '../../sync';
import { cardSize, CARD_BYTE_BUDGET, render, type CardJson } from './render';
import { plain, plural } from './text';

export interface ReviewCardInput {
  plan: Plan;
  planId: string;
  digest: string;
  offset: number;
  /** Operation ids held on earlier pages. */
  held: readonly string[];
}

/** Rows a page holds at most: the card's inputs make each row larger than a list line. */
export const REVIEW_PAGE_SIZE = 25;

function build(input: ReviewCardInput, start: number, count: number): CardJson {
  // Archives first: they are what an admin most often holds.
  const ops = holdable(input.plan).sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'archive' ? -1 : 1));
  const page = ops.slice(start, start + count);
  const held = new Set(input.held);
  const next = start + page.length < ops.length ? start + page.length : null;
  const guard = input.plan.guard;
  // Shown on the first page only, so each appears once.
  const standing = start === 0 ? (input.plan.held ?? []).filter((h) => h.standing).slice(0, 20) : [];
  return render('review', {
    company: plain(input.plan.company.name, 80),
    heldText: held.size > 0 ? `${plural(held.size, 'change')} held on other pages.` : '',
    rows: page.map((op, i) => ({
      icon: op.kind === 'archive' ? '🗄' : '➕',
      label: plain(op.userName, 80),
      detail: plain(op.reason, 100),
      keepId: `keep_${i}`,
      alwaysId: `always_${i}`,
      keepTitle: op.kind === 'archive' ? 'Archive' : 'Create',
      keep: held.has(op.id) ? 'false' : 'true',
    })),
    blocked: guard.status === 'blocked',
    hasStanding: standing.length > 0,
    standingRows: standing.map((h, j) => ({ text: `${plain(h.userName, 80)} · ${h.kind}, held by ${plain(h.by, 40)} on ${h.at.slice(0, 10)}${h.reason ? `: ${plain(h.reason, 80)}` : ''}`, unholdId: `unhold_${j}` })),
    standing: standing.map((h) => h.userName).join('|'),
    range: ops.length === 0 ? 'Nothing to review.' : `${start + 1}–${start + page.length} of ${ops.length} new users and archives`,
    planId: input.planId,
    digest: input.digest,
    offset: String(start),
    ops: page.map((op) => op.id).join('|'),
    held: [...held].join('|'),
    hasNext: next !== null,
    nextOffset: String(next ?? 0),
    nextTitle: `Next ${Math.min(REVIEW_PAGE_SIZE, ops.length - (next ?? ops.length))}`,
  });
}

export function reviewCard(input: ReviewCardInput): CardJson {
  const total = holdable(input.plan).length;
  const start = Math.min(Math.max(0, input.offset), total);
  for (let n = Math.min(REVIEW_PAGE_SIZE, total - start); n > 1; n--) {
    const card = build(input, start, n);
    if (cardSize(card) <= CARD_BYTE_BUDGET) return card;
  }
  return build(input, start, Math.min(1, total - start));
}
