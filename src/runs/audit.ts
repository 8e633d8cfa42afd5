/** The audit trail: who previewed, applied, cancelled or was refused, and with what outcome. */
import type { RunContext, Actor } from './types';

export interface AuditFacts {
  companyId: string | null;
  planId: string | null;
  runId: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  detail: Record<string, unknown>;
}

export async function audit(ctx: RunContext, actor: Actor, action: string, entry: AuditFacts): Promise<void> {
  await ctx.deps.store.recordAudit({
    at: ctx.clock(),
    actorId: actor.id,
    actorName: actor.name,
    tenantId: actor.tenantId,
    action,
    via: actor.via,
    ...entry,
  });
}
