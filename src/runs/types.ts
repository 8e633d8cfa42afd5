/** What the run service takes and gives: settings, actors, previews, apply results and refusals. */
import { createHash } from 'node:crypto';
import type { Config, CompanyConfig } from '../config';
import type { Logger, Metrics } from '../observability';
import type { Plan, Report, SentWrite } from '../sync';
import type { Progress } from './executor';
import { DEFAULT_VISIBILITY_POLL, type VisibilityPoll } from './visibility';
import type { DeltaLinkStore } from './deltaPorts';
import type { Connectors, RunStore, RunTrigger } from './ports';
import type { AuditRecords, HoldRecords } from './auditPorts';

export interface RunSettings {
  /** How long a preview can be applied (default 60 min). */
  planTtlMs: number;
  /** Lease on a company while a run holds it; renewed every third of it. */
  leaseTtlMs: number;
  /**
   * Operations in progress at once; null (the default): the company's `knowbe4.maxConcurrency`,
   * so the account's own limiter, not the executor, is what bounds the run.
   */
  concurrency: number | null;
  batchSize: number;
  /** On shutdown, how long to wait for the applies in flight to reach a safe point. */
  shutdownGraceMs: number;
  /**
   * An interrupted apply is continued by the service only while its plan is younger than this;
   * past it the plan is failed: Microsoft 365 and KnowBe4 may have changed since the preview.
   */
  resumeWithinMs: number;
  /** Set (to the reason shown) when nothing may be written to KnowBe4: the local trial. */
  appliesOff: string | null;
  /** A write KnowBe4 accepted but does not show after this long is alerted (default 60 min). */
  unconfirmedAlertMs: number;
  /**
   * A write still unseen after this long no longer holds a plan back (KnowBe4 may have dropped
   * it): the next plan decides again, and a create meets KnowBe4's userName uniqueness (a 409,
   * settled by look-up) rather than making a second record.
   */
  sentWaitMaxMs: number;
  /** How `sync user` keeps looking for a person KnowBe4 does not show yet. */
  visibilityPoll: VisibilityPoll;
  /** More people changed than this in one light run: one full read instead of a lookup each. */
  lightRunMaxPeople: number;
}

export const DEFAULT_RUN_SETTINGS: RunSettings = {
  planTtlMs: 60 * 60_000,
  leaseTtlMs: 60_000,
  concurrency: null,
  batchSize: 100,
  shutdownGraceMs: 30_000,
  resumeWithinMs: 2 * 60 * 60_000,
  appliesOff: null,
  unconfirmedAlertMs: 60 * 60_000,
  sentWaitMaxMs: 24 * 60 * 60_000,
  visibilityPoll: DEFAULT_VISIBILITY_POLL,
  lightRunMaxPeople: 100,
};

export interface RunDeps {
  config: Config;
  store: RunStore;
  connectors: Connectors;
  log: Logger;
  metrics?: Metrics;
  clock?: () => Date;
  settings?: Partial<RunSettings>;
  /** Identifies this process in leases (defaults to host:pid:random). */
  holder?: string;
  /** Errors that must stop an apply at once (revoked or expired credentials). */
  isFatal?: (error: unknown) => boolean;
  /** Where the weekly audits are kept (absent: no audits). */
  audits?: AuditRecords;
  /** Standing holds, honoured by every preview (absent: none). */
  holds?: HoldRecords;
  /** Where each company's Graph delta links are kept; without it there is no light run. */
  deltaLinks?: DeltaLinkStore;
}

export interface Actor {
  id: string | null;
  name: string | null;
  tenantId: string | null;
  via: RunTrigger;
}

/** The actor of applies the service continues by itself. */
export const RESUME_ACTOR: Actor = { id: null, name: 'kb4sync (resume)', tenantId: null, via: 'schedule' };

export interface Preview {
  planId: string;
  digest: string;
  expiresAt: Date;
  plan: Plan;
  report: Report;
  runId: string;
}

export type RefusalReason =
  | 'unknown-company'
  | 'not-found'
  | 'expired'
  | 'applied'
  | 'applying'
  | 'failed'
  | 'cancelled'
  | 'tampered'
  | 'confirmation-required'
  | 'busy'
  | 'applies-off'
  | 'shutting-down';

/** Apply said no, for a reason the admin can read; nothing was written. */
export class ApplyRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'ApplyRefused';
  }
}

/**
 * The apply stopped before its end and left its plan `applying`: the lease was lost, the service
 * is stopping, or the store went away. The service itself continues it (never a card click).
 */
export class RunInterrupted extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunInterrupted';
  }
}

/** The failure of an interrupted apply whose plan was too old for the service to finish: preview again. */
export class ResumeTooLate extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeTooLate';
  }
}

export interface ApplyResult {
  runId: string;
  planId: string;
  status: 'succeeded' | 'partial' | 'failed';
  report: Report;
  error: string | null;
  /** The error that stopped a failed run, for alerts that tell credential problems apart. */
  failure?: unknown;
}

export interface ApplyOptions {
  /** The archive count an admin typed, for a plan the guard blocked. */
  confirmArchive?: number | null;
  /** The digest shown on the card: a different one means the card is not this plan's. */
  digest?: string;
  onProgress?: (p: Progress) => void;
}

export interface StartedApply {
  planId: string;
  plan: Plan;
  result: Promise<ApplyResult>;
}

export type SyncUserResult =
  | { kind: 'not-found'; address: string; searched: string[] }
  | { kind: 'ambiguous'; address: string; companies: { id: string; name: string }[] }
  | { kind: 'out-of-scope'; address: string; company: { id: string; name: string }; reason: string }
  | { kind: 'conflict'; address: string; company: { id: string; name: string }; message: string }
  | { kind: 'in-sync'; address: string; company: { id: string; name: string } }
  /** Their create or rename was sent earlier and KnowBe4 does not show it yet: nothing sent again. */
  | { kind: 'pending'; address: string; company: { id: string; name: string }; sourceId: string; userName: string; waiting: SentWrite[] }
  | {
      kind: 'applied';
      address: string;
      company: { id: string; name: string };
      plan: Plan;
      result: ApplyResult;
      /** Entra object id and the login e-mail they should show under (what `waitUntilVisible` looks for). */
      sourceId: string;
      userName: string;
      /** visible: KnowBe4 shows them under `userName` now; sent: accepted, shown once KnowBe4 applies it. */
      visibility: 'visible' | 'sent';
    };

export function planDigest(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

export const REFUSAL_TEXT: Record<Exclude<RefusalReason, 'unknown-company' | 'tampered' | 'confirmation-required' | 'busy' | 'applies-off'>, string> = {
  'not-found': 'This plan does not exist. Run a new preview.',
  expired: 'This plan has expired. Run a new preview: Microsoft 365 and KnowBe4 may have changed since.',
  applied: 'This plan has already been applied.',
  applying: 'This plan is being applied. If it was interrupted, kb4sync finishes it by itself.',
  failed: 'This plan was already attempted and stopped. Run a new preview.',
  cancelled: 'This plan was cancelled. Run a new preview.',
  'shutting-down': 'kb4sync is restarting. Try again in a minute.',
};

/** What the parts of the run service share: dependencies, settings, clock, this process's name. */
export interface RunContext {
  deps: RunDeps;
  settings: RunSettings;
  clock: () => Date;
  /** A lease holder name unique to one call (two clicks in one process must not share a lease). */
  callHolder(): string;
  company(companyId: string): CompanyConfig;
}
