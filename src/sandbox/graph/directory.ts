/** A seeded tenant as the sandbox holds it, and the directory walks Graph answers from it. */
import type { ConsentLedger } from './consent';
import type { DeltaLog } from './delta';
import type { IncomingMessage } from 'node:http';
import type { GraphGroupRecord, GraphTenant, GraphUserRecord } from '../tenants/graphTenant';
import type { FaultControls } from './faults';
import type { TokenIssuer } from './tokens';
import type { SandboxApp, SentMail } from './types';

export interface TenantState {
  tenant: GraphTenant;
  apps: Map<string, SandboxApp>;
  users: Map<string, GraphUserRecord>;
  groups: Map<string, GraphGroupRecord>;
  /** What changed, for `/users/delta` and `/groups/delta`. */
  delta: DeltaLog;
}

/** What the endpoints share: the tenants, the token issuer, the faults and the request log. */
export interface SandboxContext {
  tenants: Map<string, TenantState>;
  /** Multi-tenant apps and the tenants that consented to them. */
  consent: ConsentLedger;
  issuer: TokenIssuer;
  faults: FaultControls;
  sentMail: SentMail[];
  /** Token lifetime in seconds. */
  lifetime: number;
  record(route: string, req: IncomingMessage, status: number, tenantId: string | null): void;
  /** The base URLs, known once both servers listen. */
  base: { graph: string; authority: string };
}

/** Groups that contain the user directly or through nesting, each once, nearest first. */
export function memberOf(state: TenantState, userId: string): GraphGroupRecord[] {
  const parents = new Map<string, GraphGroupRecord[]>();
  for (const g of state.groups.values()) {
    for (const id of g.memberIds) {
      const list = parents.get(id);
      if (list) list.push(g);
      else parents.set(id, [g]);
    }
  }
  const out: GraphGroupRecord[] = [];
  const seen = new Set<string>();
  const queue = [userId];
  while (queue.length > 0) {
    for (const g of parents.get(queue.shift() as string) ?? []) {
      if (seen.has(g.id)) continue;
      seen.add(g.id);
      out.push(g);
      queue.push(g.id);
    }
  }
  return out;
}

/** Transitive members in Graph's order: users (and, without the cast, nested groups), each once. */
export function transitive(state: TenantState, groupId: string, usersOnly: boolean): (GraphUserRecord | GraphGroupRecord)[] {
  const out: (GraphUserRecord | GraphGroupRecord)[] = [];
  const seen = new Set<string>([groupId]);
  const queue = [groupId];
  while (queue.length > 0) {
    const g = state.groups.get(queue.shift() as string);
    if (!g) continue;
    for (const id of g.memberIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      const nested = state.groups.get(id);
      if (nested) {
        if (!usersOnly) out.push(nested);
        queue.push(id);
        continue;
      }
      const u = state.users.get(id);
      if (u) out.push(u);
    }
  }
  return out;
}
