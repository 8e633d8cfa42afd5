/**
 * Display names of the people a plan touches, so cards, the CSV and the CLI show "Ada Lovelace
 * (ada@acme.com)" instead of a bare address or a record id. Only the people with an operation or
 * a conflict are named: a plan of 100,000 people in step carries no names at all.
 */
import type { Conflict, Operation } from './model';
import type { SourceUser, TargetUser } from './snapshot';

export interface NameSources {
  /** In-scope Microsoft 365 users by Entra id. */
  sourceById: (id: string) => SourceUser | undefined;
  /** The KnowBe4 users and the position of each SCIM id among them (a `TargetIndex`). */
  targets: { users: readonly TargetUser[]; byId: ReadonlyMap<string, number> };
}

/** The non-blank parts joined by a space, then trimmed (as `[a, b].filter(nonBlank).join(' ').trim()`). */
function joined(a: string | null | undefined, b: string | null | undefined): string {
  const hasA = !!a && a.trim() !== '';
  const hasB = !!b && b.trim() !== '';
  if (hasA && hasB) {
    // Trimming the joined text only trims a's start and b's end: nothing to do when neither has spaces there (the usual case).
    return a.trim() === a && b.trim() === b ? a + ' ' + b : (a + ' ' + b).trim();
  }
  return hasA ? a.trim() : hasB ? (b as string).trim() : '';
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
 * Names by key, in the order the operations (then the conflicts) first mention each person; a
 * person with no name on either side has no entry. undefined when nobody has one.
 *
 * At 100,000 users nearly everyone is in some operation, several times over (groups, manager,
 * update). Each person's key is built once, when first met: KnowBe4 records are recognised by
 * their position in the target snapshot (a mark in a byte array), not by a key string built per
 * operation and looked up in a set. The names go straight into the stored object.
 */
export function namesOf(operations: readonly Operation[], conflicts: readonly Conflict[], from: NameSources): Record<string, string> | undefined {
  const names: Record<string, string> = {};
  let named = false;
  const { users: targets, byId: targetPosition } = from.targets;
  const targetSeen = new Uint8Array(targets.length);
  // Entra ids (creates, people new to KnowBe4, conflicts): few, so a set of their keys.
  const seen = new Set<string>();
  const put = (key: string, name: string) => {
    if (name === '') return;
    names[key] = name;
    named = true;
  };
  const freshSource = (key: string) => !seen.has(key) && (seen.add(key), true);
  const bySource = (id: string) => {
    const key = newKey(id);
    if (!freshSource(key)) return;
    const user = from.sourceById(id);
    if (user) put(key, sourceName(user));
  };
  const byTarget = (targetId: string, sourceId: string | null) => {
    const position = targetPosition.get(targetId);
    if (position === undefined) {
      if (!freshSource(existingKey(targetId))) return;
    } else {
      if (targetSeen[position] === 1) return;
      targetSeen[position] = 1;
    }
    // Microsoft 365's name is the one the record is about to get; KnowBe4's when there is none.
    const source = sourceId === null ? undefined : from.sourceById(sourceId);
    const target = source || position === undefined ? undefined : targets[position];
    put(existingKey(targetId), source ? sourceName(source) : target ? targetName(target) : '');
  };
  // (Indexed, not for-of: see the note in plan.ts.)
  for (let i = 0; i < operations.length; i++) {
    const op = operations[i] as Operation;
    switch (op.kind) {
      case 'createGroup':
        break;
      case 'create': {
        const key = newKey(op.sourceId);
        if (!freshSource(key)) break;
        const user = from.sourceById(op.sourceId);
        put(key, (user ? sourceName(user) : '') || joined(op.values.givenName, op.values.familyName));
        break;
      }
      case 'rename':
      case 'reactivate':
      case 'update':
        byTarget(op.targetId, op.sourceId);
        break;
      case 'setManager':
      case 'addToGroup':
        if (op.user.kind === 'new') bySource(op.user.sourceId);
        else byTarget(op.user.targetId, null);
        break;
      case 'removeFromGroup':
      case 'archive':
        byTarget(op.targetId, null);
        break;
    }
  }
  for (const c of conflicts) for (const u of c.sourceUsers) bySource(u.id);
  return named ? names : undefined;
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
