/**
 * Conversations kb4sync may post to on its own (a team channel it was installed in, a chat that
 * typed `subscribe`), kept as Bot Framework conversation references.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from './schema';

export interface Subscription {
  id: string;
  /** The Bot Framework ConversationReference, as JSON (it holds the serviceUrl). */
  reference: Record<string, unknown>;
  kind: 'channel' | 'personal' | 'groupChat';
  name: string | null;
  /** Companies this conversation hears about; null = all. */
  companies: string[] | null;
  dead: boolean;
}

export class ConversationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(input: Omit<Subscription, 'dead'>, now: Date): Promise<void> {
    const row = {
      id: input.id,
      reference_json: JSON.stringify(input.reference),
      kind: input.kind,
      name: input.name,
      companies_json: input.companies === null ? null : JSON.stringify(input.companies),
      dead: 0,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    await this.db
      .insertInto('conversations')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ reference_json: row.reference_json, kind: row.kind, name: row.name, companies_json: row.companies_json, dead: 0, updated_at: row.updated_at }),
      )
      .execute();
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('conversations').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async markDead(id: string, now: Date): Promise<void> {
    await this.db.updateTable('conversations').set({ dead: 1, updated_at: now.toISOString() }).where('id', '=', id).execute();
  }

  async get(id: string): Promise<Subscription | null> {
    const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toSubscription(row) : null;
  }

  /** Live conversations that hear about this company. */
  async forCompany(companyId: string): Promise<Subscription[]> {
    const rows = await this.db.selectFrom('conversations').selectAll().where('dead', '=', 0).orderBy('created_at').execute();
    return rows.map(toSubscription).filter((s) => s.companies === null || s.companies.includes(companyId));
  }

  async list(): Promise<Subscription[]> {
    const rows = await this.db.selectFrom('conversations').selectAll().orderBy('created_at').execute();
    return rows.map(toSubscription);
  }
}

function toSubscription(row: Database['conversations']): Subscription {
  return {
    id: row.id,
    reference: z.record(z.string(), z.unknown()).parse(JSON.parse(row.reference_json)),
    kind: z.enum(['channel', 'personal', 'groupChat']).parse(row.kind),
    name: row.name,
    companies: row.companies_json === null ? null : z.array(z.string()).parse(JSON.parse(row.companies_json)),
    dead: row.dead === 1,
  };
}
