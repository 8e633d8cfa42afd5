/**
 * A plan as plain text for a terminal: what the CLI prints without --json. People first, in the
 * same sections, counts and words as the preview card (sync/changes.ts and sync/people.ts).
 */
import {
  conflictsText,
  countPeople,
  groupLine,
  linkedText,
  peopleSummary,
  personLine,
  planChanges,
  PEOPLE_SECTIONS,
  SECTION_TITLES,
  type PeopleSection,
  type Plan,
  waitingLine,
} from '../sync';
import { count } from './format';


function section<T>(title: string, items: readonly T[], line: (item: T) => string, limit: number): string[] {
  if (items.length === 0) return [];
  const lines = [`${title} (${count(items.length)})`, ...items.slice(0, limit).map((i) => `  ${line(i)}`)];
  if (items.length > limit) lines.push(`  … and ${count(items.length - limit)} more (use --json for everything)`);
  return [...lines, ''];
}

const MARK: Record<PeopleSection, string> = { joiners: '+', leavers: '-', renamed: '~', returning: '↺', details: '~', linked: '=' };

export function formatPlan(plan: Plan, options: { limit?: number } = {}): string {
  const limit = options.limit ?? 50;
  const { stats } = plan;
  const counts = countPeople(plan);
  const out: string[] = [
    `${plan.company.name} (${plan.company.id}): ${count(stats.inScope)} of ${count(stats.sourceUsers)} Microsoft 365 users in scope, ` +
      `${count(stats.targetUsers)} KnowBe4 users (${count(stats.targetActive)} active), ${count(stats.matched)} matched`,
  ];
  if (plan.guard.status === 'blocked') {
    out.push(`GUARD: BLOCKED. Applying needs an admin to confirm the archive count (${count(plan.guard.archiveCount)}):`);
    for (const r of plan.guard.reasons) out.push(`  - ${r}`);
  }
  out.push(plan.operations.length === 0 ? 'No changes.' : `${peopleSummary(counts)}.`);
  for (const line of [linkedText(counts.linked), conflictsText(counts.conflicts)]) if (line) out.push(`${line}.`);
  const waitingText = waitingLine((plan.waiting ?? []).length);
  if (waitingText) out.push(`${waitingText} (not sent again).`);
  out.push('');

  const { people, groups } = planChanges(plan);
  for (const s of PEOPLE_SECTIONS) {
    out.push(...section(SECTION_TITLES[s], people.filter((p) => p.section === s), (p) => `${MARK[s]} ${personLine(p)}`, limit));
  }
  out.push(
    ...section(SECTION_TITLES.groups, groups, groupLine, limit),
    ...section('Conflicts (nothing written for these)', plan.conflicts, (c) => `! ${c.message}`, limit),
    ...section('Take over (existing KnowBe4 records adopted: same id and history, relinked to Entra)', plan.takeovers ?? [], (t) => `= ${t.userName}  (found by ${t.via === 'formerLink' ? `externalId ${t.externalIdBefore}` : t.via}${t.userName.toLowerCase() !== t.address.toLowerCase() ? `; renamed to ${t.address}` : ''})`, limit),
    ...section('Sent, waiting for KnowBe4 (accepted, not shown yet: not sent again)', plan.waiting ?? [], (w) => `… ${w.kind} ${w.userName}  (sent ${w.sentAt})`, limit),
    ...section('Confirmed (sent earlier, now shown by KnowBe4)', plan.seen ?? [], (w) => `✓ ${w.kind} ${w.userName}  (sent ${w.sentAt})`, limit),
    ...section('Unreadable in KnowBe4 (held: never written, never archived)', plan.unreadable ?? [], (u) => `? ${u.resource} ${u.name ?? u.id ?? '(no id)'}  (${u.reason})`, limit),
    ...section('Held (left out of this plan)', plan.held ?? [], (h) => `= ${h.userName}  (${h.kind} held by ${h.by} on ${h.at.slice(0, 10)}${h.reason ? `: ${h.reason}` : ''}${h.standing ? '; standing: kb4sync unhold' : ''})`, limit),
    ...section('Not managed by kb4sync (KnowBe4 users outside scope; KnowBe4’s own SCIM job may archive them)', plan.unmanaged, (u) => `? ${u.userName}  (${u.reason})`, limit),
  );
  if (plan.skipped.length > 0) {
    const skipped = new Map<string, number>();
    for (const s of plan.skipped) skipped.set(s.reason, (skipped.get(s.reason) ?? 0) + 1);
    out.push(`Out of scope in Microsoft 365: ${[...skipped].map(([r, k]) => `${count(k)} ${r}`).join(', ')}`);
  }
  return out.join('\n').trimEnd() + '\n';
}
