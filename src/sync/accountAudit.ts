/**
 * The weekly audit of one KnowBe4 account: what has drifted from Microsoft 365, who is at risk of
 * being archived by someone else, what is stuck, seats against the contract, and (with the
 * Reporting API) how far training reaches. Pure: the run layer reads both sides and the store and
 * hands the facts in; nothing here writes anywhere, and the audit's only effect is its record.
 */
import type { CompanyRules, Conflict, Operation, Plan, PlanContext } from './model';
import type { SourceSnapshot, TargetSnapshot, UnreadableRecord } from './snapshot';
import { lowerCase } from './normalize';
import { plan as makePlan } from './plan';

/** What the Reporting API says about one KnowBe4 user (joined on the lower-cased e-mail). */
export interface ReportingFacts {
  email: string;
  provisioningManaged: boolean;
  lastSignIn: string | null;
  phishPronePercentage: number | null;
}

/** A write kb4sync sent whose effect was never seen on KnowBe4 (from the connector's record). */
export interface UnconfirmedWrite {
  userName: string;
  what: string;
  sentAt: string;
}

export interface AuditInput {
  rules: CompanyRules;
  source: SourceSnapshot;
  target: TargetSnapshot;
  context: PlanContext;
  /** ISO 8601 instant of the audit. */
  at: string;
  /** Null when no Reporting API token is configured. */
  reporting: ReportingFacts[] | null;
  /** The contracted seat count (`knowbe4.seats`), when set. */
  contractedSeats: number | null;
  /** Seats used in earlier audits, oldest first. */
  seatHistory: { at: string; used: number }[];
  /** The company's newest full plan made at least STUCK_AFTER_DAYS ago (what was already wrong then). */
  earlier: { at: string; conflicts: Conflict[]; unreadable: UnreadableRecord[] } | null;
  /** Plans with changes that expired without being applied, in the last STUCK_AFTER_DAYS. */
  expiredPlans: { planId: string; createdAt: string; operations: number }[];
  /** Null: the connector keeps no record of unconfirmed writes (the row says so). */
  unconfirmedWrites: UnconfirmedWrite[] | null;
  /** The company's next scheduled sync, if any, and whether it applies without asking. */
  nextSync: { at: string; autoApply: boolean } | null;
}

export const STUCK_AFTER_DAYS = 7;

export type DriftKind = 'attributes' | 'manager' | 'group' | 'address' | 'archived';
export interface DriftRow {
  userName: string;
  kind: DriftKind;
  detail: string;
}

export interface AtRiskRow {
  userName: string;
  reason: string;
  /** From the Reporting API; null without it. */
  scimManaged: boolean | null;
  /** kb4sync itself archives this record on its next applied sync (removeStaleUsers). */
  archivedByKb4sync: boolean;
}

export interface StuckRow {
  kind: 'conflict' | 'unreadable' | 'expired-plan' | 'unconfirmed-write';
  subject: string;
  detail: string;
  since: string;
}

export interface AccountAudit {
  company: { id: string; name: string };
  at: string;
  /** What needs an admin's decision, first on every surface; empty when nothing does. */
  decisions: string[];
  drift: { count: number; rows: DriftRow[]; fixedBy: string };
  atRisk: { count: number; rows: AtRiskRow[]; scimManaged: number | null };
  stuck: { count: number; rows: StuckRow[]; unconfirmedWritesKnown: boolean };
  seats: { used: number; contracted: number | null; free: number | null; over: number; trend: { at: string; used: number }[] };
  /** Null without a Reporting API token. */
  reach: { inScope: number; neverSignedIn: number; rows: { userName: string }[]; phishPronePercentage: number | null } | null;
}

function driftOf(op: Operation): DriftRow | null {
  switch (op.kind) {
    case 'update': {
      const changes = op.changes.filter((c) => c.attribute !== 'externalId');
      if (changes.length === 0) return null;
      return { userName: op.userName, kind: 'attributes', detail: changes.map((c) => `${c.attribute}: ${c.before ?? '(empty)'} → ${c.after ?? '(empty)'}`).join('; ') };
    }
    case 'setManager':
      if (op.user.kind !== 'existing' || (op.manager !== null && op.manager.kind !== 'existing')) return null;
      return { userName: op.userName, kind: 'manager', detail: `manager: ${op.before ?? '(none)'} → ${op.after ?? '(none)'}` };
    case 'addToGroup':
      if (op.user.kind !== 'existing' || op.group.kind !== 'existing') return null;
      return { userName: op.userName, kind: 'group', detail: `missing from ${op.groupName}` };
    case 'removeFromGroup':
      return { userName: op.userName, kind: 'group', detail: `in ${op.groupName} without belonging` };
    case 'rename':
      return { userName: op.from, kind: 'address', detail: `login ${op.from} → ${op.to}` };
    case 'reactivate':
      return { userName: op.userName, kind: 'archived', detail: 'archived in KnowBe4 while in scope' };
    default:
      return null;
  }
}

function fixedBy(plan: Plan, nextSync: AuditInput['nextSync']): string {
  if (plan.guard.status === 'blocked') return `The next sync is blocked by the guard (${plan.guard.archiveCount} archives): an admin must preview and confirm.`;
  if (nextSync === null) return 'No sync is scheduled: preview and apply to fix it.';
  return nextSync.autoApply ? `The scheduled sync at ${nextSync.at} fixes it.` : `The scheduled sync at ${nextSync.at} fixes it once an admin approves.`;
}

const conflictKey = (c: Conflict) => `${c.reason}|${c.sourceUsers.map((s) => s.id).sort().join(',')}|${c.target?.id ?? ''}`;
const unreadableKey = (u: UnreadableRecord) => `${u.resource}|${u.id ?? ''}|${u.name ?? ''}`;

function stuckRows(current: Plan, input: AuditInput): StuckRow[] {
  const rows: StuckRow[] = [];
  if (input.earlier) {
    const since = input.earlier.at;
    const oldConflicts = new Set(input.earlier.conflicts.map(conflictKey));
    for (const c of current.conflicts) {
      if (!oldConflicts.has(conflictKey(c))) continue;
      const subject = c.sourceUsers.map((s) => s.address ?? s.id).join(', ') || (c.target?.userName ?? '(unknown)');
      rows.push({ kind: 'conflict', subject, detail: c.message, since });
    }
    const oldUnreadable = new Set(input.earlier.unreadable.map(unreadableKey));
    for (const u of current.unreadable ?? []) {
      if (oldUnreadable.has(unreadableKey(u))) rows.push({ kind: 'unreadable', subject: u.name ?? u.id ?? '(no name)', detail: u.reason, since });
    }
  }
  for (const p of input.expiredPlans) rows.push({ kind: 'expired-plan', subject: p.planId, detail: `${p.operations} changes expired unapplied`, since: p.createdAt });
  for (const w of input.unconfirmedWrites ?? []) rows.push({ kind: 'unconfirmed-write', subject: w.userName, detail: w.what, since: w.sentAt });
  return rows;
}

/** Seats trend: the earlier audits' counts and this one, oldest first, at most `keep` points. */
function trend(history: AuditInput['seatHistory'], at: string, used: number, keep = 8): { at: string; used: number }[] {
  return [...history, { at, used }].slice(-keep);
}

export function auditAccount(input: AuditInput): AccountAudit {
  const plan = makePlan(input.rules, input.source, input.target, input.context);
  const drift = plan.operations.map(driftOf).filter((r): r is DriftRow => r !== null);

  const reporting = input.reporting === null ? null : new Map(input.reporting.map((r) => [lowerCase(r.email.trim()), r]));
  const managedFlag = (userName: string) => (reporting === null ? null : (reporting.get(lowerCase(userName))?.provisioningManaged ?? false));
  const atRisk: AtRiskRow[] = [
    ...plan.unmanaged.map((u) => ({ userName: u.userName, reason: u.reason, scimManaged: managedFlag(u.userName), archivedByKb4sync: false })),
    ...plan.operations.flatMap((op) => (op.kind === 'archive' ? [{ userName: op.userName, reason: op.reason, scimManaged: managedFlag(op.userName), archivedByKb4sync: true }] : [])),
  ];

  const stuck = stuckRows(plan, input);
  const used = input.target.users.filter((u) => u.active).length;
  const contracted = input.contractedSeats;
  const over = contracted === null ? 0 : Math.max(0, used - contracted);

  let reach: AccountAudit['reach'] = null;
  if (reporting !== null) {
    // In scope and present in KnowBe4: the people the sync trains (matched and still active, so not archived next).
    const archived = new Set(plan.operations.flatMap((op) => (op.kind === 'archive' ? [op.targetId] : [])));
    const unmanaged = new Set(plan.unmanaged.map((u) => u.targetId));
    const trained = input.target.users.filter((u) => u.active && !archived.has(u.id) && !unmanaged.has(u.id));
    const never = trained.filter((u) => (reporting.get(lowerCase(u.userName))?.lastSignIn ?? null) === null);
    const percentages = trained.flatMap((u) => {
      const p = reporting.get(lowerCase(u.userName))?.phishPronePercentage;
      return typeof p === 'number' ? [p] : [];
    });
    reach = {
      inScope: trained.length,
      neverSignedIn: never.length,
      rows: never.map((u) => ({ userName: u.userName })),
      // KnowBe4's account figure is not in the Reporting API's account object: the mean of the users' own.
      phishPronePercentage: percentages.length === 0 ? null : Math.round((percentages.reduce((a, b) => a + b, 0) / percentages.length) * 10) / 10,
    };
  }

  const decisions: string[] = [];
  if (over > 0) decisions.push(`${over} seats over the contracted ${contracted}`);
  if (plan.guard.status === 'blocked') decisions.push(`The guard blocks the next sync (${plan.guard.archiveCount} archives)`);
  const outside = atRisk.filter((r) => !r.archivedByKb4sync);
  if (outside.length > 0) {
    const managed = outside.filter((r) => r.scimManaged === true).length;
    decisions.push(`${outside.length} active KnowBe4 users outside kb4sync's scope${reporting === null ? '' : ` (${managed} managed by SCIM)`}`);
  }
  if (stuck.length > 0) decisions.push(`${stuck.length} stuck for ${STUCK_AFTER_DAYS}+ days or unapplied`);

  return {
    company: { id: input.rules.id, name: input.rules.name },
    at: input.at,
    decisions,
    drift: { count: drift.length, rows: drift, fixedBy: drift.length === 0 ? '' : fixedBy(plan, input.nextSync) },
    atRisk: { count: atRisk.length, rows: atRisk, scimManaged: reporting === null ? null : atRisk.filter((r) => r.scimManaged === true).length },
    stuck: { count: stuck.length, rows: stuck, unconfirmedWritesKnown: input.unconfirmedWrites !== null },
    seats: { used, contracted, free: contracted === null ? null : Math.max(0, contracted - used), over, trend: trend(input.seatHistory, input.at, used) },
    reach,
  };
}

/** One row per finding, every section, for the CSV download and scripts. */
export function auditRows(audit: AccountAudit): { section: string; user: string; detail: string; since: string }[] {
  return [
    ...audit.drift.rows.map((r) => ({ section: 'drift', user: r.userName, detail: r.detail, since: '' })),
    ...audit.atRisk.rows.map((r) => ({
      section: 'at risk',
      user: r.userName,
      detail: `${r.reason}${r.archivedByKb4sync ? '; kb4sync archives it on the next sync' : ''}${r.scimManaged === true ? '; SCIM already manages it' : ''}`,
      since: '',
    })),
    ...audit.stuck.rows.map((r) => ({ section: `stuck: ${r.kind}`, user: r.subject, detail: r.detail, since: r.since })),
    ...(audit.reach?.rows ?? []).map((r) => ({ section: 'never signed in', user: r.userName, detail: '', since: '' })),
  ];
}
