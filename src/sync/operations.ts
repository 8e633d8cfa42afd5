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
      // One copy into the result (concat copies packed arrays in bulk; a push per operation is slower).
      return ([] as Operation[]).concat(...byPhase.flatMap(inIdOrder));
    },
  };
}

function phaseOfRun(run: readonly Operation[]): number {
  const { kind } = run[0] as Operation;
  const phase = PHASE_OF[kind];
  for (let i = 1; i < run.length; i++) {
    // A run is nearly always of one kind: only another kind's phase is looked up.
    const other = (run[i] as Operation).kind;
    if (other !== kind && PHASE_OF[other] !== phase) throw new Error(`A run of operations spans two phases (${kind}, ${other})`);
  }
  return phase;
}

/** One phase's sorted runs in id order: end to end when they do not overlap, else merged by a sort. */
function inIdOrder(runs: Operation[][]): Operation[][] {
  runs.sort((a, b) => byId(a[0] as Operation, b[0] as Operation));
  for (let i = 1; i < runs.length; i++) {
    const before = runs[i - 1] as Operation[];
    if (!((before[before.length - 1] as Operation).id < ((runs[i] as Operation[])[0] as Operation).id)) {
      return [([] as Operation[]).concat(...runs).sort(byId)];
    }
  }
  return runs;
}
