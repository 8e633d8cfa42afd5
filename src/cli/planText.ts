/**
 * A plan as plain text for a terminal: what the CLI prints without --json.
 */
import { waitingLine, type Operation, type OperationOf, type Plan } from '../sync';
import { count } from './format';

const show = (v: string | null) => (v === null ? '(empty)' : JSON.stringify(v));

function section<T>(title: string, items: readonly T[], line: (item: T) => string, limit: number): string[] {
  if (items.length === 0) return [];
  const lines = [`${title} (${count(items.length)})`, ...items.slice(0, limit).map((i) => `  ${line(i)}`)];
  if (items.length > limit) lines.push(`  … and ${count(items.length - limit)} more (use --json for everything)`);
  return [...lines, ''];
}

const of = <K extends Operation['kind']>(plan: Plan, kind: K) =>
  plan.operations.filter((o): o is OperationOf<K> => o.kind === kind);

export function formatPlan(plan: Plan, options: { limit?: number } = {}): string {
  const limit = options.limit ?? 50;
  const { stats } = plan;
  const out: string[] = [
    `${plan.company.name} (${plan.company.id}): ${count(stats.inScope)} of ${count(stats.sourceUsers)} Microsoft 365 users in scope, ` +
      `${count(stats.targetUsers)} KnowBe4 users (${count(stats.targetActive)} active), ${count(stats.matched)} matched`,
  ];
  if (plan.guard.status === 'blocked') {
    out.push(`GUARD: BLOCKED. Applying needs an admin to confirm the archive count (${count(plan.guard.archiveCount)}):`);
    for (const r of plan.guard.reasons) out.push(`  - ${r}`);
  }
  out.push(plan.operations.length === 0 ? 'No changes.' : `${count(plan.operations.length)} changes:`);
  const waiting = plan.waiting ?? [];
  const waitingText = waitingLine(waiting.length);
  if (waitingText) out.push(`${waitingText} (not sent again).`);
  out.push('');

  out.push(
    ...section('Create groups', of(plan, 'createGroup'), (o) => `+ ${o.name}`, limit),
    ...section('Create', of(plan, 'create'), (o) => {
      const name = [o.values.givenName, o.values.familyName].filter(Boolean).join(' ');
      return `+ ${o.userName}${name ? `  ${name}` : ''}${o.values.department ? ` · ${o.values.department}` : ''}`;
    }, limit),
    ...section('Rename', of(plan, 'rename'), (o) => `~ ${o.from} → ${o.to}  (${o.reason})`, limit),
    ...section('Reactivate', of(plan, 'reactivate'), (o) => `↺ ${o.userName}`, limit),
    ...section('Update', of(plan, 'update'), (o) =>
      `~ ${o.userName}  ${o.changes.map((c) => `${c.attribute}: ${show(c.before)} → ${show(c.after)}`).join('; ')}`, limit),
    ...section('Managers', of(plan, 'setManager'), (o) => `~ ${o.userName}  manager: ${show(o.before)} → ${show(o.after)}`, limit),
    ...section('Group additions', of(plan, 'addToGroup'), (o) => `+ ${o.groupName} ← ${o.userName}`, limit),
    ...section('Group removals', of(plan, 'removeFromGroup'), (o) => `- ${o.groupName} → ${o.userName}`, limit),
    ...section('Archive', of(plan, 'archive'), (o) => `- ${o.userName}  (${o.reason})`, limit),
    ...section('Conflicts (nothing written for these)', plan.conflicts, (c) => `! ${c.message}`, limit),
    ...section('Take over (existing KnowBe4 records adopted: same id and history, relinked to Entra)', plan.takeovers ?? [], (t) => `= ${t.userName}  (found by ${t.via === 'formerLink' ? `externalId ${t.externalIdBefore}` : t.via}${t.userName.toLowerCase() !== t.address.toLowerCase() ? `; renamed to ${t.address}` : ''})`, limit),
    ...section('Sent, waiting for KnowBe4 (accepted, not shown yet: not sent again)', waiting, (w) => `… ${w.kind} ${w.userName}  (sent ${w.sentAt})`, limit),
    ...section('Confirmed (sent earlier, now shown by KnowBe4)', plan.seen ?? [], (w) => `✓ ${w.kind} ${w.userName}  (sent ${w.sentAt})`, limit),
    ...section('Unreadable in KnowBe4 (held: never written, never archived)', plan.unreadable ?? [], (u) => `? ${u.resource} ${u.name ?? u.id ?? '(no id)'}  (${u.reason})`, limit),
    ...section('Held (left out of this plan)', plan.held ?? [], (h) => `= ${h.userName}  (${h.kind} held by ${h.by} on ${h.at.slice(0, 10)}${h.reason ? `: ${h.reason}` : ''}${h.standing ? '; standing: kb4sync unhold' : ''})`, limit),
    ...section('Not managed by kb4sync (KnowBe4 users outside scope; KnowBe4’s own SCIM job may archive them)', plan.unmanaged, (u) => `? ${u.userName}  (${u.reason})`, limit),
  );
  if (plan.skipped.length > 0) {
    const counts = new Map<string, number>();
    for (const s of plan.skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
    out.push(`Out of scope in Microsoft 365: ${[...counts].map(([r, n]) => `${count(n)} ${r}`).join(', ')}`);
  }
  return out.join('\n').trimEnd() + '\n';
}
