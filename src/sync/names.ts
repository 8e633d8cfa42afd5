/**
 * Display names of the people a plan touches, so cards, the CSV and the CLI show "Ada Lovelace
 * (ada@acme.com)" instead of a bare address or a record id. Only the people with an operation or
 * a conflict are named: a plan of 100,000 people in step carries no names at all.
 */
import type { Kb4Values } from './attributes';
import type { Conflict, Operation, Plan } from './model';
import type { SourceUser, TargetUser } from './snapshot';
import { keptByTrim } from './normalize';
import type { PositionLookup } from './textIndex';

export interface NameSources {
  /** In-scope Microsoft 365 users by Entra id. */
  sourceById: (id: string) => SourceUser | undefined;
  /** The KnowBe4 users and the position of each SCIM id among them (a `TargetIndex`). */
  targets: { users: readonly TargetUser[]; byId: PositionLookup };
}

/** The non-blank parts joined by a space, then trimmed (as `[a, b].filter(nonBlank).join(' ').trim()`). */
function joined(a: string | null | undefined, b: string | null | undefined): string {
  // Both parts starting and ending with printable ASCII that is not a space (nearly every name):
  // nothing to trim, no part blank.
  if (a && b && edgesKept(a) && edgesKept(b)) return a + ' ' + b;
  const hasA = !!a && a.trim() !== '';
  const hasB = !!b && b.trim() !== '';
  if (hasA && hasB) {
    // Trimming the joined text only trims a's start and b's end: nothing to do when neither has spaces there (the usual case).
    return a.trim() === a && b.trim() === b ? a + ' ' + b : (a + ' ' + b).trim();
  }
  return hasA ? a.trim() : hasB ? (b as string).trim() : '';
}

/** Whether the first and last characters are printable ASCII other than a space (trimming keeps them). */
function edgesKept(text: string): boolean {
  return keptByTrim(text.charCodeAt(0)) && keptByTrim(text.charCodeAt(text.length - 1));
}

export function sourceName(user: SourceUser): string {
  return (user.fields.displayName ?? '').trim() || joined(user.fields.givenName, user.fields.surname);
}

export function targetName(user: TargetUser): string {
  return (user.values.displayName ?? '').trim() || joined(user.values.givenName, user.values.familyName);
}

/** The key a name is filed under: the person's reference, as `refKey` writes it ('t:<KnowBe4 id>', 's:<Entra id>'). */
export const existingKey = (targetId: string) => `t:${targetId}`;
export const newKey = (sourceId: string) => `s:${sourceId}`;

/**
 * Where a plan's names are filed while it is made. Each person is named at their first mention:
 * from Microsoft 365 when the operation writes the record for a Microsoft 365 user (rename,
 * reactivate, update, create), else from KnowBe4; a person with no name on either side has no entry.
 */
export interface NameBook {
  /**
   * The person of a KnowBe4 record. `position`: the record's in the target index (its `byId` value,
   * undefined when the id is not there); `key`: existingKey(targetId) when the caller has it built;
   * `sourceId`: the Microsoft 365 user the operation writes the record for (null: none), looked up
   * by `sourceById` unless the caller has them at hand (`source`).
   */
  existing(position: number | undefined, targetId: string, key: string | null, sourceId: string | null, source?: SourceUser): void;
  /** A person new to KnowBe4 (a create's `values` stand in when Microsoft 365 has no name); `source` as above. */
  newUser(sourceId: string, key: string | null, values?: Kb4Values, source?: SourceUser): void;
  /** The names as `Plan.nameList` holds them, conflicts' people last; undefined when nobody has one. */
  done(conflicts: readonly Conflict[]): string[] | undefined;
}

/**
 * At 100,000 users nearly everyone is mentioned, several times over (groups, manager, update): a
 * KnowBe4 record is recognised by its position (a mark in a byte array), not by a key string
 * looked up in a set, and each key is built (or given) once. Key and name go onto one flat list.
 */
export function nameBook(from: NameSources): NameBook {
  const names: string[] = [];
  const { users: targets } = from.targets;
  const targetSeen = new Uint8Array(targets.length);
  // Entra ids (creates, people new to KnowBe4, conflicts), and ids the index lacks: few, a set of keys.
  const seen = new Set<string>();
  const fresh = (key: string) => !seen.has(key) && (seen.add(key), true);
  const put = (key: string, name: string) => {
    if (name === '') return;
    names.push(key, name);
  };
  const book: NameBook = {
    existing(position, targetId, key, sourceId, at) {
      if (position === undefined) {
        if (!fresh(existingKey(targetId))) return;
      } else {
        if (targetSeen[position] === 1) return;
        targetSeen[position] = 1;
      }
      // Microsoft 365's name is the one the record is about to get; KnowBe4's when there is none.
      const source = sourceId === null ? undefined : (at ?? from.sourceById(sourceId));
      const target = source || position === undefined ? undefined : targets[position];
      put(key ?? existingKey(targetId), source ? sourceName(source) : target ? targetName(target) : '');
    },
    newUser(sourceId, key, values, at) {
      const k = key ?? newKey(sourceId);
      if (!fresh(k)) return;
      const user = at ?? from.sourceById(sourceId);
      put(k, (user ? sourceName(user) : '') || (values ? joined(values.givenName, values.familyName) : ''));
    },
    done(conflicts) {
      for (const c of conflicts) for (const u of c.sourceUsers) book.newUser(u.id, null);
      return names.length > 0 ? names : undefined;
    },
  };
  return book;
}

/**
 * The names of a finished list of operations, by their order: what the planning steps file in a
 * `NameBook` as they go (plan.ts), for a list that was filtered after planning.
 */
export function namesOf(operations: readonly Operation[], conflicts: readonly Conflict[], from: NameSources): string[] | undefined {
  const book = nameBook(from);
  const position = (targetId: string) => from.targets.byId.get(targetId);
  // (Indexed, not for-of: see the note in plan.ts.)
  for (let i = 0; i < operations.length; i++) {
    const op = operations[i] as Operation;
    switch (op.kind) {
      case 'createGroup':
        break;
      case 'create':
        book.newUser(op.sourceId, null, op.values);
        break;
      case 'rename':
      case 'reactivate':
      case 'update':
        book.existing(position(op.targetId), op.targetId, null, op.sourceId);
        break;
      case 'setManager':
      case 'addToGroup':
        if (op.user.kind === 'new') book.newUser(op.user.sourceId, null);
        else book.existing(position(op.user.targetId), op.user.targetId, null, null);
        break;
      case 'removeFromGroup':
      case 'archive':
        book.existing(position(op.targetId), op.targetId, null, null);
        break;
    }
  }
  return book.done(conflicts);
}

// Reading a 100,000-name list into a map takes a moment: once per list, however many cards and
// exports read it.
const readLists = new WeakMap<readonly string[], ReadonlyMap<string, string>>();

/** A plan's names by key, from `nameList` and `names` (plans stored before the list; the list wins). */
export function planNames(plan: Pick<Plan, 'nameList' | 'names'>): ReadonlyMap<string, string> {
  const list = plan.nameList;
  const older = plan.names;
  if (!list) return new Map(Object.entries(older ?? {}));
  let names = readLists.get(list);
  if (!names) {
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < list.length; i += 2) map.set(list[i] as string, list[i + 1] as string);
    readLists.set(list, (names = map));
  }
  return older ? new Map([...Object.entries(older), ...names]) : names;
}

/** The key of the person an operation is about (null for a group's creation). */
export function personKeyOf(op: Operation): string | null {
  switch (op.kind) {
    case 'createGroup':
      return null;
    case 'create':
      return newKey(op.sourceId);
    case 'setManager':
    case 'addToGroup':
      return op.user.kind === 'new' ? newKey(op.user.sourceId) : existingKey(op.user.targetId);
    default:
      return existingKey(op.targetId);
  }
}
