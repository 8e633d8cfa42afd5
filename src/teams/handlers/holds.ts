/**
 * The review card's buttons: Next (the toggles of this page ride along) and Apply selected (the
 * core derives the approved plan, which is applied like any plan, with its progress on this card).
 * "Hold always" also keeps a standing hold in the store.
 */
import { holdable } from '../../sync';
import type { Card, CardInvoke, TeamsIdentity } from '../transport';
import { startApply } from './applyProgress';
import type { CardAction } from './cardActions';
import { actorOf, now, type BotDeps } from './deps';

type Selection = Extract<CardAction, { verb: 'reviewHolds' | 'applySelected' }>['data'];

/** What this page's toggles held, on top of what earlier pages held. */
function merge(data: Selection): { held: string[]; always: string[] } {
  const fields = data as Record<string, unknown>;
  const held = new Set(data.held);
  const always: string[] = [];
  data.ops.forEach((opId, i) => {
    const keep = fields[`keep_${i}`] !== 'false' && fields[`keep_${i}`] !== false;
    const hold = fields[`always_${i}`] === 'true' || fields[`always_${i}`] === true;
    if (hold) always.push(opId);
    if (!keep || hold) held.add(opId);
    else held.delete(opId);
  });
  return { held: [...held], always };
}

/** Standing holds whose "Keep holding" was turned off: removed, so later plans include the change. */
async function unholdTurnedOff(deps: BotDeps, actor: ReturnType<typeof actorOf>, data: Selection): Promise<void> {
  const fields = data as Record<string, unknown>;
  const off = data.standing.filter((_, j) => fields[`unhold_${j}`] === 'false' || fields[`unhold_${j}`] === false);
  if (!deps.holds || off.length === 0) return;
  const stored = await deps.store.getPlan(data.planId);
  if (!stored) return;
  // Only holds this plan really carried: a forged address removes nothing.
  const carried = new Set((stored.plan.held ?? []).filter((h) => h.standing).map((h) => h.userName.toLowerCase()));
  for (const address of off) {
    if (!carried.has(address.toLowerCase())) continue;
    if (await deps.holds.unhold(stored.companyId, address)) {
      await deps.service.audit(actor, 'unhold', { companyId: stored.companyId, planId: stored.planId, runId: null, outcome: 'ok', detail: { address: address.toLowerCase() } });
    }
  }
}

export async function reviewHolds(deps: BotDeps, data: Selection): Promise<Card> {
  const stored = await deps.store.getPlan(data.planId);
  if (!stored || stored.digest !== data.digest || stored.status !== 'pending' || stored.expiresAt <= now(deps)) {
    return deps.views.message({ title: 'This plan can no longer be reviewed', text: 'It was applied, cancelled, changed or has expired. Run a new preview.', tone: 'warning' });
  }
  return deps.views.review({ plan: stored.plan, planId: stored.planId, digest: stored.digest, offset: data.offset, held: merge(data).held });
}

export async function applySelected(deps: BotDeps, invoke: CardInvoke, who: TeamsIdentity, data: Selection): Promise<Card> {
  const { held, always } = merge(data);
  const actor = actorOf(who);
  const approved = await deps.service.approveSelected(data.planId, actor, { digest: data.digest, hold: held, confirmArchive: data.confirmArchive ?? null, reason: data.reason ?? null });
  if (deps.holds && always.length > 0) {
    // The approved plan exists: the standing holds are the admin's choice, kept for later plans.
    const stored = await deps.store.getPlan(data.planId);
    const byId = new Map(stored ? holdable(stored.plan).map((op) => [op.id, op.userName]) : []);
    for (const opId of always) {
      const address = byId.get(opId);
      if (!address) continue;
      await deps.holds.hold(stored?.companyId ?? '', { address, by: who.name ?? who.aadObjectId ?? 'unknown', at: now(deps).toISOString(), reason: data.reason ?? null });
      await deps.service.audit(actor, 'hold', { companyId: stored?.companyId ?? null, planId: approved.planId, runId: null, outcome: 'ok', detail: { address, standing: true, reason: data.reason ?? null } });
    }
  }
  await unholdTurnedOff(deps, actor, data);
  return startApply(deps, invoke, who, { planId: approved.planId, digest: approved.digest, confirmArchive: data.confirmArchive });
}
