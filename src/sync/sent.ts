/**
 * Writes that land later. KnowBe4 may accept a SCIM write and apply it in its own background job,
 * so a record created, renamed or archived a moment ago can still read as it was. The store
 * remembers each such write as "sent, not yet seen"; here the core decides what a fresh read
 * says about them (seen now, or still waiting) and keeps a plan from deciding them again while
 * they wait: no second create, rename or archive for a write KnowBe4 already accepted.
 */
import type { Operation, OperationOf } from './model';
import type { TargetSnapshot, TargetUser } from './snapshot';
import { addressKey, lowerCase } from './normalize';

export type SentKind = 'create' | 'rename' | 'archive';

/** One accepted create, rename or archive, as the store remembers it until a read shows it. */
export interface SentWrite {
  kind: SentKind;
  /** The plan and operation that sent it. */
  planId: string;
  opId: string;
  /** Entra object id of the person (null: an archive of a record nobody in scope claims). */
  sourceId: string | null;
  /** KnowBe4 id; null for a create KnowBe4 holds (409) but does not show yet. */
  targetId: string | null;
  /** The login e-mail KnowBe4 should show once the write is applied. */
  userName: string;
  /** ISO 8601. */
  sentAt: string;
}

/** What a read says about the writes still waiting. */
export interface SentState {
  /** Sent and still not shown by KnowBe4. */
  waiting: SentWrite[];
  /** Shown by this read: confirmed. */
  seen: SentWrite[];
}

function shows(write: SentWrite, byId: Map<string, TargetUser>, byName: Map<string, TargetUser>): boolean {
  const record = write.targetId !== null ? byId.get(write.targetId) : byName.get(addressKey(write.userName) ?? '');
  if (!record) return false;
  switch (write.kind) {
    case 'create':
      // A create answered 409 (no id) counts only when the record shown is this person's.
      return write.targetId !== null || write.sourceId === null || record.externalId === null || lowerCase(record.externalId) === lowerCase(write.sourceId);
    case 'rename':
      return addressKey(record.userName) === addressKey(write.userName);
    case 'archive':
      return !record.active;
  }
}

export function sentState(sent: readonly SentWrite[], target: TargetSnapshot): SentState {
  if (sent.length === 0) return { waiting: [], seen: [] };
  const byId = new Map(target.users.map((u) => [u.id, u]));
  const byName = new Map(target.users.map((u) => [addressKey(u.userName) ?? '', u]));
  const state: SentState = { waiting: [], seen: [] };
  for (const write of sent) (shows(write, byId, byName) ? state.seen : state.waiting).push(write);
  return state;
}

/**
 * The operations left once writes KnowBe4 already accepted are not sent again: the create of a
 * person whose record is on its way (and what depends on that record: its manager, groups and
 * being someone's manager, all of which a later plan sets once it is seen), the same rename, the
 * same archive. Returns how many archives were dropped, for the guard.
 */
export function withoutWaiting(operations: Operation[], waiting: readonly SentWrite[]): { operations: Operation[]; archivesDropped: number } {
  if (waiting.length === 0) return { operations, archivesDropped: 0 };
  const creating = new Set(waiting.filter((w) => w.kind === 'create' && w.sourceId !== null).map((w) => lowerCase(w.sourceId as string)));
  const renaming = new Set(waiting.filter((w) => w.kind === 'rename' && w.targetId !== null).map((w) => `${w.targetId as string}\n${addressKey(w.userName) ?? ''}`));
  const archiving = new Set(waiting.filter((w) => w.kind === 'archive' && w.targetId !== null).map((w) => w.targetId as string));
  const isNew = (ref: { kind: 'existing' } | { kind: 'new'; sourceId: string } | null) => ref !== null && ref.kind === 'new' && creating.has(lowerCase(ref.sourceId));
  let archivesDropped = 0;
  const kept = operations.filter((op) => {
    switch (op.kind) {
      case 'create':
        return !creating.has(lowerCase(op.sourceId));
      case 'setManager':
        return !isNew(op.user) && !isNew(op.manager);
      case 'addToGroup':
        return !isNew(op.user);
      case 'rename':
        return !renaming.has(`${op.targetId}\n${addressKey(op.to) ?? ''}`);
      case 'archive':
        if (!archiving.has(op.targetId)) return true;
        archivesDropped += 1;
        return false;
      default:
        return true;
    }
  });
  return { operations: kept, archivesDropped };
}

/** What POST /Users answered: created (with the new id), or 409 and what a `userName eq` look-up then found. */
export type CreateAnswer = { kind: 'created'; id: string } | { kind: 'exists'; found: TargetUser | null };

/**
 * How a create's answer settles its operation, decided here rather than in the executor: the
 * plan never said "take this record over", so a 409 never becomes a write of its own.
 * - created: the new record's id;
 * - ours: KnowBe4 already holds this person's record (a create whose answer was lost, or one
 *   accepted earlier): its id, nothing written;
 * - waiting: KnowBe4 holds the userName but does not show it yet (a write not yet applied):
 *   remembered as sent, never created again;
 * - held: a record this plan did not see (another tool's, or linked to another Entra user):
 *   nothing written; the next preview shows it as a take-over or a conflict, for an admin.
 */
export type CreateSettlement =
  | { kind: 'created'; targetId: string }
  | { kind: 'ours'; targetId: string }
  | { kind: 'waiting' }
  | { kind: 'held'; targetId: string; reason: string };

export function settleCreate(op: OperationOf<'create'>, answer: CreateAnswer): CreateSettlement {
  if (answer.kind === 'created') return { kind: 'created', targetId: answer.id };
  const found = answer.found;
  if (found === null) return { kind: 'waiting' };
  if (found.externalId !== null && lowerCase(found.externalId) === lowerCase(op.sourceId)) return { kind: 'ours', targetId: found.id };
  const linked = found.externalId === null ? 'linked to no Entra user' : `linked to externalId ${found.externalId}`;
  return {
    kind: 'held',
    targetId: found.id,
    reason: `KnowBe4 already has ${found.userName} (id ${found.id}, ${linked}), which this plan did not see: nothing was written; the next preview shows it as a take-over or a conflict`,
  };
}
