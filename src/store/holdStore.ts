/** Standing holds, one row per company and (lower-cased) address: honoured by every later plan. */
import type { Kysely } from 'kysely';
import type { HoldRecords } from '../runs';
import type { StandingHold } from '../sync';
import type { Database } from './schema';

const key = (address: string) => address.trim().toLowerCase();

export class KyselyHoldStore implements HoldRecords {
  constructor(private readonly db: Kysely<Database>) {}

  async list(companyId: string): Promise<StandingHold[]> {
    const rows = await this.db.selectFrom('holds').selectAll().where('company_id', '=', companyId).orderBy('address').execute();
    return rows.map((r) => ({ address: r.address, by: r.held_by, at: r.held_at, reason: r.reason }));
  }

  async hold(companyId: string, hold: StandingHold): Promise<void> {
    const row = { company_id: companyId, address: key(hold.address), held_by: hold.by, reason: hold.reason, held_at: hold.at };
    await this.db
      .insertInto('holds')
      .values(row)
      .onConflict((oc) => oc.columns(['company_id', 'address']).doUpdateSet({ held_by: row.held_by, reason: row.reason, held_at: row.held_at }))
      .execute();
  }

  async unhold(companyId: string, address: string): Promise<boolean> {
    const result = await this.db.deleteFrom('holds').where('company_id', '=', companyId).where('address', '=', key(address)).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
