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
  /** KnowBe4 users by SCIM id. */
  targetById: (id: string) => TargetUser | undefined;
}

const joined = (...parts: (string | null | undefined)[]) => parts.filter((p) => p && p.trim() !== '').join(' ').trim();

export function sourceName(user: SourceUser): string {
  return (user.fields.displayName ?? '').trim() || joined(user.fields.givenName, user.fields.surname);
}

export function targetName(user: TargetUser): string {
  return (user.values.displayName ?? '').trim() || joined(user.values.givenName, user.values.familyName);
}

/** The key a name is filed under: the person's reference, as `refKey` writes it ('t:<KnowBe4 id>', 's:<Entra id>'). */
export const existingKey = (targetId: string) => `t:${targetId}`;
export const newKey = (sourceId: string) => `s:${sourceId}`;

export function namesOf(operations: readonly Operation[], conflicts: readonly Conflict[], from: NameSources): Record<string, string> {
  // A Map while collecting (a plain object of 100,000 keys is slow to probe), an object to store.
  // Keys are ids, not addresses: nothing to lower-case for each of a large plan's operations.
  const names = new Map<string, string>();
  const seen = new Set<string>();
  const fresh = (key: string) => !seen.has(key) && (seen.add(key), true);
  const put = (key: string, name: string) => {
    if (name !== '') names.set(key, name);
  };
  const bySource = (id: string) => {
    const key = newKey(id);
    if (!fresh(key)) return;
    const user = from.sourceById(id);
    if (user) put(key, sourceName(user));
  };
  const byTarget = (targetId: string, sourceId: string | null) => {
    const key = existingKey(targetId);
    if (!fresh(key)) return;
    // Microsoft 365's name is the one the record is about to get; KnowBe4's when there is none.
    const source = sourceId === null ? undefined : from.sourceById(sourceId);
    const target = source ? undefined : from.targetById(targetId);
    put(key, source ? sourceName(source) : target ? targetName(target) : '');
  };
  for (const op of operations) {
    switch (op.kind) {
      case 'createGroup':
        break;
      case 'create': {
        const key = newKey(op.sourceId);
        if (!fresh(key)) break;
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
  return Object.fromEntries(names);
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
