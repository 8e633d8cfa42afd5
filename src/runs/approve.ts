/**
 * Apply selected: an admin approves a stored plan minus the new users and archives they held.
 * The approved plan is derived from the stored one by the core, stored under its own id and
 * digest, and applied like any plan; the original can no longer be applied. Each hold is audited.
 */
import { confirmationReleases, holdChanges, standingRequests, type HoldRequest, type Plan } from '../sync';
import { audit } from './audit';
import { ApplyRefused, planDigest, REFUSAL_TEXT, type Actor, type ApplyOptions, type RunContext } from './types';

export interface SelectedOptions extends ApplyOptions {
  /** The ids of the held operations (`create:…`, `archive:…`), as the review card or CLI named them. */
  hold: readonly string[];
  /** Why, for the audit log. */
  reason?: string | null;
}

/** Derives and stores the approved plan; returns its id and digest (the caller applies it). */
export async function approveSelected(ctx: RunContext, planId: string, actor: Actor, options: SelectedOptions): Promise<{ planId: string; digest: string; held: number }> {
  const { store } = ctx.deps;
  const stored = await store.getPlan(planId);
  const refuse = async (reason: ConstructorParameters<typeof ApplyRefused>[0], message: string, detail: Record<string, unknown> = {}): Promise<never> => {
    await audit(ctx, actor, 'apply-selected', { companyId: stored?.companyId ?? null, planId, runId: null, outcome: 'refused', detail: { reason, ...detail } });
    throw new ApplyRefused(reason, message);
  };
  if (!stored) return refuse('not-found', REFUSAL_TEXT['not-found']);
  if (ctx.settings.appliesOff !== null) return refuse('applies-off', ctx.settings.appliesOff);
  if (options.digest !== undefined && options.digest !== stored.digest) return refuse('tampered', 'The card does not match the stored plan. Run a new preview.');
  const now = ctx.clock();
  const requests: HoldRequest[] = [...new Set(options.hold)].map((opId) => ({ opId, by: actor.name ?? actor.id ?? 'unknown', at: now.toISOString(), reason: options.reason ?? null, standing: false }));
  const derived = holdChanges(stored.plan, requests);
  if (!derived.ok) return refuse('tampered', `The selection names changes this plan does not have (${derived.unknown.slice(0, 3).join(', ')}). Run a new preview.`, { unknown: derived.unknown.slice(0, 20) });
  const guard = derived.plan.guard;
  // Checked before the original is used up: a refusal leaves the stored plan as it was.
  if (!confirmationReleases(guard, options.confirmArchive)) {
    const count = guard.status === 'blocked' ? guard.archiveCount : 0;
    return refuse('confirmation-required', `The approved plan is blocked by the guard. Type the number of users it archives (${count}) to apply it.`);
  }
  // The original is claimed first, so a double click derives (and applies) one approved plan only.
  const claim = await store.claimPlanForApply(planId, now);
  if (!claim.ok) return refuse(claim.reason, REFUSAL_TEXT[claim.reason]);
  await store.setPlanStatus(planId, 'cancelled');
  const digest = planDigest(derived.plan);
  const approvedId = await store.savePlan({ companyId: stored.companyId, kind: stored.kind, plan: derived.plan, digest, createdAt: now, expiresAt: stored.expiresAt, requestedBy: actor.id });
  for (const h of derived.plan.held ?? []) {
    if (h.standing) continue;
    await audit(ctx, actor, 'hold', { companyId: stored.companyId, planId: approvedId, runId: null, outcome: 'ok', detail: { opId: h.opId, kind: h.kind, userName: h.userName, reason: h.reason } });
  }
  await audit(ctx, actor, 'apply-selected', { companyId: stored.companyId, planId: approvedId, runId: null, outcome: 'ok', detail: { from: planId, held: requests.length } });
  return { planId: approvedId, digest, held: requests.length };
}

/** The plan with the company's standing holds taken out: every plan kb4sync applies goes through this. */
export async function withStandingHolds(ctx: RunContext, companyId: string, plan: Plan): Promise<Plan> {
  if (!ctx.deps.holds || plan.operations.length === 0) return plan;
  const held = holdChanges(plan, standingRequests(plan, await ctx.deps.holds.list(companyId)));
  return held.ok ? held.plan : plan;
}
