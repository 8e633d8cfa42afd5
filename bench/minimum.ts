/** The fewest requests a sync can make, shared by the end-to-end and MSP benches. */
import type { Plan } from '../src/sync';

/** Sign-in, SKUs, user pages, SCIM pages, one write per change (memberships batched by `batch`). */
export function minimumRequests(users: number, kb4Users: number, kb4Groups: number, plan: Plan, batch: number) {
  const graph = 2 + 1 + Math.ceil(users / 100);
  const scimReads = Math.max(1, Math.ceil(kb4Users / 100)) + Math.max(1, Math.ceil(kb4Groups / 100));
  const perGroup = new Map<string, number>();
  let writes = 0;
  for (const op of plan.operations) {
    if (op.kind === 'addToGroup' || op.kind === 'removeFromGroup') {
      const key = `${op.kind}:${op.groupName}`;
      perGroup.set(key, (perGroup.get(key) ?? 0) + 1);
    } else writes += 1;
  }
  for (const n of perGroup.values()) writes += Math.ceil(n / batch);
  return { graph, scimReads, writes, total: graph + scimReads + writes };
}
