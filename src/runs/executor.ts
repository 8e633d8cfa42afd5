/**
 * The executor: carries out exactly the operations of a stored plan, phase by phase, recording
 * each one's fate as it happens so a crash resumes where it stopped and never repeats a write
 * that is known to have happened.
 */
import { limiter as newLimiter } from '../shared';
import { PHASES, type GroupRef, type Operation, type Plan, type UserRef } from '../sync';
import type { OperationOutcome } from '../sync';
import type { OperationJournal, OperationState, StoredOperationState, TargetWriter } from './ports';
import { findExisting, isSettled, membershipBatches, missingDependency, OURS_NOTE, settledFromNote, WAITING_NOTE, write, type WriteResult } from './writes';

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
  /**
   * Asked before every write: an error here (the lease was lost, the service is stopping) means no
   * new write may start. Writes already sent finish and are recorded, then the run stops.
   */
  shouldStop?: () => Error | null;
  /** Pauses between journal retries (tests pass a no-op). */
  journalRetryDelaysMs?: readonly number[];
}

/** The run stopped early on a fatal error; the operations not yet applied are still pending. */
export class RunAborted extends Error {
  constructor(cause: unknown) {
    super(`run stopped: ${errorMessage(cause)}`, { cause });
    this.name = 'RunAborted';
  }
}

/** The run was told to stop (lease lost, shutdown) and stopped at a safe point: every write sent is recorded. */
export class RunHalted extends Error {
  constructor(readonly reason: Error) {
    super(reason.message, { cause: reason });
    this.name = 'RunHalted';
  }
}

/**
 * The journal could not be written even after retries (the database went away). Writes already
 * sent have finished; the plan is still `applying` and a resume continues it from the journal.
 */
export class JournalUnavailable extends Error {
  constructor(cause: unknown) {
    super(`the store did not record progress: ${errorMessage(cause)}`, { cause });
    this.name = 'JournalUnavailable';
  }
}

// A dropped database connection is replaced by the pool on the next query: retrying the same
// idempotent upsert a few times rides over a failover or a killed backend.
const JOURNAL_RETRY_DELAYS_MS = [50, 250, 1000];

function doneOutcome(settled: 'ours' | 'waiting' | undefined): OperationOutcome {
  return settled ? { status: 'done', settled } : { status: 'done' };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Halt = { kind: 'fatal'; error: unknown } | { kind: 'stop'; error: Error } | { kind: 'journal'; error: JournalUnavailable };

type Update = { opId: string; state: OperationState; resultId?: string | null; error?: string | null };

export async function execute(
  planId: string,
  plan: Plan,
  writer: TargetWriter,
  journal: OperationJournal,
  options: ExecuteOptions,
): Promise<Map<string, OperationOutcome>> {
  const isFatal = options.isFatal ?? ((e: unknown) => (e as { fatal?: unknown } | null)?.fatal === true);
  const delays = options.journalRetryDelaysMs ?? JOURNAL_RETRY_DELAYS_MS;
  const withJournal = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attemptNo = 0; ; attemptNo++) {
      try {
        return await call();
      } catch (error) {
        const delay = delays[attemptNo];
        if (delay === undefined) throw new JournalUnavailable(error);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
  const states = new Map<string, StoredOperationState>();
  for (const s of await withJournal(() => journal.states(planId))) states.set(s.opId, s);
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
  const createOpOf = new Map(plan.operations.flatMap((op) => (op.kind === 'create' ? [[op.sourceId, op.id] as const] : [])));
  const waitingCreate = (sourceId: string) => {
    const s = states.get(createOpOf.get(sourceId) ?? '');
    return s?.state === 'done' && s.error === WAITING_NOTE;
  };

  const progress: Progress = { total: plan.operations.length, done: 0, failed: 0, skipped: 0, phase: 0 };
  for (const op of plan.operations) {
    const s = stateOf(op);
    if (s === 'done') progress.done += 1;
    else if (s === 'failed') progress.failed += 1;
    else if (s === 'skipped') progress.skipped += 1;
  }

  // Why the run must stop; once set, no new write starts.
  let halt: Halt | null = null;
  const halted = (): boolean => {
    if (halt !== null) return true;
    const stop = options.shouldStop?.() ?? null;
    if (stop !== null) halt = { kind: 'stop', error: stop };
    return halt !== null;
  };
  const record = async (ops: Operation[], update: Omit<Update, 'opId'>) => {
    await withJournal(() => journal.record(planId, ops.map((op) => ({ opId: op.id, ...update }))));
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

  /**
   * Runs one write and records it. A fatal error stops the run and leaves the operation pending;
   * a journal that cannot be written stops the run too (the write's outcome is found on resume).
   */
  const attempt = async (ops: Operation[], write: () => Promise<WriteResult>) => {
    if (halted()) return;
    try {
      if (ops.length === 1 && (ops[0]?.kind === 'create' || ops[0]?.kind === 'createGroup')) await record(ops, { state: 'in_flight' });
      let result: WriteResult;
      try {
        result = await write();
      } catch (error) {
        if (isFatal(error)) {
          halt ??= { kind: 'fatal', error };
          await record(ops, { state: 'pending' });
        } else await record(ops, { state: 'failed', error: errorMessage(error) });
        return;
      }
      if (result.state === 'skipped') {
        await record(ops, { state: 'skipped', error: result.reason });
        return;
      }
      for (const op of ops) remember(op, result.resultId);
      const note = result.settled === 'waiting' ? WAITING_NOTE : result.settled === 'ours' ? OURS_NOTE : null;
      await record(ops, { state: 'done', resultId: result.resultId, ...(note ? { error: note } : {}) });
    } catch (error) {
      if (!(error instanceof JournalUnavailable)) throw error;
      halt ??= { kind: 'journal', error };
    }
  };

  const limiter = newLimiter({ concurrency: Math.max(1, options.concurrency) });
  try {
    for (let phase = 0; phase < PHASES.length && !halted(); phase++) {
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
        const missing = missingDependency(op, userId, groupId, waitingCreate);
        if (missing) await record([op], { state: 'skipped', error: missing });
        else runnable.push(op);
      }

      const jobs: (() => Promise<void>)[] = [];
      for (const op of runnable.filter((o) => o.kind !== 'addToGroup' && o.kind !== 'removeFromGroup')) {
        jobs.push(() => attempt([op], () => write(op, writer, userId)));
      }
      for (const batch of membershipBatches(runnable, groupId, userId, options.batchSize)) {
        jobs.push(() =>
          attempt(batch.ops, async () => {
            if (batch.add) await writer.addMembers(batch.groupId, batch.userIds);
            else await writer.removeMembers(batch.groupId, batch.userIds);
            return { state: 'done', resultId: null };
          }),
        );
      }
      // Every job settles (none throws past `attempt`): a halt lets the writes in flight finish
      // and be recorded, and the ones still waiting return without writing.
      await Promise.all(jobs.map((job) => limiter.schedule(job)));
    }
  } finally {
    limiter.stop();
  }
  // Assigned inside the jobs' closures, which TypeScript's narrowing does not follow.
  const stopped = halt as Halt | null;
  if (stopped?.kind === 'fatal') throw new RunAborted(stopped.error);
  if (stopped?.kind === 'stop') throw new RunHalted(stopped.error);
  if (stopped?.kind === 'journal') throw stopped.error;

  const outcomes = new Map<string, OperationOutcome>();
  for (const op of plan.operations) {
    const s = states.get(op.id);
    const state = s?.state ?? 'pending';
    outcomes.set(
      op.id,
      state === 'done'
        ? doneOutcome(settledFromNote(s?.error))
        : state === 'failed'
          ? { status: 'failed', error: s?.error ?? 'failed' }
          : state === 'skipped'
            ? { status: 'skipped', reason: s?.error ?? 'skipped' }
            : { status: 'pending' },
    );
  }
  return outcomes;
}
