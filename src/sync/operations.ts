/**
 * Operations in apply order: by phase (see PHASES), then by id within a phase. Each operation is
 * put in its phase's bucket as it is planned, so ordering 300,000 of them is one sort per phase
 * and no copy of the whole list.
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
  /** All operations in apply order. Call once, when planning is done. */
  inApplyOrder(): Operation[];
}

export function phasedOperations(): PhasedOperations {
  const buckets: Operation[][] = PHASES.map(() => []);
  const byId = (a: Operation, b: Operation) => (a.id < b.id ? -1 : 1);
  return {
    push: (op) => void (buckets[phaseOf(op)] as Operation[]).push(op),
    inApplyOrder: () => buckets.map((bucket) => bucket.sort(byId)).flat(),
  };
}
