/**
 * The plan as one row per person and change, the way the full-diff download lists it. The rows
 * render planChanges' entries (changes.ts), the one description the card and the CLI text also
 * render, so a spreadsheet's "joiner" rows are the card's joiners. Only what is not an operation
 * (conflicts, records not managed, take-overs, unreadable records) is worded here.
 *
 * - A joiner is one row: the values they are created with, their groups and first manager.
 * - A changed detail is one row with its before and after; a group membership is one row.
 * - Unlike a card, a link row shows the Entra id (externalId) before and after: the CSV is an
 *   admin's download, and the id is how they find the user in Entra.
 */
import { planChanges, type GroupChange, type PersonChange } from './changes';
import type { Plan } from './model';

export type ChangeRowKind =
  | 'joiner'
  | 'leaver'
  | 'renamed'
  | 'returning'
  | 'details'
  | 'linked'
  | 'groupAdded'
  | 'groupRemoved'
  | 'groupCreated'
  | 'conflict'
  | 'notManaged'
  | 'takeOver'
  | 'unreadable';

export interface ChangeRow {
  category: ChangeRowKind;
  /** The person's KnowBe4 address ('' for a group created). */
  person: string;
  /** Their display name, where the plan knows it. */
  name: string;
  /** What changes: an attribute, `group`, `manager`, `userName`, `status`, `externalId`. */
  field: string;
  before: string;
  after: string;
  reason: string;
  /** The operation (or record) id, for audits: never shown on a card. A joiner's row lists all of theirs. */
  id: string;
}

const change = (partial: Partial<ChangeRow> & Pick<ChangeRow, 'category' | 'person'>): ChangeRow => ({ name: '', field: '', before: '', after: '', reason: '', id: '', ...partial });

// What a joiner is created with, beside the name (that has a column of its own).
const NAME_FIELDS = new Set(['givenName', 'familyName']);

/** One entry per person and change: people in planChanges' section order (joiners first), then groups, then what is not an operation. */
export function changeRows(plan: Pick<Plan, 'operations' | 'conflicts' | 'unmanaged'> & Partial<Pick<Plan, 'takeovers' | 'unreadable' | 'names' | 'nameList'>>): ChangeRow[] {
  const { people, groups } = planChanges(plan, plan.operations, { fields: true });
  // A joiner's groups are on the joiner's row already.
  const joining = new Set(people.filter((p) => p.section === 'joiners').flatMap((p) => p.operationIds));
  const out = [...people.flatMap(personRows), ...groups.flatMap((g) => groupRows(g, joining))];
  for (const c of plan.conflicts) {
    out.push(change({ category: 'conflict', person: c.sourceUsers.map((u) => u.address ?? u.id).join('; '), before: c.target?.userName ?? '', reason: `${c.reason}: ${c.message}` }));
  }
  for (const u of plan.unmanaged) out.push(change({ category: 'notManaged', person: u.userName, reason: u.reason, id: u.targetId }));
  for (const t of plan.takeovers ?? []) out.push(change({ category: 'takeOver', person: t.userName, field: 'externalId', before: t.externalIdBefore ?? '', after: t.sourceId, reason: `found by ${t.via}`, id: t.targetId }));
  for (const u of plan.unreadable ?? []) out.push(change({ category: 'unreadable', person: u.name ?? '', field: u.resource, reason: u.reason, id: u.id ?? '' }));
  return out;
}

function personRows(p: PersonChange): ChangeRow[] {
  const base = { person: p.address, name: p.name ?? '', reason: p.reason, id: p.operationIds.join(' ') };
  const status = (before: string, after: string) => ({ ...base, field: 'status', before, after });
  const linkRow = (category: 'details' | 'linked') =>
    p.link ? [change({ ...base, category, field: 'externalId', before: p.link.before ?? '', after: p.link.after ?? '', id: p.link.operationId ?? '' })] : [];
  switch (p.section) {
    case 'joiners': {
      const after = p.changes.filter((c) => c.after && !NAME_FIELDS.has(c.field)).map((c) => `${c.field}: ${c.after}`);
      return [change({ ...base, category: 'joiner', after: after.join('; ') })];
    }
    case 'details':
      return [...p.changes.map((c) => change({ ...base, category: 'details', field: c.field, before: c.before ?? '', after: c.after ?? '', id: c.operationId ?? '' })), ...linkRow('details')];
    case 'renamed': {
      // changes.ts calls the address `email` (what a card reader knows); the CSV names the KnowBe4 attribute.
      const email = p.changes.find((c) => c.field === 'email');
      return [change({ ...base, category: 'renamed', field: 'userName', before: email?.before ?? '', after: p.address })];
    }
    case 'returning':
      return [change({ ...status('archived', 'active'), category: 'returning' })];
    case 'leavers':
      return [change({ ...status('active', 'archived'), category: 'leaver' })];
    case 'linked': {
      const rows = linkRow('linked');
      return rows.length > 0 ? rows : [change({ ...base, category: 'linked', field: 'externalId' })];
    }
  }
}

function groupRows(g: GroupChange, joining: ReadonlySet<string>): ChangeRow[] {
  const created = g.created ? [change({ category: 'groupCreated', person: '', field: 'group', after: g.group, reason: g.createdBy?.reason ?? '', id: g.createdBy?.operationId ?? '' })] : [];
  const members = g.members
    .filter((m) => !joining.has(m.operationId))
    .map((m) =>
      change({ category: m.change === 'added' ? 'groupAdded' : 'groupRemoved', person: m.address, name: m.name ?? '', field: 'group', reason: m.reason, before: m.change === 'removed' ? g.group : '', after: m.change === 'added' ? g.group : '', id: m.operationId }),
    );
  return [...created, ...members];
}
