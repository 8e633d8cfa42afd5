/**
 * KnowBe4 records the reader could not make sense of. One odd record never fails a company: it is
 * listed and held. Held means more than "not written": the in-scope people it may belong to (same
 * address, alias or externalId) are held too, since planning them without it would create a second
 * record for someone who already has one, and so is any readable record they would match.
 */
import type { Candidate } from './match';
import type { TargetIndex } from './targetIndex';
import type { Operation, Unreadable } from './model';
import type { TargetUser, UnreadableRecord } from './snapshot';
import { addressKey, aliasKeys } from './normalize';

export interface HeldByUnreadable {
  /** The candidates left to plan. */
  candidates: Candidate[];
  unreadable: Unreadable[];
  /** Readable records the held people would match: never archived under them. */
  heldTargetIds: Set<string>;
  /** Lower-cased names of groups whose record is unreadable: never created again. */
  heldGroupNames: Set<string>;
}

export function holdUnreadable(candidates: Candidate[], index: TargetIndex, records: readonly UnreadableRecord[]): HeldByUnreadable {
  const heldGroupNames = new Set<string>();
  const heldTargetIds = new Set<string>();
  if (records.length === 0) return { candidates, unreadable: [], heldTargetIds, heldGroupNames };

  const byKey = new Map<string, Unreadable>();
  const unreadable: Unreadable[] = records.map((r) => ({ ...r, heldSourceIds: [] }));
  for (const u of unreadable) {
    if (u.resource === 'group') {
      if (u.name) heldGroupNames.add(u.name.trim().toLowerCase());
      continue;
    }
    const nameKey = addressKey(u.name);
    if (nameKey) byKey.set(`a:${nameKey}`, u);
    if (u.externalId) byKey.set(`x:${u.externalId.trim().toLowerCase()}`, u);
  }
  if (byKey.size === 0) return { candidates, unreadable, heldTargetIds, heldGroupNames };

  const kept: Candidate[] = [];
  for (const c of candidates) {
    const keys = [`x:${c.idKey}`, ...(c.key ? [`a:${c.key}`] : []), ...aliasKeys(c.user).map((a) => `a:${a}`)];
    const holders = new Set(keys.map((k) => byKey.get(k)).filter((u): u is Unreadable => u !== undefined));
    if (holders.size === 0) {
      kept.push(c);
      continue;
    }
    for (const u of holders) u.heldSourceIds.push(c.user.id);
    const linked = [index.byExternalId.get(c.idKey), ...keys.filter((k) => k.startsWith('a:')).map((k) => index.byAddress.get(k.slice(2)))];
    for (const position of linked) if (position !== undefined) heldTargetIds.add((index.users[position] as TargetUser).id);
  }
  return { candidates: kept, unreadable, heldTargetIds, heldGroupNames };
}

/** Drops the creation of (and additions to) a group whose existing record could not be read. */
export function withoutHeldGroups(operations: Operation[], heldGroupNames: ReadonlySet<string>): Operation[] {
  if (heldGroupNames.size === 0) return operations;
  const held = (name: string) => heldGroupNames.has(name.trim().toLowerCase());
  return operations.filter((op) => {
    if (op.kind === 'createGroup') return !held(op.name);
    if (op.kind === 'addToGroup' && op.group.kind === 'new') return !held(op.group.name);
    return true;
  });
}
