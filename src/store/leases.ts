/**
 * Leases: a name held by one holder until it expires. Taking one is a single upsert that wins only
 * over an expired or one's own lease, so two replicas never both hold it.
 */
import type { Kysely } from 'kysely';
import { iso } from './rows';
import type { Database } from './schema';

export async function acquireLease(db: Kysely<Database>, name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
  const expires = iso(new Date(now.getTime() + ttlMs));
  const row = await db
    .insertInto('leases')
    .values({ name, holder, expires_at: expires })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ holder, expires_at: expires })
        .where((eb) => eb.or([eb('leases.expires_at', '<=', iso(now)), eb('leases.holder', '=', holder)])),
    )
    .returning('holder')
    .executeTakeFirst();
  return row?.holder === holder;
}

export async function renewLease(db: Kysely<Database>, name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
  const row = await db
    .updateTable('leases')
    .set({ expires_at: iso(new Date(now.getTime() + ttlMs)) })
    .where('name', '=', name)
    .where('holder', '=', holder)
    .returning('name')
    .executeTakeFirst();
  return row !== undefined;
}

export async function releaseLease(db: Kysely<Database>, name: string, holder: string): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}
