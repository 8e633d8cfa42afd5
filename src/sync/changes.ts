/**
 * A plan as people and their changes: the one description of each operation that the preview
 * card, the CSV export and the CLI's plan text all render from, so that a person reads the same
 * everywhere and counts the same everywhere (`countPeople` counts these entries).
 *
 * - One entry per person per section: a new hire's create, groups and manager are one joiner; a
 *   person whose title and manager change is one entry in `details` with two field changes.
 * - Group memberships are grouped by group ("All Employees: +10"), not listed per person.
 * - Linking a record to its Entra id (externalId) is a section of its own that shows no ids on a
 *   card or terminal: the admin sees nothing change. The ids ride along in `link` for the CSV only.
 */
import type { AttributeChange, Operation, Plan } from './model';
import { existingKey, newKey, planNames } from './names';

export type PeopleSection = 'joiners' | 'leavers' | 'renamed' | 'returning' | 'details' | 'linked';

/** The sections in the order cards and text show them. */
export const PEOPLE_SECTIONS: readonly PeopleSection[] = ['joiners', 'leavers', 'renamed', 'returning', 'details', 'linked'];

export interface FieldChange {
  /** A KnowBe4 attribute name, `manager`, or `email` (a rename). */
  field: string;
  before: string | null;
  after: string | null;
  /** The operation behind this change, for exports and audits (never shown on a card); set with fields. */
  operationId?: string;
}

export interface PersonChange {
  section: PeopleSection;
  /** Display name, or null when neither side has one. */
  name: string | null;
  /** The login address; for a rename, the new one. */
  address: string;
  /** What changes. Joiners: the values they are created with (before null). Leavers, returning and linked: none. Empty when asked for without fields. */
  changes: FieldChange[];
  /** Why, in the operation's words ("No longer in Microsoft 365", …). */
  reason: string;
  /** The ids of the operations behind this entry, for exports and audits (never shown on a card); empty without fields. */
  operationIds: string[];
  /**
   * Linking the record to its Entra id (externalId before and after), set with fields. Only the
   * CSV, an admin's download, shows it: the id is how an admin finds the user in Entra. Never on a card.
   */
  link?: FieldChange;
}

/** One person's membership change in a group, for exports (set with fields). */
export interface GroupMemberChange {
  address: string;
  name: string | null;
  change: 'added' | 'removed';
  reason: string;
  operationId: string;
}

export interface GroupChange {
  group: string;
  /** kb4sync creates the group in this plan. */
  created: boolean;
  /** Addresses added and removed. */
  added: string[];
  removed: string[];
  /** The same changes one by one with names and operation ids, in plan order; empty without fields. A joiner's are also on the joiner. */
  members: GroupMemberChange[];
  /** The createGroup operation, with fields. */
  createdBy?: { operationId: string; reason: string };
}

export interface PlanChanges {
  people: PersonChange[];
  groups: GroupChange[];
}

const visible = (changes: readonly AttributeChange[]) => changes.filter((c) => c.attribute !== 'externalId');

/**
 * The plan's operations (or a subset: the ones a run did) as people and groups, people in section
 * order and within a section in plan order.
 */
export function planChanges(plan: Pick<Plan, 'operations' | 'names' | 'nameList'>, operations: readonly Operation[] = plan.operations, options: { fields?: boolean } = {}): PlanChanges {
  // Counting needs the entries, not their field changes: a 100,000-person first run skips a million objects.
  const fields = options.fields ?? true;
  const names = planNames(plan);
  const nameOf = (key: string) => names.get(key) ?? null;
  const bySection = new Map<PeopleSection, Map<string, PersonChange>>(PEOPLE_SECTIONS.map((s) => [s, new Map()]));
  let current = '';
  const entry = (section: PeopleSection, key: string, address: string, reason: string): PersonChange => {
    const people = bySection.get(section) as Map<string, PersonChange>;
    let person = people.get(key);
    if (!person) {
      person = { section, name: nameOf(key), address, changes: [], reason, operationIds: [] };
      people.set(key, person);
    }
    if (fields) person.operationIds.push(current);
    return person;
  };
  const groups = new Map<string, GroupChange>();
  const group = (name: string) => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { group: name, created: false, added: [], removed: [], members: [] }));
    return g;
  };
  const member = (op: Operation & { kind: 'addToGroup' | 'removeFromGroup' }, key: string, change: GroupMemberChange['change']) => {
    const g = group(op.groupName);
    g[change].push(op.userName);
    if (fields) g.members.push({ address: op.userName, name: nameOf(key), change, reason: op.reason, operationId: op.id });
  };
  // What joining brings (groups, first manager) goes on the joiner's own entry, as created values.
  const joining = (sourceId: string, field: string, after: string | null) => {
    const joiner = fields ? bySection.get('joiners')?.get(newKey(sourceId)) : undefined;
    if (!joiner) return;
    joiner.operationIds.push(current);
    if (after !== null) joiner.changes.push({ field, before: null, after, operationId: current });
  };
  const links = new Map<string, FieldChange>();
  for (const op of operations) {
    current = op.id;
    switch (op.kind) {
      case 'create':
        {
          const joiner = entry('joiners', newKey(op.sourceId), op.userName, op.reason);
          // Without a name on file (a plan built by hand), the name it is created with.
          joiner.name ??= [op.values.givenName, op.values.familyName].filter(Boolean).join(' ') || null;
          if (fields) joiner.changes.push(...Object.entries(op.values).map(([field, after]) => ({ field, before: null, after: after ?? null, operationId: op.id })));
        }
        break;
      case 'archive':
        entry('leavers', existingKey(op.targetId), op.userName, op.reason);
        break;
      case 'rename':
        entry('renamed', existingKey(op.targetId), op.to, op.reason).changes.push({ field: 'email', before: op.from, after: op.to });
        break;
      case 'reactivate':
        entry('returning', existingKey(op.targetId), op.userName, op.reason);
        break;
      case 'update': {
        const key = existingKey(op.targetId);
        const shown = visible(op.changes);
        const link = op.changes.find((c) => c.attribute === 'externalId');
        if (fields && link) links.set(key, { field: link.attribute, before: link.before, after: link.after, operationId: op.id });
        if (shown.length === 0) entry('linked', key, op.userName, op.reason);
        else {
          const person = entry('details', key, op.userName, op.reason);
          if (fields) person.changes.push(...shown.map((c) => ({ field: c.attribute, before: c.before, after: c.after, operationId: op.id })));
        }
        break;
      }
      case 'setManager':
        // A joiner's first manager is part of joining, not a change of details.
        if (op.user.kind === 'existing') {
          const person = entry('details', existingKey(op.user.targetId), op.userName, op.reason);
          if (fields) person.changes.push({ field: 'manager', before: op.before, after: op.after, operationId: op.id });
        } else joining(op.user.sourceId, 'manager', op.after);
        break;
      case 'addToGroup':
        member(op, op.user.kind === 'new' ? newKey(op.user.sourceId) : existingKey(op.user.targetId), 'added');
        if (op.user.kind === 'new') joining(op.user.sourceId, 'group', op.groupName);
        break;
      case 'removeFromGroup':
        member(op, existingKey(op.targetId), 'removed');
        break;
      case 'createGroup': {
        const g = group(op.name);
        g.created = true;
        if (fields) g.createdBy = { operationId: op.id, reason: op.reason };
        break;
      }
    }
  }
  // Someone whose details change is not also "linked": the visible change is what they see.
  const details = bySection.get('details') as Map<string, PersonChange>;
  const linked = bySection.get('linked') as Map<string, PersonChange>;
  for (const key of details.keys()) linked.delete(key);
  for (const [key, link] of links) {
    const person = details.get(key) ?? linked.get(key);
    if (person) person.link = link;
  }
  return { people: PEOPLE_SECTIONS.flatMap((s) => [...(bySection.get(s) as Map<string, PersonChange>).values()]), groups: [...groups.values()] };
}

// ---------------------------------------------------------------------------------------------
// Words: the same on a card (escaped there), in the CSV and on a terminal
// ---------------------------------------------------------------------------------------------

/** Section headings. */
export const SECTION_TITLES: Record<PeopleSection | 'groups', string> = {
  joiners: 'Joiners',
  leavers: 'Leavers',
  renamed: 'Renamed',
  returning: 'Returning',
  details: 'Details changed',
  linked: 'Linked to Microsoft 365',
  groups: 'Groups',
};

export interface TextOptions {
  /** Cut each value to this many characters (a card has little room; the CSV and CLI cut nothing). */
  valueMax?: number;
}

function cut(text: string, max: number | undefined): string {
  if (max === undefined) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

const shown = (v: string | null, max?: number) => (v === null || v === '' ? '—' : cut(v, max));

/** "department: Sales → R&D" (an empty value reads as an em dash). */
export function changeText(c: FieldChange, options: TextOptions = {}): string {
  return `${c.field}: ${shown(c.before, options.valueMax)} → ${shown(c.after, options.valueMax)}`;
}

/**
 * Who, and what about them, as two strings (a card sets the first in bold). A rename is the
 * person's name (nothing when there is none), then "old → new": the address is never said twice.
 */
export function personParts(p: PersonChange, options: TextOptions = {}): { who: string; what: string } {
  const who = p.name ? `${p.name} (${p.address})` : p.address;
  switch (p.section) {
    case 'joiners':
      return { who, what: ['department', 'title'].map((f) => p.changes.find((c) => c.field === f)?.after).filter((v): v is string => Boolean(v)).map((v) => cut(v, options.valueMax)).join(' · ') };
    case 'renamed': {
      const email = p.changes.find((c) => c.field === 'email');
      return { who: p.name ?? '', what: `${shown(email?.before ?? null)} → ${p.address}` };
    }
    case 'details':
      return { who, what: p.changes.map((c) => changeText(c, options)).join('; ') };
    case 'leavers':
    case 'returning':
      return { who, what: cut(p.reason, options.valueMax) };
    case 'linked':
      return { who, what: '' };
  }
}

/** One line per person: "Ada Lovelace (ada@acme.com): title: Engineer → Lead". */
export function personLine(p: PersonChange, options: TextOptions = {}): string {
  const { who, what } = personParts(p, options);
  return what === '' ? who : who === '' ? what : `${who}: ${what}`;
}

/** One line per group: "All Employees: +10, −2" ("(new)" when kb4sync creates it). */
export function groupLine(g: GroupChange): string {
  const parts = [g.added.length > 0 ? `+${g.added.length.toLocaleString('en-US')}` : '', g.removed.length > 0 ? `−${g.removed.length.toLocaleString('en-US')}` : ''].filter(Boolean);
  return `${g.group}${g.created ? ' (new)' : ''}: ${parts.join(', ') || 'no members yet'}`;
}
