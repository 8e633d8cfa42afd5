/** How the executor turns operations into KnowBe4 writes, and what it checks around them. */
import { settleCreate, type GroupRef, type Operation, type OperationOf, type UserRef } from '../sync';
import type { OperationState, TargetWriter } from './ports';

export function isSettled(state: OperationState): boolean {
  return state === 'done' || state === 'failed' || state === 'skipped';
}

/** What became of one write: done (with the id a create made or found), or skipped with why. */
export type WriteResult = { state: 'done'; resultId: string | null; settled?: 'ours' | 'waiting' } | { state: 'skipped'; reason: string };

/** Recorded in the journal's text: how a create that met a 409 was settled (the core's decision). */
export const WAITING_NOTE = 'sent: KnowBe4 holds it but does not show it yet';
export const OURS_NOTE = "409: KnowBe4 already had this person's record (theirs by externalId); used as it is";

export function settledFromNote(note: string | null | undefined): 'ours' | 'waiting' | undefined {
  return note === WAITING_NOTE ? 'waiting' : note === OURS_NOTE ? 'ours' : undefined;
}

export async function findExisting(op: Operation, writer: TargetWriter): Promise<string | null> {
  if (op.kind === 'create') {
    // Only this person's own record counts (settled as the core settles a 409).
    const settled = settleCreate(op, { kind: 'exists', found: await writer.findUserByUserName(op.userName) });
    return settled.kind === 'ours' ? settled.targetId : null;
  }
  if (op.kind === 'createGroup') return (await writer.findGroupByName(op.name))?.id ?? null;
  // Every other write sets a value rather than adding to one, so repeating it is harmless.
  return null;
}

export function missingDependency(
  op: Operation,
  userId: (ref: UserRef) => string | null,
  groupId: (ref: GroupRef) => string | null,
  /** Whether the create of this Entra id was accepted (409) but KnowBe4 does not show it yet. */
  waiting: (sourceId: string) => boolean = () => false,
): string | null {
  const needUser = (ref: UserRef | null) => {
    if (ref === null || userId(ref) !== null) return null;
    if (ref.kind === 'new' && waiting(ref.sourceId)) return `needs create:${ref.sourceId}, which KnowBe4 accepted but does not show yet: a later run sets it`;
    return `needs ${ref.kind === 'new' ? `create:${ref.sourceId}` : ref.targetId}, which did not succeed`;
  };
  switch (op.kind) {
    case 'setManager':
      return needUser(op.user) ?? needUser(op.manager);
    case 'addToGroup':
      return needUser(op.user) ?? (groupId(op.group) === null ? `needs group ${op.groupName}, which was not created` : null);
    default:
      return null;
  }
}

export async function write(op: Operation, writer: TargetWriter, userId: (ref: UserRef) => string | null): Promise<WriteResult> {
  if (op.kind === 'create') {
    const settled = settleCreate(op, await writer.postUser({ userName: op.userName, externalId: op.sourceId, values: op.values }));
    switch (settled.kind) {
      case 'created':
        return { state: 'done', resultId: settled.targetId };
      case 'ours':
        return { state: 'done', resultId: settled.targetId, settled: 'ours' };
      case 'waiting':
        return { state: 'done', resultId: null, settled: 'waiting' };
      case 'held':
        return { state: 'skipped', reason: settled.reason };
    }
  }
  return { state: 'done', resultId: await writeOther(op, writer, userId) };
}

async function writeOther(op: Exclude<Operation, { kind: 'create' }>, writer: TargetWriter, userId: (ref: UserRef) => string | null): Promise<string | null> {
  switch (op.kind) {
    case 'createGroup':
      return writer.createGroup(op.name);
    case 'rename':
      await writer.renameUser(op.targetId, op.to);
      return null;
    case 'reactivate':
      await writer.reactivateUser(op.targetId);
      return null;
    case 'update':
      await writer.updateUser(op.targetId, op.changes);
      return null;
    case 'setManager':
      await writer.setManager(userId(op.user) as string, op.manager === null ? null : (userId(op.manager) as string));
      return null;
    case 'archive':
      await writer.archiveUser(op.targetId);
      return null;
    case 'addToGroup':
    case 'removeFromGroup':
      throw new Error(`${op.kind} is applied in batches`);
  }
}

interface MembershipBatch {
  groupId: string;
  add: boolean;
  userIds: string[];
  ops: Operation[];
}

/** Group membership changes, one PATCH per group and direction per `batchSize` members. */
export function membershipBatches(
  ops: readonly Operation[],
  groupId: (ref: GroupRef) => string | null,
  userId: (ref: UserRef) => string | null,
  batchSize: number,
): MembershipBatch[] {
  const byGroup = new Map<string, { groupId: string; add: boolean; entries: [string, Operation][] }>();
  const put = (gid: string, add: boolean, uid: string, op: Operation) => {
    const key = `${add ? '+' : '-'}${gid}`;
    let entry = byGroup.get(key);
    if (!entry) byGroup.set(key, (entry = { groupId: gid, add, entries: [] }));
    entry.entries.push([uid, op]);
  };
  for (const op of ops) {
    if (op.kind === 'addToGroup') put(groupId(op.group) as string, true, userId(op.user) as string, op);
    else if (op.kind === 'removeFromGroup') put(op.groupId, false, op.targetId, op as OperationOf<'removeFromGroup'>);
  }
  const batches: MembershipBatch[] = [];
  const size = Math.max(1, batchSize);
  for (const { groupId: gid, add, entries } of byGroup.values()) {
    for (let i = 0; i < entries.length; i += size) {
      const chunk = entries.slice(i, i + size);
      batches.push({ groupId: gid, add, userIds: chunk.map(([u]) => u), ops: chunk.map(([, o]) => o) });
    }
  }
  return batches;
}
