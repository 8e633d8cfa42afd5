/**
 * Approving some changes and holding others: from a plan and the new users and archives an admin
 * held, the plan that is approved. A held new user is not created, and nothing that needs their
 * record is done (their groups, their manager link, anyone's link to them as manager); a held
 * archive keeps the person active and in their groups. Pure: the same plan and holds give the
 * same approved plan.
 */
import type { Operation, Plan } from './model';
import { lowerCase } from './normalize';

/** A new user or an archive an admin held back from this plan (absent from its operations). */
export interface Held {
  opId: string;
  kind: 'create' | 'archive';
  userName: string;
  /** The admin who held it. */
  by: string;
  /** ISO 8601. */
  at: string;
  reason: string | null;
  /** A standing hold from the store (every plan), not one approval's choice. */
  standing: boolean;
}

/** Who held a change: an admin now, or a standing hold kept in the store. */
export interface HoldRequest {
  /** The held operation's id (`create:…` or `archive:…`). */
  opId: string;
  by: string;
  at: string;
  reason: string | null;
  standing: boolean;
}

/** A standing hold: one person's create or archive is held on every plan until removed. */
export interface StandingHold {
  address: string;
  by: string;
  at: string;
  reason: string | null;
}

export type HoldResult = { ok: true; plan: Plan } | { ok: false; unknown: string[] };

/** The changes an admin may hold: new users and archives. */
export function holdable(plan: Plan): Extract<Operation, { kind: 'create' | 'archive' }>[] {
  return plan.operations.filter((op): op is Extract<Operation, { kind: 'create' | 'archive' }> => op.kind === 'create' || op.kind === 'archive');
}

/** The plan without the held changes; a request naming a change the plan does not hold is refused whole. */
export function holdChanges(plan: Plan, requests: readonly HoldRequest[]): HoldResult {
  if (requests.length === 0) return { ok: true, plan };
  const byId = new Map(holdable(plan).map((op) => [op.id, op]));
  const unknown = requests.filter((r) => !byId.has(r.opId)).map((r) => r.opId);
  if (unknown.length > 0) return { ok: false, unknown };

  const heldSources = new Set<string>();
  const heldTargets = new Set<string>();
  const held: Held[] = [];
  for (const r of requests) {
    const op = byId.get(r.opId) as Extract<Operation, { kind: 'create' | 'archive' }>;
    if (op.kind === 'create') heldSources.add(op.sourceId);
    else heldTargets.add(op.targetId);
    held.push({ opId: op.id, kind: op.kind, userName: op.userName, by: r.by, at: r.at, reason: r.reason, standing: r.standing });
  }
  const isHeldNew = (ref: { kind: 'existing'; targetId: string } | { kind: 'new'; sourceId: string } | null) => ref !== null && ref.kind === 'new' && heldSources.has(ref.sourceId);
  const kept = plan.operations.filter((op) => {
    switch (op.kind) {
      case 'create':
        return !heldSources.has(op.sourceId);
      case 'setManager':
        return !isHeldNew(op.user) && !isHeldNew(op.manager);
      case 'addToGroup':
        return !isHeldNew(op.user);
      case 'archive':
        return !heldTargets.has(op.targetId);
      case 'removeFromGroup':
        return !heldTargets.has(op.targetId);
      default:
        return true;
    }
  });
  // A group made only for held people is not made either.
  const wantedGroups = new Set(kept.flatMap((op) => (op.kind === 'addToGroup' && op.group.kind === 'new' ? [lowerCase(op.group.name)] : [])));
  const operations = kept.filter((op) => op.kind !== 'createGroup' || wantedGroups.has(lowerCase(op.name)));

  const archives = operations.filter((op) => op.kind === 'archive').length;
  // The guard asks for the count of the archives still in the plan; none left, nothing to confirm.
  const guard = plan.guard.status === 'blocked' ? (archives === 0 ? { status: 'ok' as const } : { ...plan.guard, archiveCount: archives }) : plan.guard;
  return { ok: true, plan: { ...plan, operations, guard, held: [...(plan.held ?? []), ...held] } };
}

/** Standing holds as requests against this plan: the create or archive of each held address. */
export function standingRequests(plan: Plan, holds: readonly StandingHold[]): HoldRequest[] {
  if (holds.length === 0) return [];
  const byAddress = new Map(holds.map((h) => [lowerCase(h.address.trim()), h]));
  return holdable(plan).flatMap((op) => {
    const h = byAddress.get(lowerCase(op.userName));
    return h ? [{ opId: op.id, by: h.by, at: h.at, reason: h.reason, standing: true }] : [];
  });
}
