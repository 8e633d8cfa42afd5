/** The preview card: counts per section, the first rows of each, Apply and the download links. */
import { z } from 'zod';
import { waitingLine, type AttributeChange, type Operation, type Plan, type PlanStats } from '../../sync';
import { capRows, renderWithin, type CardJson, type Color, type Row } from './render';
import { plain, plural } from './text';

export interface PlanCounts {
  create: number;
  /** Rows of the Update section: attribute updates, renames, reactivations, manager links. */
  update: number;
  archive: number;
  /** Rows of the Groups section: new groups, additions and removals. */
  groups: number;
  conflicts: number;
  unmanaged: number;
}

const UPDATE_KINDS: ReadonlySet<Operation['kind']> = new Set(['update', 'rename', 'reactivate', 'setManager']);
const GROUP_KINDS: ReadonlySet<Operation['kind']> = new Set(['createGroup', 'addToGroup', 'removeFromGroup']);

/** The numbers on the preview card, one per section. */
export function planCounts(plan: Plan): PlanCounts {
  let create = 0;
  let update = 0;
  let archive = 0;
  let groups = 0;
  for (const op of plan.operations) {
    if (op.kind === 'create') create++;
    else if (op.kind === 'archive') archive++;
    else if (UPDATE_KINDS.has(op.kind)) update++;
    else if (GROUP_KINDS.has(op.kind)) groups++;
  }
  return { create, update, archive, groups, conflicts: plan.conflicts.length, unmanaged: plan.unmanaged.length };
}

const previewOptionsSchema = z.object({
  planId: z.string().min(1),
  digest: z.string().min(1),
  csvUrl: z.url({ protocol: /^https?$/ }),
  jsonUrl: z.url({ protocol: /^https?$/ }),
  /** When the plan expires, already formatted for people (the builders read no clock). */
  expires: z.string().optional(),
});
export type PreviewOptions = z.input<typeof previewOptionsSchema>;

function changeText(change: { attribute: string; before: string | null; after: string | null }, max: number): string {
  return `${change.attribute}: ${plain(change.before, max)} → ${plain(change.after, max)}`;
}

/** Who held what, the first few: "Held: ann@… (archive, held by Bob on 2026-12-01), +3 more". */
function heldLine(plan: Plan, textMax: number): string {
  const held = plan.held ?? [];
  const shown = held.slice(0, 3).map((h) => `${plain(h.userName, textMax / 2)} (${h.kind}, held by ${plain(h.by, 40)} on ${h.at.slice(0, 10)})`);
  return `Held: ${shown.join(', ')}${held.length > 3 ? `, +${held.length - 3} more` : ''}`;
}

/** One line describing an operation (label = who, detail = what). */
export function operationRow(op: Operation, textMax = 160): Row {
  const short = Math.max(20, Math.floor(textMax / 3));
  switch (op.kind) {
    case 'create': {
      const name = [op.values.givenName, op.values.familyName].filter(Boolean).join(' ');
      const extra = [name, op.values.department, op.values.title].filter((v): v is string => Boolean(v)).join(' · ');
      return { label: plain(op.userName, textMax / 2), detail: plain(extra || null, textMax) };
    }
    case 'update': {
      const shownChanges = op.changes.slice(0, 3).map((c: AttributeChange) => changeText(c, short));
      const rest = op.changes.length - shownChanges.length;
      return {
        label: plain(op.userName, textMax / 2),
        detail: shownChanges.join('; ') + (rest > 0 ? `; +${rest} more` : ''),
      };
    }
    case 'rename':
      return { label: plain(op.from, textMax / 2), detail: `email: ${plain(op.from, short)} → ${plain(op.to, short)}` };
    case 'reactivate':
      return { label: plain(op.userName, textMax / 2), detail: `reactivate archived user: ${plain(op.reason, textMax)}` };
    case 'setManager':
      return { label: plain(op.userName, textMax / 2), detail: changeText({ attribute: 'manager', before: op.before, after: op.after }, short) };
    case 'archive':
      return { label: plain(op.userName, textMax / 2), detail: plain(op.reason, textMax) };
    case 'createGroup':
      return { label: plain(op.name, textMax / 2), detail: 'new group' };
    case 'addToGroup':
      return { label: `+ ${plain(op.userName, textMax / 2)}`, detail: `→ ${plain(op.groupName, short)} (${op.via})` };
    case 'removeFromGroup':
      return { label: `− ${plain(op.userName, textMax / 2)}`, detail: `from ${plain(op.groupName, short)}` };
  }
}

function statsLine(stats: PlanStats): string {
  return [
    `${plural(stats.inScope, 'Microsoft 365 user')} in scope`,
    `${plural(stats.targetUsers, 'KnowBe4 user')}`,
    `${stats.matched.toLocaleString('en-US')} matched`,
  ].join(' · ');
}

export function previewCard(plan: Plan, options: PreviewOptions): CardJson {
  const opts = previewOptionsSchema.parse(options);
  const counts = planCounts(plan);
  const byKind = (kinds: ReadonlySet<Operation['kind']> | Operation['kind']) =>
    plan.operations.filter((op) => (typeof kinds === 'string' ? op.kind === kinds : kinds.has(op.kind)));
  const lists = {
    create: byKind('create'),
    update: byKind(UPDATE_KINDS),
    archive: byKind('archive'),
    groups: byKind(GROUP_KINDS),
  };
  const blocked = plan.guard.status === 'blocked' ? plan.guard : null;
  const empty = plan.operations.length === 0;

  return renderWithin('preview', (max, textMax) => {
    const section = (title: string, ops: Operation[]) => ({
      title,
      total: ops.length.toLocaleString('en-US'),
      ...capRows(ops, max, (op) => operationRow(op, textMax), title.toLowerCase()),
    });
    const conflicts = capRows(
      plan.conflicts,
      max,
      (c) => ({ label: plain(c.sourceUsers.map((u) => u.address ?? u.id).join(', '), textMax / 2), detail: `${c.reason}: ${plain(c.message, textMax)}` }),
      'conflicts',
    );
    const sections = [
      section('Create', lists.create),
      section('Update', lists.update),
      section('Archive', lists.archive),
      section('Groups', lists.groups),
      { title: 'Conflicts (not written)', total: counts.conflicts.toLocaleString('en-US'), ...conflicts },
      { title: 'Take over (existing records adopted)', total: (plan.takeovers ?? []).length.toLocaleString('en-US'), ...capRows(plan.takeovers ?? [], max, (t) => ({ label: plain(t.userName, textMax / 2), detail: plain(t.via === 'formerLink' ? `externalId ${t.externalIdBefore ?? ''} → Entra object id` : `found by ${t.via}`, textMax) }), 'take over') },
      { title: 'Unreadable in KnowBe4 (held)', total: (plan.unreadable ?? []).length.toLocaleString('en-US'), ...capRows(plan.unreadable ?? [], max, (u) => ({ label: plain(u.name ?? u.id ?? u.resource, textMax / 2), detail: plain(u.reason, textMax) }), 'unreadable') },
      // Writes KnowBe4 accepted but does not show yet: pending, not planned again.
      { title: 'Changes sent, waiting for KnowBe4 (not sent again)', total: (plan.waiting ?? []).length.toLocaleString('en-US'), ...capRows(plan.waiting ?? [], max, (w) => ({ label: plain(w.userName, textMax / 2), detail: plain(`${w.kind}, sent ${w.sentAt}`, textMax) }), 'waiting') },
    ].filter((s) => s.total !== '0');
    const unmanaged = capRows(plan.unmanaged, max, (u) => ({ label: plain(u.userName, textMax / 2), detail: plain(u.reason, textMax) }), 'not managed');
    const count = (label: string, value: number, color: Color) => ({ label, value: value.toLocaleString('en-US'), color: value > 0 ? color : 'Default' });
    return {
      company: plain(plan.company.name, 80),
      subtitle: [statsLine(plan.stats), waitingLine(plan.waiting?.length ?? 0)].filter(Boolean).join(' · '),
      planId: opts.planId,
      digest: opts.digest,
      csvUrl: opts.csvUrl,
      jsonUrl: opts.jsonUrl,
      expiresText: opts.expires ? ` · expires ${plain(opts.expires, 40)}` : '',
      blocked: blocked !== null,
      archiveCount: blocked?.archiveCount ?? counts.archive,
      guardReasons: (blocked?.reasons ?? []).slice(0, 5).map((r) => ({ text: plain(r, 200) })),
      counts: [
        count('Create', counts.create, 'Good'),
        count('Update', counts.update, 'Accent'),
        count('Archive', counts.archive, 'Attention'),
        count('Groups', counts.groups, 'Accent'),
        count('Conflicts', counts.conflicts, 'Warning'),
        count('Not managed', counts.unmanaged, 'Warning'),
      ],
      empty,
      sections,
      hasUnmanaged: counts.unmanaged > 0,
      unmanagedTotal: counts.unmanaged.toLocaleString('en-US'),
      unmanaged: unmanaged.rows,
      unmanagedMore: unmanaged.more,
      hasUnmanagedMore: unmanaged.hasMore,
      canApply: !empty,
      // Held changes: only new users and archives (issue 17), on their own review card.
      canReview: counts.create + counts.archive > 0 || (plan.held ?? []).some((h) => h.standing),
      hasHeld: (plan.held ?? []).length > 0,
      heldText: heldLine(plan, textMax),
      applyTitle: blocked ? `Apply (confirm ${blocked.archiveCount} archives)` : `Apply ${plural(plan.operations.length, 'change')}`,
    };
  });
}
