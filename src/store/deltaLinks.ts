/** Each company's Graph delta links, for the light run: one row, replaced whole on every save. */
import type { Kysely } from 'kysely';
import type { DeltaLinkSet, DeltaLinkStore, StoredDeltaLinks } from '../runs';
import type { Database } from './schema';

export class KyselyDeltaLinkStore implements DeltaLinkStore {
  constructor(private readonly db: Kysely<Database>) {}

  async getDeltaLinks(companyId: string): Promise<StoredDeltaLinks | null> {
    const row = await this.db.selectFrom('delta_links').selectAll().where('company_id', '=', companyId).executeTakeFirst();
    if (!row) return null;
    return { users: row.users_link, groups: row.groups_link, queryKey: row.query_key, savedAt: new Date(row.saved_at) };
  }

  async saveDeltaLinks(companyId: string, links: DeltaLinkSet, now: Date): Promise<void> {
    const row = { company_id: companyId, users_link: links.users, groups_link: links.groups, query_key: links.queryKey, saved_at: now.toISOString() };
    await this.db
      .insertInto('delta_links')
      .values(row)
      .onConflict((oc) => oc.column('company_id').doUpdateSet({ users_link: row.users_link, groups_link: row.groups_link, query_key: row.query_key, saved_at: row.saved_at }))
      .execute();
  }

  async clearDeltaLinks(companyId: string): Promise<void> {
    await this.db.deleteFrom('delta_links').where('company_id', '=', companyId).execute();
  }
}
