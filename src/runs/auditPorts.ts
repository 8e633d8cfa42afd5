/** What the weekly audit reads besides both sides: earlier audits and plans, and the Reporting API. */
import type { AccountAudit, CompanyFacts, Conflict, ReportingFacts, StandingHold, UnreadableRecord } from '../sync';

/** A stored audit: the whole result, and when it ran. */
export interface StoredAudit {
  auditId: string;
  companyId: string;
  at: Date;
  audit: AccountAudit;
}

/** Where audits are kept (seat trends come from them) and what they read of earlier plans. */
export interface AuditRecords {
  saveAudit(audit: AccountAudit, at: Date): Promise<string>;
  getAudit(auditId: string): Promise<StoredAudit | null>;
  /** The company's audits, newest first. */
  listAudits(companyId: string, limit: number): Promise<StoredAudit[]>;
  /** The newest full plan made at or before `before`: what was already wrong then. */
  planFactsBefore(companyId: string, before: Date): Promise<{ at: Date; conflicts: Conflict[]; unreadable: UnreadableRecord[] } | null>;
  /** Full plans with changes, made since `since`, whose time ran out unapplied (by `now`). */
  expiredPlans(companyId: string, since: Date, now: Date): Promise<{ planId: string; createdAt: Date; operations: number }[]>;
}

/** The optional Reporting API, for the audit's at-risk flag and training reach. */
export interface ReportingReader {
  users(): Promise<ReportingFacts[]>;
}

/** Every company's state, newest plan and seats at once (the digest and `companies`). */
export interface CompanyOverview {
  companyFacts(companies: readonly { id: string; name: string; seats: number | null; paused: boolean }[], now: Date, notes?: ReadonlyMap<string, string | null>): Promise<CompanyFacts[]>;
}

/** Standing holds: a person's create or archive held on every plan until removed. */
export interface HoldRecords {
  list(companyId: string): Promise<StandingHold[]>;
  /** Adds or replaces the hold on this address. */
  hold(companyId: string, hold: StandingHold): Promise<void>;
  /** false when there was no hold on this address. */
  unhold(companyId: string, address: string): Promise<boolean>;
}
