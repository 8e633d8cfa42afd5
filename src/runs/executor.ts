/**
 * The executor: carries out exactly the operations of a stored plan, phase by phase, recording
 * each one's fate as it happens so a crash resumes where it stopped and never repeats a write
 * that is known to have happened.
 */
import Bottleneck from 'bottleneck';
import { PHASES, type GroupRef, type Operation, type OperationOf, type Plan, type UserRef } from '../sync';
import type { OperationOutcome } from '../sync';
import type { OperationJournal, OperationState, StoredOperationState, TargetWriter } from './ports';

export interface Progress {
  total: number;
  done: number;
  failed: number;
  skipped: number;
  /** Index into PHASES of the phase being applied. */
  phase: number;
}

export interface ExecuteOptions {
  /** Operations in flight at once (the KnowBe4 client also rate-limits per account). */
  concurrency: number;
  /** Members per group PATCH. */
  batchSize: number;
  onProgress?: (progress: Progress) => void;
  /** An error that must stop the whole run (a revoked token): everything left stays pending. */
  isFatal?: (error: unknown) => boolean;
}

/** The run stopped early on a fatal error; the operations not yet applied are still pending. */
export class RunAborted extends Error {
  constructor(cause: unknown) {
    super(`run stopped: ${errorMessage(cause)}`, { cause });
    this.name = 'RunAborted';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Update = { opId: string; state: OperationState; resultId?: string | null; error?: string | null };

export async function execute(
  planId: string,
  plan: Plan,
  writer: TargetWriter,
  journal: OperationJournal,
  options: ExecuteOptions,
): Promise<Map<string, OperationOutcome>> {
  const isFatal = options.isFatal ?? ((e: unknown) => (e as { fatal?: unknown } | null)?.fatal === true);
  const states = new Map<string, StoredOperationState>();
  for (const s of await journal.states(planId)) states.set(s.opId, s);
  const stateOf = (op: Operation): OperationState => states.get(op.id)?.state ?? 'pending';

  // KnowBe4 ids of what this plan created, including in an earlier, interrupted attempt.
  const createdUsers = new Map<string, string>();
  const createdGroups = new Map<string, string>();
  const remember = (op: Operation, resultId: string | null | undefined) => {
    if (!resultId) return;
    if (op.kind === 'create') createdUsers.set(op.sourceId, resultId);
    if (op.kind === 'createGroup') createdGroups.set(op.name, resultId);
  };
  for (const op of plan.operations) if (stateOf(op) === 'done') remember(op, states.get(op.id)?.resultId);

  const progress: Progress = { total: plan.operations.length, done: 0, failed: 0, skipped: 0, phase: 0 };
  for (const op of plan.operations) {
    const s = stateOf(op);
    if (s === 'done') progress.done += 1;
    else if (s === 'failed') progress.failed += 1;
    else if (s === 'skipped') progress.skipped += 1;
  }

  let fatal: unknown = null;
  const record = async (ops: Operation[], update: Omit<Update, 'opId'>) => {
    await journal.record(planId, ops.map((op) => ({ opId: op.id, ...update })));
    for (const op of ops) {
      const before = stateOf(op);
      states.set(op.id, { opId: op.id, state: update.state, resultId: update.resultId ?? null, error: update.error ?? null });
      if (update.state === before) continue;
      if (update.state === 'done') progress.done += 1;
      if (update.state === 'failed') progress.failed += 1;
      if (update.state === 'skipped') progress.skipped += 1;
    }
    if (update.state === 'done' || update.state === 'failed' || update.state === 'skipped') options.onProgress?.({ ...progress });
  };

  const userId = (ref: UserRef): string | null => (ref.kind === 'existing' ? ref.targetId : (createdUsers.get(ref.sourceId) ?? null));
  const groupId = (ref: GroupRef): string | null => (ref.kind === 'existing' ? ref.groupId : (createdGroups.get(ref.name) ?? null));

  /** Runs one write; a fatal error stops the run and leaves the operation pending. */
  const attempt = async (ops: Operation[], write: () => Promise<string | null>) => {
    if (fatal !== null) return;
    try {
      const resultId = await write();
      for (const op of ops) remember(op, resultId);
      await record(ops, { state: 'done', resultId });
    } catch (error) {
      if (isFatal(error)) {
        fatal ??= error;
        await record(ops, { state: 'pending' });
        return;
      }
      await record(ops, { state: 'failed', error: errorMessage(error) });
    }
  };

  const limiter = new Bottleneck({ maxConcurrent: Math.max(1, options.concurrency) });
  try {
    for (let phase = 0; phase < PHASES.length && fatal === null; phase++) {
      progress.phase = phase;
      const kinds = PHASES[phase] as readonly Operation['kind'][];
      const todo = plan.operations.filter((op) => kinds.includes(op.kind) && !isSettled(stateOf(op)));
      if (todo.length === 0) continue;

      // A crash between a create request and its record leaves its outcome unknown: look first.
      for (const op of todo) {
        if (stateOf(op) !== 'in_flight') continue;
        const found = await findExisting(op, writer);
        if (found !== null) {
          remember(op, found);
          await record([op], { state: 'done', resultId: found });
        }
      }
      const pending = todo.filter((op) => !isSettled(stateOf(op)));

      // Operations on something a failed operation should have made cannot run.
      const runnable: Operation[] = [];
      for (const op of pending) {
        const missing = missingDependency(op, userId, groupId);
        if (missing) await record([op], { state: 'skipped', error: missing });
        else runnable.push(op);
      }

      const jobs: (() => Promise<void>)[] = [];
      for (const op of runnable.filter((o) => o.kind !== 'addToGroup' && o.kind !== 'removeFromGroup')) {
        jobs.push(async () => {
          if (op.kind === 'create' || op.kind === 'createGroup') await record([op], { state: 'in_flight' });
          await attempt([op], () => write(op, writer, userId));
        });
      }
      for (const batch of membershipBatches(runnable, groupId, userId, options.batchSize)) {
        jobs.push(() =>
          attempt(batch.ops, async () => {
            if (batch.add) await writer.addMembers(batch.groupId, batch.userIds);
            else await writer.removeMembers(batch.groupId, batch.userIds);
            return null;
          }),
        );
      }
      await Promise.all(jobs.map((job) => limiter.schedule(job)));
    }
  } finally {
    await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
  if (fatal !== null) throw new RunAborted(fatal);

  const outcomes = new Map<string, OperationOutcome>();
  for (const op of plan.operations) {
    const s = states.get(op.id);
    const state = s?.state ?? 'pending';
    outcomes.set(
      op.id,
      state === 'done'
        ? { status: 'done' }
        : state === 'failed'
          ? { status: 'failed', error: s?.error ?? 'failed' }
          : state === 'skipped'
            ? { status: 'skipped', reason: s?.error ?? 'skipped' }
            : { status: 'pending' },
    );
  }
  return outcomes;
}

function isSettled(state: OperationState): boolean {
  return state === 'done' || state === 'failed' || state === 'skipped';
}

async function findExisting(op: Operation, writer: TargetWriter): Promise<string | null> {
  if (op.kind === 'create') {
    const found = await writer.findUserByUserName(op.userName);
    // Only our own record counts: one made for this Entra id (or not yet stamped with one).
    if (found && (found.externalId === null || found.externalId.toLowerCase() === op.sourceId.toLowerCase())) return found.id;
    return null;
  }
  if (op.kind === 'createGroup') return (await writer.findGroupByName(op.name))?.id ?? null;
  // Every other write sets a value rather than adding to one, so repeating it is harmless.
  return null;
}

function missingDependency(
  op: Operation,
  userId: (ref: UserRef) => string | null,
  groupId: (ref: GroupRef) => string | null,
): string | null {
  const needUser = (ref: UserRef | null) =>
    ref !== null && userId(ref) === null ? `needs ${ref.kind === 'new' ? `create:${ref.sourceId}` : ref.targetId}, which did not succeed` : null;
  switch (op.kind) {
    case 'setManager':
      return needUser(op.user) ?? needUser(op.manager);
    case 'addToGroup':
      return needUser(op.user) ?? (groupId(op.group) === null ? `needs group ${op.groupName}, which was not created` : null);
    default:
      return null;
  }
}

async function write(op: Operation, writer: TargetWriter, userId: (ref: UserRef) => string | null): Promise<string | null> {
  switch (op.kind) {
    case 'createGroup':
      return writer.createGroup(op.name);
    case 'create':
      return writer.createUser({ userName: op.userName, externalId: op.sourceId, values: op.values });
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
function membershipBatches(
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
