/**
 * Operations in apply order: by phase (see PHASES), then by id within a phase.
 *
 * At 100,000 users a plan holds about 300,000 operations whose ids share long prefixes
 * ('group+:all staff:t:…'); sorting them compares every id with its neighbour at least once.
 * Most are planned in id order anyway (per group, in the roster's refKey order), so a planner
 * step that knows its operations come in order hands them over as a run, and only the runs'
 * first and last ids are compared. Runs that interleave, and operations pushed one by one, are
 * sorted as before: the order is the same either way.
 */
import { PHASES, type Operation, type OperationKind } from './model';

const PHASE_OF = Object.fromEntries(PHASES.flatMap((kinds, phase) => kinds.map((k) => [k, phase]))) as Record<OperationKind, number>;

export function phaseOf(op: Operation): number {
  return PHASE_OF[op.kind];
}

export interface OperationSink {
  push(op: Operation): void;
}

export interface PhasedOperations extends OperationSink {
  /**
   * A list for operations of one phase that the caller pushes in strictly increasing id order.
   * (A plain array is an OperationSink, so a step can choose between this and `push` at will.)
   */
  run(): Operation[];
  /** All operations in apply order. Call once, when planning is done. */
  inApplyOrder(): Operation[];
}

const byId = (a: Operation, b: Operation) => (a.id < b.id ? -1 : 1);

export function phasedOperations(): PhasedOperations {
  const loose: Operation[][] = PHASES.map(() => []);
  const runs: Operation[][] = [];
  return {
    push: (op) => void (loose[phaseOf(op)] as Operation[]).push(op),
    run: () => {
      const run: Operation[] = [];
      runs.push(run);
      return run;
    },
    inApplyOrder: () => {
      const byPhase: Operation[][][] = loose.map((ops) => (ops.length > 0 ? [ops.sort(byId)] : []));
      for (const run of runs) if (run.length > 0) (byPhase[phaseOfRun(run)] as Operation[][]).push(run);
      const ordered: Operation[] = [];
      for (const phaseRuns of byPhase) appendInIdOrder(ordered, phaseRuns);
      return ordered;
    },
  };
}

function phaseOfRun(run: readonly Operation[]): number {
  const phase = phaseOf(run[0] as Operation);
  for (let i = 1; i < run.length; i++) {
    if (phaseOf(run[i] as Operation) !== phase) throw new Error(`A run of operations spans two phases (${(run[0] as Operation).kind}, ${(run[i] as Operation).kind})`);
  }
  return phase;
}

/** Appends one phase's sorted runs to `out` in id order: end to end when they do not overlap. */
function appendInIdOrder(out: Operation[], runs: Operation[][]): void {
  runs.sort((a, b) => byId(a[0] as Operation, b[0] as Operation));
  let disjoint = true;
  for (let i = 1; i < runs.length && disjoint; i++) {
    const before = runs[i - 1] as Operation[];
    disjoint = (before[before.length - 1] as Operation).id < ((runs[i] as Operation[])[0] as Operation).id;
  }
  const start = out.length;
  for (const run of runs) for (let i = 0; i < run.length; i++) out.push(run[i] as Operation);
  if (disjoint) return;
  const phase = out.splice(start).sort(byId);
  for (let i = 0; i < phase.length; i++) out.push(phase[i] as Operation);
}
