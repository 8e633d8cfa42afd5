/** Runs: preview, apply, resume and `sync user` over the ports the adapters implement. */
export * from './ports';
export * from './deltaPorts';
export * from './service';
export { execute, errorMessage, JournalUnavailable, RunAborted, RunHalted, type ExecuteOptions, type Progress } from './executor';
export { decide, type Reconciled, type ReconcileDecision, type ReconcilePolicy } from './reconcile';
export type { AuditFacts } from './audit';
export { deltaLease, LIGHT_ACTOR, type LightRunResult, type LightPerson } from './lightRun';
export * from './auditPorts';
export type { AuditOptions, AuditResult } from './accountAudit';
export type { SelectedOptions } from './approve';
