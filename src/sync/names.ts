/**
 * Display names of the people a plan touches, so cards, the CSV and the CLI show "Ada Lovelace
 * (ada@acme.com)" instead of a bare address or a record id. Only the people with an operation or
 * a conflict are named: a plan of 100,000 people in step carries no names at all.
 */
import type { Conflict, Operation, SourceUser, TargetUser } from './model';

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

/** The key a name is filed under: the lower-cased address. */
export const nameKey = (address: string) => address.toLowerCase();

export function namesOf(operations: readonly Operation[], conflicts: readonly Conflict[], from: NameSources): Record<string, string> {
  const names: Record<string, string> = {};
  const put = (address: string | null, name: string) => {
    if (address === null || name === '') return;
    const key = nameKey(address);
    if (!(key in names)) names[key] = name;
  };
  const bySource = (address: string | null, id: string | null) => {
    const user = id === null ? undefined : from.sourceById(id);
    if (user) put(address, sourceName(user));
  };
  const byTarget = (address: string | null, id: string) => {
    const user = from.targetById(id);
    if (user) put(address, targetName(user));
  };
  for (const op of operations) {
    switch (op.kind) {
      case 'createGroup':
        break;
      case 'create':
        bySource(op.userName, op.sourceId);
        put(op.userName, joined(op.values.givenName, op.values.familyName));
        break;
      case 'rename':
        bySource(op.to, op.sourceId);
        bySource(op.from, op.sourceId);
        break;
      case 'reactivate':
      case 'update':
        bySource(op.userName, op.sourceId);
        byTarget(op.userName, op.targetId);
        break;
      case 'setManager':
      case 'addToGroup':
        if (op.user.kind === 'new') bySource(op.userName, op.user.sourceId);
        else byTarget(op.userName, op.user.targetId);
        break;
      case 'removeFromGroup':
      case 'archive':
        byTarget(op.userName, op.targetId);
        break;
    }
  }
  for (const c of conflicts) for (const u of c.sourceUsers) bySource(u.address, u.id);
  return names;
}
