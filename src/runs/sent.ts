/**
 * Writes that land later, on the run side: after an apply, each create, rename and archive
 * KnowBe4 accepted is remembered as sent; a preview hands the ones still unseen to the planner
 * (which plans none of them again) and confirms, with the time, the ones its read shows; the
 * service's sweep alerts the ones unseen for too long.
 */
import { sentState, type SentWrite } from '../sync';
import { audit } from './audit';
import type { StoredPlan } from './ports';
import { WAITING_NOTE } from './writes';
import type { Actor, RunContext } from './types';

/** Remembers the creates, renames and archives an apply got KnowBe4 to accept. */
export async function recordSent(ctx: RunContext, stored: StoredPlan): Promise<SentWrite[]> {
  const states = new Map((await ctx.deps.store.states(stored.planId)).map((s) => [s.opId, s]));
  const sentAt = ctx.clock().toISOString();
  const sent: SentWrite[] = [];
  for (const op of stored.plan.operations) {
    const s = states.get(op.id);
    if (s?.state !== 'done') continue;
    const base = { planId: stored.planId, opId: op.id, sentAt };
    if (op.kind === 'create') {
      // A 409 KnowBe4 did not show yet is known by address alone until it shows.
      sent.push({ ...base, kind: 'create', sourceId: op.sourceId, targetId: s.error === WAITING_NOTE ? null : s.resultId, userName: op.userName });
    } else if (op.kind === 'rename') {
      sent.push({ ...base, kind: 'rename', sourceId: op.sourceId, targetId: op.targetId, userName: op.to });
    } else if (op.kind === 'archive') {
      sent.push({ ...base, kind: 'archive', sourceId: op.sourceId, targetId: op.targetId, userName: op.userName });
    }
  }
  if (sent.length > 0) await ctx.deps.store.sentWrites.record(stored.companyId, sent);
  return sent;
}

/** The writes a plan must not decide again: sent, unseen, and not yet given up on. */
export async function sentWaiting(ctx: RunContext, companyId: string): Promise<SentWrite[]> {
  const oldest = ctx.clock().getTime() - ctx.settings.sentWaitMaxMs;
  return (await ctx.deps.store.sentWrites.waiting(companyId)).map((w) => w.write).filter((w) => Date.parse(w.sentAt) >= oldest);
}

/** Confirms what a read showed, with the time, in the store and the audit log. */
export async function confirmSeen(ctx: RunContext, companyId: string, seen: readonly SentWrite[], actor: Actor, refs: { planId: string | null; runId: string | null }): Promise<void> {
  if (seen.length === 0) return;
  const at = ctx.clock();
  await ctx.deps.store.sentWrites.confirm(companyId, seen, at);
  await audit(ctx, actor, 'confirmed', {
    companyId,
    ...refs,
    outcome: 'ok',
    detail: { confirmedAt: at.toISOString(), count: seen.length, writes: seen.slice(0, 50).map((w) => ({ kind: w.kind, userName: w.userName, sentAt: w.sentAt })) },
  });
}

export interface Unconfirmed {
  company: { id: string; name: string };
  /** Sent longer ago than the setting, still not shown, not alerted before. */
  writes: SentWrite[];
}

/**
 * For the service's sweep: the company's writes still unseen after `unconfirmedAlertMs`. A fresh
 * read of KnowBe4 comes first (only when some are that old), so a write applied since the last
 * preview is confirmed rather than alerted.
 */
export async function overdueWrites(ctx: RunContext, companyId: string): Promise<Unconfirmed | null> {
  const company = ctx.company(companyId);
  const log = ctx.deps.store.sentWrites;
  const cutoff = ctx.clock().getTime() - ctx.settings.unconfirmedAlertMs;
  const candidates = (await log.waiting(companyId)).filter((w) => w.alertedAt === null && Date.parse(w.write.sentAt) <= cutoff);
  if (candidates.length === 0) return null;
  const target = await ctx.deps.connectors.target(companyId).fetchTarget();
  const state = sentState(candidates.map((c) => c.write), target);
  const actor: Actor = { id: null, name: 'kb4sync (sweep)', tenantId: null, via: 'schedule' };
  await confirmSeen(ctx, companyId, state.seen, actor, { planId: null, runId: null });
  if (state.waiting.length === 0) return null;
  return { company: { id: company.id, name: company.name }, writes: state.waiting };
}
