/**
 * Writes sent, not yet seen: each create, rename and archive KnowBe4 accepted, kept until a read
 * shows it (KnowBe4 may apply SCIM writes in a background job). A preview in that window treats
 * them as pending; one seen is confirmed with the time; one unseen for too long is alerted once.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SentWriteLog, StoredSentWrite } from '../runs';
import type { SentWrite } from '../sync';
import type { Database, SentWriteTable } from './schema';

const iso = (d: Date) => d.toISOString();
const CHUNK = 200;

function toStored(row: SentWriteTable): StoredSentWrite {
  return {
    write: {
      kind: z.enum(['create', 'rename', 'archive']).parse(row.kind),
      planId: row.plan_id,
      opId: row.op_id,
      sourceId: row.source_id,
      targetId: row.target_id,
      userName: row.user_name,
      sentAt: row.sent_at,
    },
    seenAt: row.seen_at === null ? null : new Date(row.seen_at),
    alertedAt: row.alerted_at === null ? null : new Date(row.alerted_at),
  };
}

export class KyselySentWrites implements SentWriteLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(companyId: string, writes: readonly SentWrite[]): Promise<void> {
    for (let i = 0; i < writes.length; i += CHUNK) {
      const rows = writes.slice(i, i + CHUNK).map((w) => ({
        company_id: companyId,
        plan_id: w.planId,
        op_id: w.opId,
        kind: w.kind,
        source_id: w.sourceId,
        target_id: w.targetId,
        user_name: w.userName,
        sent_at: w.sentAt,
        seen_at: null,
        alerted_at: null,
      }));
      // A resumed apply records the same operation again: the first record (and its time) stands.
      await this.db.insertInto('sent_writes').values(rows).onConflict((oc) => oc.columns(['plan_id', 'op_id']).doNothing()).execute();
    }
  }

  async waiting(companyId: string): Promise<StoredSentWrite[]> {
    const rows = await this.db.selectFrom('sent_writes').selectAll().where('company_id', '=', companyId).where('seen_at', 'is', null).orderBy('sent_at').orderBy('op_id').execute();
    return rows.map(toStored);
  }

  async confirm(companyId: string, writes: readonly Pick<SentWrite, 'planId' | 'opId'>[], at: Date): Promise<void> {
    await this.mark(companyId, writes, { seen_at: iso(at) }, 'seen_at');
  }

  async markAlerted(companyId: string, writes: readonly Pick<SentWrite, 'planId' | 'opId'>[], at: Date): Promise<void> {
    await this.mark(companyId, writes, { alerted_at: iso(at) }, 'alerted_at');
  }

  async forSource(companyId: string, sourceId: string): Promise<StoredSentWrite[]> {
    const rows = await this.db.selectFrom('sent_writes').selectAll().where('company_id', '=', companyId).where('source_id', '=', sourceId).orderBy('sent_at').execute();
    return rows.map(toStored);
  }

  async list(companyId: string, limit: number): Promise<StoredSentWrite[]> {
    const rows = await this.db.selectFrom('sent_writes').selectAll().where('company_id', '=', companyId).orderBy('sent_at', 'desc').limit(limit).execute();
    return rows.map(toStored);
  }


  private async mark(companyId: string, writes: readonly Pick<SentWrite, 'planId' | 'opId'>[], set: Partial<Pick<SentWriteTable, 'seen_at' | 'alerted_at'>>, column: 'seen_at' | 'alerted_at'): Promise<void> {
    const byPlan = new Map<string, string[]>();
    for (const w of writes) {
      const ids = byPlan.get(w.planId);
      if (ids) ids.push(w.opId);
      else byPlan.set(w.planId, [w.opId]);
    }
    // Only the first time counts: a second replica confirming the same write keeps the first time.
    for (const [planId, opIds] of byPlan) {
      for (let i = 0; i < opIds.length; i += CHUNK) {
        await this.db
          .updateTable('sent_writes')
          .set(set)
          .where('company_id', '=', companyId)
          .where('plan_id', '=', planId)
          .where('op_id', 'in', opIds.slice(i, i + CHUNK))
          .where(column, 'is', null)
          .execute();
      }
    }
  }
}
