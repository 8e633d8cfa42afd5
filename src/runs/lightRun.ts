/**
 * The light run: every few minutes, only what changed in Microsoft 365 since the company's delta
 * links, applied person by person exactly as `sync user` applies one (creates, updates, group
 * changes; never an archive: removals wait for the nightly full run or an admin).
 *
 * Without links, or when Graph refuses them (410 Gone), it reads everything once instead, applies
 * that plan without its archives, and says so. Links advance only when every change was applied,
 * so nothing a failed or refused run saw is lost: the next run sees it again.
 *
 * One light run per company at a time across replicas (the `delta:` lease), and never during the
 * company's nightly run, which holds the same lease while it reads and applies.
 */
import { companyRules } from '../config';
import { plan as makePlan, type Operation } from '../sync';
import { withStandingHolds } from './approve';
import { confirmSeen, sentWaiting } from './sent';
import { audit } from './audit';
import type { DeltaLinkSet } from './deltaPorts';
import { errorMessage } from './executor';
import { HeldLease } from './leases';
import { syncUser, type ApplyPlan } from './syncUser';
import { ApplyRefused, planDigest, type Actor, type RunContext, type SyncUserResult } from './types';

export const deltaLease = (companyId: string): string => `delta:${companyId}`;

export const LIGHT_ACTOR: Actor = { id: null, name: 'kb4sync light run', tenantId: null, via: 'schedule' };

export interface LightPerson {
  sourceId: string;
  outcome: SyncUserResult['kind'] | 'error';
  /** For `applied`: the apply's status; for the others, why nothing was written. */
  detail: string | null;
}

export type LightRunResult =
  /** not-configured: no delta reader or link store; manual-approval: the company's schedule does not auto-apply. */
  | { kind: 'skipped'; reason: 'paused' | 'busy' | 'not-configured' | 'manual-approval' }
  | {
      kind: 'done';
      /** Set when the run read everything (no links, or links refused), with why. */
      fullRead: { reason: string } | null;
      people: LightPerson[];
      /** Entra deletions seen and left for the nightly run or an admin. */
      removalsWaiting: number;
      nestedGroupChanges: number;
      /** Operations applied by a full-read fallback (0 otherwise). */
      fallbackOperations: number;
      /** Whether the links moved on: false when something must be seen again next time. */
      linksAdvanced: boolean;
    };

/** Waits this long between attempts to take the delta lease for a nightly run. */
const LEASE_POLL_MS = 500;

export async function lightRun(ctx: RunContext, apply: ApplyPlan, companyId: string): Promise<LightRunResult> {
  const company = ctx.company(companyId);
  const { store, deltaLinks, connectors, log } = ctx.deps;
  const delta = connectors.source(company.id).delta;
  if (!deltaLinks || !delta) return { kind: 'skipped', reason: 'not-configured' };
  // Approvals as configured: a company whose nightly plans wait for an admin gets no writes between them either.
  if (!company.schedule?.autoApply) return { kind: 'skipped', reason: 'manual-approval' };
  if (company.paused || (await store.getCompanyState(company.id)).paused) return { kind: 'skipped', reason: 'paused' };
  const lease = await HeldLease.acquireNamed(ctx, deltaLease(company.id));
  if (!lease) return { kind: 'skipped', reason: 'busy' };
  lease.keepAlive();
  try {
    const stored = await deltaLinks.getDeltaLinks(company.id);
    const changes = stored ? await delta.readChanges(stored) : ({ kind: 'expired', reason: 'no delta links yet (first light run)' } as const);
    if (changes.kind === 'expired') {
      log.warn({ company: company.id, reason: changes.reason }, 'light run: delta links unusable, falling back to a full read');
      return await fullReadFallback(ctx, apply, company.id, changes.reason, lease);
    }
    // Past this many people, one full read costs less than a lookup and a KnowBe4 group listing each.
    const most = ctx.settings.lightRunMaxPeople;
    if (changes.changed.length > most) {
      const reason = `${changes.changed.length} people changed (more than ${most}): one full read is cheaper than a lookup each`;
      log.info({ company: company.id, people: changes.changed.length }, 'light run: many changes, reading everything once');
      return await fullReadFallback(ctx, apply, company.id, reason, lease);
    }
    const people: LightPerson[] = [];
    for (const person of changes.changed) {
      const lost = lease.check();
      if (lost) throw lost;
      people.push(await onePerson(ctx, apply, company.id, person));
    }
    // Only a run that applied everything moves on; a refused or failed person is read again next time.
    const linksAdvanced = people.every((p) => p.outcome !== 'error' && !(p.outcome === 'applied' && p.detail !== 'succeeded'));
    if (linksAdvanced) {
      const lost = lease.check();
      if (lost) throw lost;
      await deltaLinks.saveDeltaLinks(company.id, changes.links, ctx.clock());
    }
    if (changes.removedIds.length > 0) log.info({ company: company.id, removals: changes.removedIds.length }, 'light run: Entra deletions wait for the nightly run or an admin');
    const result: LightRunResult = { kind: 'done', fullRead: null, people, removalsWaiting: changes.removedIds.length, nestedGroupChanges: changes.nestedGroupChanges, fallbackOperations: 0, linksAdvanced };
    ctx.deps.metrics?.runs.inc({ kind: 'light', result: linksAdvanced ? 'succeeded' : 'partial' });
    if (people.length > 0 || changes.removedIds.length > 0) {
      await audit(ctx, LIGHT_ACTOR, 'light-run', { companyId: company.id, planId: null, runId: null, outcome: linksAdvanced ? 'ok' : 'failed', detail: { people: people.length, removalsWaiting: changes.removedIds.length, graphRequests: changes.requests } });
    }
    return result;
  } finally {
    await lease.release().catch(() => lease.abandon());
  }
}

async function onePerson(ctx: RunContext, apply: ApplyPlan, companyId: string, person: { id: string; userPrincipalName: string }): Promise<LightPerson> {
  try {
    const r = await syncUser(ctx, apply, person.userPrincipalName, LIGHT_ACTOR, { companyId, sourceId: person.id });
    if (r.kind === 'applied') return { sourceId: person.id, outcome: 'applied', detail: r.result.status };
    return { sourceId: person.id, outcome: r.kind, detail: 'reason' in r ? r.reason : 'message' in r ? r.message : null };
  } catch (err) {
    ctx.deps.log.warn({ company: companyId, sourceId: person.id, err: errorMessage(err) }, 'light run: one person not applied; seen again next run');
    return { sourceId: person.id, outcome: 'error', detail: err instanceof ApplyRefused ? err.reason : errorMessage(err) };
  }
}

/** Everything read once: the plan without its archives, applied as the light run's own. */
async function fullReadFallback(ctx: RunContext, apply: ApplyPlan, companyId: string, reason: string, lease: HeldLease): Promise<LightRunResult> {
  const company = ctx.company(companyId);
  const { store, connectors, deltaLinks } = ctx.deps;
  const source = connectors.source(company.id);
  // Links for now, taken before the read: what changes during it is seen again, never missed.
  const links: DeltaLinkSet = await (source.delta as NonNullable<typeof source.delta>).latestDeltaLinks();
  const [snapshot, target, state, sent] = await Promise.all([source.fetchSource(), connectors.target(company.id).fetchTarget(), store.getCompanyState(company.id), sentWaiting(ctx, company.id)]);
  // Writes KnowBe4 accepted but does not show yet are pending here too: never sent twice.
  const full = makePlan({ ...companyRules(company), removeStaleUsers: false }, snapshot, target, { previousSourceCount: state.lastGoodSourceCount, sent });
  await confirmSeen(ctx, company.id, full.seen ?? [], LIGHT_ACTOR, { planId: null, runId: null });
  const operations = full.operations.filter((op: Operation) => op.kind !== 'archive');
  const done = (fallbackOperations: number, linksAdvanced: boolean): LightRunResult => ({ kind: 'done', fullRead: { reason }, people: [], removalsWaiting: 0, nestedGroupChanges: 0, fallbackOperations, linksAdvanced });
  let advanced = true;
  let applied = 0;
  if (operations.length > 0) {
    const lost = lease.check();
    if (lost) throw lost;
    // Guard status of a plan with no archives: only the source-shrink check can block it, and then an admin decides.
    if (full.guard.status === 'blocked') advanced = false;
    else {
      const plan = await withStandingHolds(ctx, company.id, { ...full, operations, unmanaged: [] });
      const now = ctx.clock();
      const digest = planDigest(plan);
      const planId = await store.savePlan({ companyId: company.id, kind: 'sync-user', plan, digest, createdAt: now, expiresAt: new Date(now.getTime() + ctx.settings.planTtlMs), requestedBy: null });
      try {
        const result = await apply(planId, LIGHT_ACTOR, { digest });
        advanced = result.status === 'succeeded';
        applied = operations.length;
      } catch (err) {
        if (!(err instanceof ApplyRefused)) throw err;
        advanced = false;
      }
    }
  }
  if (advanced) {
    const lost = lease.check();
    if (lost) throw lost;
    await (deltaLinks as NonNullable<typeof deltaLinks>).saveDeltaLinks(company.id, links, ctx.clock());
  }
  await audit(ctx, LIGHT_ACTOR, 'light-run', { companyId: company.id, planId: null, runId: null, outcome: advanced ? 'ok' : 'failed', detail: { fullRead: reason, operations: operations.length } });
  // A light run that keeps reading everything is worth an alert: the metric tells it apart.
  ctx.deps.metrics?.runs.inc({ kind: 'light', result: advanced ? 'full-read' : 'partial' });
  return done(applied, advanced);
}

/**
 * Runs `work` (the nightly read and apply) holding the company's delta lease, so no light run
 * reads or writes meanwhile; waits up to `waitMs` for a light run in progress to finish.
 */
export async function withDeltaLease<T>(ctx: RunContext, companyId: string, waitMs: number, work: () => Promise<T>): Promise<T> {
  const until = Date.now() + waitMs;
  let lease = await HeldLease.acquireNamed(ctx, deltaLease(companyId));
  while (!lease && Date.now() < until) {
    await new Promise((r) => setTimeout(r, LEASE_POLL_MS));
    lease = await HeldLease.acquireNamed(ctx, deltaLease(companyId));
  }
  if (!lease) throw new ApplyRefused('busy', `A light run for ${ctx.company(companyId).name} is still in progress. Try again in a minute.`);
  lease.keepAlive();
  try {
    return await work();
  } finally {
    await lease.release().catch(() => lease.abandon());
  }
}

/**
 * The nightly run's part: links for the directory as it is now, taken before its full read, and
 * kept (by calling the result) only once that run has applied: a failed night leaves the light
 * runs on their older links, so nothing between them and the night is skipped.
 */
export async function prepareDeltaLinks(ctx: RunContext, companyId: string): Promise<(() => Promise<void>) | null> {
  const delta = ctx.deps.connectors.source(companyId).delta;
  const store = ctx.deps.deltaLinks;
  if (!store || !delta) return null;
  const links = await delta.latestDeltaLinks();
  return () => store.saveDeltaLinks(companyId, links, ctx.clock());
}
