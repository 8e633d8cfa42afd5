/**
 * The weekly audit's shell: reads Microsoft 365, KnowBe4 (SCIM, and the Reporting API when its
 * token is set) and the store, lets the core judge, and keeps the result. It never writes to either
 * service: it only calls the readers (fetchSource, fetchTarget, the Reporting API's GETs).
 */
import { companyRules } from '../config';
import { auditAccount, sentState, STUCK_AFTER_DAYS, type AccountAudit } from '../sync';
import { audit as auditLog } from './audit';
import type { AuditRecords } from './auditPorts';
import { ApplyRefused, type Actor, type RunContext } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Earlier audits the seats trend shows. */
const TREND_POINTS = 7;

export interface AuditOptions {
  /** The company's next scheduled sync (the caller knows the schedule). */
  nextSync: { at: Date; autoApply: boolean } | null;
}

export interface AuditResult {
  auditId: string;
  audit: AccountAudit;
}

export function auditRecords(ctx: RunContext): AuditRecords {
  const records = ctx.deps.audits;
  if (!records) throw new ApplyRefused('not-found', 'This kb4sync has no store for audits.');
  return records;
}

export async function runAccountAudit(ctx: RunContext, companyId: string, actor: Actor, options: AuditOptions): Promise<AuditResult> {
  const company = ctx.company(companyId);
  const { store, connectors, log } = ctx.deps;
  const records = auditRecords(ctx);
  const now = ctx.clock();
  const reporting = connectors.reporting?.(company.id) ?? null;
  const [source, target, state, reportingUsers, history, earlier, expired, sent] = await Promise.all([
    connectors.source(company.id).fetchSource(),
    connectors.target(company.id).fetchTarget(),
    store.getCompanyState(company.id),
    reporting ? reporting.users() : Promise.resolve(null),
    records.listAudits(company.id, TREND_POINTS),
    records.planFactsBefore(company.id, new Date(now.getTime() - STUCK_AFTER_DAYS * DAY_MS)),
    records.expiredPlans(company.id, new Date(now.getTime() - STUCK_AFTER_DAYS * DAY_MS), now),
    store.sentWrites.waiting(company.id),
  ]);
  // Writes KnowBe4 accepted that this read still does not show, past the alert threshold.
  const overdue = now.getTime() - ctx.settings.unconfirmedAlertMs;
  const unconfirmed = sentState(
    sent.map((w) => w.write),
    target,
  ).waiting.filter((w) => Date.parse(w.sentAt) <= overdue);
  const result = auditAccount({
    rules: companyRules(company),
    source,
    target,
    context: { previousSourceCount: state.lastGoodSourceCount },
    at: now.toISOString(),
    reporting: reportingUsers,
    contractedSeats: company.knowbe4.seats ?? null,
    seatHistory: history.reverse().map((a) => ({ at: a.at.toISOString(), used: a.audit.seats.used })),
    earlier: earlier === null ? null : { at: earlier.at.toISOString(), conflicts: earlier.conflicts, unreadable: earlier.unreadable },
    expiredPlans: expired.map((p) => ({ planId: p.planId, createdAt: p.createdAt.toISOString(), operations: p.operations })),
    unconfirmedWrites: unconfirmed.map((w) => ({ userName: w.userName, what: `${w.kind} accepted by KnowBe4, not shown since`, sentAt: w.sentAt })),
    nextSync: options.nextSync === null ? null : { at: options.nextSync.at.toISOString(), autoApply: options.nextSync.autoApply },
  });
  const auditId = await records.saveAudit(result, now);
  await auditLog(ctx, actor, 'audit', { companyId: company.id, planId: null, runId: null, outcome: 'ok', detail: { auditId, decisions: result.decisions.length } });
  log.info({ company: company.id, auditId, drift: result.drift.count, atRisk: result.atRisk.count, stuck: result.stuck.count, seats: result.seats.used }, 'audit stored');
  return { auditId, audit: result };
}
