/**
 * The plan as one row per person and change, the way the full-diff download lists it: a joiner
 * is one row (their groups and first manager included), a changed detail is one row with its
 * before and after, a group membership is one row. The categories are people.ts's, so a
 * spreadsheet's "joiner" rows number the card's joiners. This is the one place that words a plan
 * change for a row; the CSV (teams/diffExport.ts) only lays these out, so the CSV can move onto
 * another per-person description by changing this file alone.
 */
import type { Operation, Plan } from './model';

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
  /** Their name, where the plan knows it (a joiner's). */
  name: string;
  /** What changes: an attribute, `group`, `manager`, `userName`, `status`. */
  field: string;
  before: string;
  after: string;
  reason: string;
  /** The operation (or record) id, for audits: never shown on a card. */
  id: string;
}

const change = (partial: Partial<ChangeRow> & Pick<ChangeRow, 'category' | 'person'>): ChangeRow => ({ name: '', field: '', before: '', after: '', reason: '', id: '', ...partial });

/** One entry per person and change, joiners first, in the plan's order within each category. */
export function changeRows(plan: Pick<Plan, 'operations' | 'conflicts' | 'unmanaged'> & Partial<Pick<Plan, 'takeovers' | 'unreadable'>>): ChangeRow[] {
  // What joining brings (groups, first manager) goes on the joiner's own line.
  const joining = new Map<string, string[]>();
  const addTo = (sourceId: string, part: string) => joining.set(sourceId, [...(joining.get(sourceId) ?? []), part]);
  for (const op of plan.operations) {
    if (op.kind === 'addToGroup' && op.user.kind === 'new') addTo(op.user.sourceId, `group: ${op.groupName}`);
    if (op.kind === 'setManager' && op.user.kind === 'new' && op.after) addTo(op.user.sourceId, `manager: ${op.after}`);
  }
  const out: ChangeRow[] = [];
  for (const op of plan.operations) out.push(...operationChanges(op, joining));
  for (const c of plan.conflicts) {
    out.push(change({ category: 'conflict', person: c.sourceUsers.map((u) => u.address ?? u.id).join('; '), before: c.target?.userName ?? '', reason: `${c.reason}: ${c.message}` }));
  }
  for (const u of plan.unmanaged) out.push(change({ category: 'notManaged', person: u.userName, reason: u.reason, id: u.targetId }));
  for (const t of plan.takeovers ?? []) out.push(change({ category: 'takeOver', person: t.userName, field: 'externalId', before: t.externalIdBefore ?? '', after: t.sourceId, reason: `found by ${t.via}`, id: t.targetId }));
  for (const u of plan.unreadable ?? []) out.push(change({ category: 'unreadable', person: u.name ?? '', field: u.resource, reason: u.reason, id: u.id ?? '' }));
  const first = (c: ChangeRow) => (c.category === 'joiner' ? 0 : 1);
  return out.map((c, i) => ({ c, i })).sort((a, b) => first(a.c) - first(b.c) || a.i - b.i).map(({ c }) => c);
}

function operationChanges(op: Operation, joining: Map<string, string[]>): ChangeRow[] {
  const base = { reason: op.reason, id: op.id };
  switch (op.kind) {
    case 'create': {
      const name = [op.values.givenName, op.values.familyName].filter(Boolean).join(' ');
      const details = Object.entries(op.values)
        .filter(([attribute, value]) => value && attribute !== 'givenName' && attribute !== 'familyName')
        .map(([attribute, value]) => `${attribute}: ${value}`);
      return [change({ ...base, category: 'joiner', person: op.userName, name, after: [...details, ...(joining.get(op.sourceId) ?? [])].join('; ') })];
    }
    case 'update':
      return op.changes.map((c) => change({ ...base, category: c.attribute === 'externalId' ? 'linked' : 'details', person: op.userName, field: c.attribute, before: c.before ?? '', after: c.after ?? '' }));
    case 'rename':
      return [change({ ...base, category: 'renamed', person: op.to, field: 'userName', before: op.from, after: op.to })];
    case 'reactivate':
      return [change({ ...base, category: 'returning', person: op.userName, field: 'status', before: 'archived', after: 'active' })];
    case 'archive':
      return [change({ ...base, category: 'leaver', person: op.userName, field: 'status', before: 'active', after: 'archived' })];
    case 'setManager':
      return op.user.kind === 'new' ? [] : [change({ ...base, category: 'details', person: op.userName, field: 'manager', before: op.before ?? '', after: op.after ?? '' })];
    case 'addToGroup':
      return op.user.kind === 'new' ? [] : [change({ ...base, category: 'groupAdded', person: op.userName, field: 'group', after: op.groupName })];
    case 'removeFromGroup':
      return [change({ ...base, category: 'groupRemoved', person: op.userName, field: 'group', before: op.groupName })];
    case 'createGroup':
      return [change({ ...base, category: 'groupCreated', person: '', field: 'group', after: op.name })];
  }
}
