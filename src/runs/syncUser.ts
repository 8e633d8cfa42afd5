/**
 * `sync user`: one person in seconds, not a full run. Finds them in the companies' Microsoft 365
 * tenants, plans for them alone (never an archive), and applies that plan at once.
 */
import { companyRules } from '../config';
import { withStandingHolds } from './approve';
import { lowerCase, plan as makePlan, primaryAddress, smtpAddress, type Plan, type TargetUser } from '../sync';
import { confirmSeen, sentWaiting } from './sent';
import { isVisible } from './visibility';
import { planDigest, type Actor, type ApplyOptions, type ApplyResult, type RunContext, type SyncUserResult } from './types';

/** Applies a stored plan (the service's apply, with its lease and refusals). */
export type ApplyPlan = (planId: string, actor: Actor, options: ApplyOptions) => Promise<ApplyResult>;

/** Whether an operation is about one of these people (Entra ids or KnowBe4 ids). */
function concerns(op: Plan['operations'][number], ids: ReadonlySet<string>): boolean {
  switch (op.kind) {
    case 'createGroup':
      return false;
    case 'create':
      return ids.has(op.sourceId);
    case 'setManager':
    case 'addToGroup':
      return op.user.kind === 'new' ? ids.has(op.user.sourceId) : ids.has(op.user.targetId);
    default:
      return ids.has(op.targetId);
  }
}

/**
 * On-demand sync of one person (seconds, not a full run): finds them in the companies'
 * Microsoft 365 tenants, plans for them alone (never an archive), and applies that plan at once.
 */
export async function syncUser(ctx: RunContext, apply: ApplyPlan, address: string, actor: Actor, options: { companyId?: string; sourceId?: string } = {}): Promise<SyncUserResult> {
  const companies = options.companyId ? [ctx.company(options.companyId)] : ctx.deps.config.companies;
  const found = (
    await Promise.all(
      companies.map(async (company) => {
        const source = ctx.deps.connectors.source(company.id);
        if (!source.findUser) return null;
        const hit = await source.findUser(address);
        return hit ? { company, hit } : null;
      }),
    )
  ).filter((x): x is NonNullable<typeof x> => x !== null);
  if (found.length === 0) return { kind: 'not-found', address, searched: companies.map((c) => c.name) };
  if (found.length > 1) return { kind: 'ambiguous', address, companies: found.map((f) => ({ id: f.company.id, name: f.company.name })) };
  const { company, hit } = found[0] as (typeof found)[number];
  // The light run asks for someone by id: an address that leads to another person first is not theirs to act on.
  if (options.sourceId !== undefined && hit.user.id !== options.sourceId) {
    return { kind: 'conflict', address, company: { id: company.id, name: company.name }, message: `${address} leads to another Microsoft 365 user first; the nightly run decides.` };
  }

  const target = ctx.deps.connectors.target(company.id);
  const primary = primaryAddress(hit.user, company.emailSource);
  // Whoever else holds the address goes in too, with their own records: the planner then sees
  // the conflict a full run would see, and nobody claims a record through the address alone.
  const people = [hit.user, ...(hit.manager ? [hit.manager] : []), ...hit.others].filter((p, i, all) => all.findIndex((q) => q.id === p.id) === i);
  const records = new Map<string, TargetUser>();
  const lookups: Promise<TargetUser | null>[] = [];
  // By userName only: the one user filter KnowBe4's provisioning tutorial lists as supported.
  for (const person of people) {
    const own = primaryAddress(person, company.emailSource);
    if (own) lookups.push(target.findUserByUserName(own));
  }
  // Aliases find a record kept under an old address (a rename, not a new user).
  for (const alias of hit.user.proxyAddresses) {
    const a = smtpAddress(alias);
    if (a && a.toLowerCase() !== primary?.toLowerCase()) lookups.push(target.findUserByUserName(a));
  }
  // Records kb4sync made or renamed for this person before are found by their id, whatever
  // address they are under now (an old one no alias keeps would otherwise get a second record).
  const sentForPerson = await ctx.deps.store.sentWrites.forSource(company.id, hit.user.id);
  for (const id of new Set(sentForPerson.flatMap((w) => (w.write.targetId === null ? [] : [w.write.targetId])))) lookups.push(target.findUserById(id));
  // The groups do not depend on who was found: read them in the same round trip.
  const [existing, groups, sent] = await Promise.all([Promise.all(lookups), target.listGroups(), sentWaiting(ctx, company.id)]);
  for (const t of existing) if (t) records.set(t.id, t);
  // A create or rename of theirs KnowBe4 accepted but does not show yet is pending, never redone.
  const waiting = sent.filter((w) => w.sourceId !== null && lowerCase(w.sourceId) === lowerCase(hit.user.id));

  const rules = { ...companyRules(company), removeStaleUsers: false };
  const full = makePlan(rules, { users: people, groups: hit.groups }, { users: [...records.values()], groups }, { previousSourceCount: null, sent: waiting });
  const mine = new Set<string>([hit.user.id, ...[...records.values()].filter((t) => t.externalId === hit.user.id || t.userName.toLowerCase() === primary?.toLowerCase()).map((t) => t.id)]);
  const kept = full.operations.filter((op) => concerns(op, mine));
  // A group this person joins that does not exist yet is created too.
  const newGroups = new Set(kept.flatMap((op) => (op.kind === 'addToGroup' && op.group.kind === 'new' ? [op.group.name] : [])));
  const operations = full.operations.filter((op) => kept.includes(op) || (op.kind === 'createGroup' && newGroups.has(op.name)));
  // A standing hold on this person's create holds it here too.
  const plan: Plan = await withStandingHolds(ctx, company.id, { ...full, operations, unmanaged: [], guard: { status: 'ok' } });
  const conflict = full.conflicts.find((c) => c.sourceUsers.some((u) => u.id === hit.user.id));
  if (conflict) return { kind: 'conflict', address, company: { id: company.id, name: company.name }, message: conflict.message };
  if (!full.skipped.every((s) => s.sourceId !== hit.user.id)) {
    const reason = full.skipped.find((s) => s.sourceId === hit.user.id)?.reason ?? 'out of scope';
    return { kind: 'out-of-scope', address, company: { id: company.id, name: company.name }, reason };
  }
  // What this read shows of their earlier writes is confirmed; what it does not is still pending.
  await confirmSeen(ctx, company.id, full.seen ?? [], actor, { planId: null, runId: null });
  const stillWaiting = full.waiting ?? [];
  if (plan.operations.length === 0 && stillWaiting.length > 0) return { kind: 'pending', address, company: { id: company.id, name: company.name }, sourceId: hit.user.id, userName: primary ?? address, waiting: stillWaiting };
  if (plan.operations.length === 0) return { kind: 'in-sync', address, company: { id: company.id, name: company.name } };

  const now = ctx.clock();
  const digest = planDigest(plan);
  const planId = await ctx.deps.store.savePlan({ companyId: company.id, kind: 'sync-user', plan, digest, createdAt: now, expiresAt: new Date(now.getTime() + ctx.settings.planTtlMs), requestedBy: actor.id });
  const result = await apply(planId, actor, { digest });
  // A create or rename may land later: say "sent" until KnowBe4 shows them under their address.
  const shows = plan.operations.some((op) => op.kind === 'create' || op.kind === 'rename') ? await isVisible(target, hit.user.id, primary ?? address) : true;
  return { kind: 'applied', address, company: { id: company.id, name: company.name }, plan, result, sourceId: hit.user.id, userName: primary ?? address, visibility: shows ? 'visible' : 'sent' };
}
