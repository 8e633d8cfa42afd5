import type { OpenedDatabase } from '../../src/store/db';
import { reusable } from '../../src/store/reusable';
import { testDatabases } from '../helpers/stores';

const at = '2026-11-24T02:00:00.000Z';

describe.each(testDatabases())('a statement compiled once, run with new values, on $name', (database) => {
  let opened: OpenedDatabase;
  beforeEach(async () => {
    opened = await database.openFresh();
  });
  afterAll(() => database.cleanup());

  test('values land where their placeholders were, around a fixed value the statement keeps', async () => {
    const insert = reusable<[string, string, string]>(3, (db, planId, opId, error) =>
      db.insertInto('plan_operations').values({ plan_id: planId, op_id: opId, state: 'failed', result_id: null, error, updated_at: at }),
    );
    await insert(opened.db, ['p1', 'op-a', 'first']);
    await insert(opened.db, ['p1', 'op-b', 'second']);
    await insert(opened.db, ['p2', 'op-a', 'third']);
    const find = reusable<[string, string]>(2, (db, opId, planId) =>
      db.selectFrom('plan_operations').select(['plan_id', 'op_id', 'state', 'error']).where('op_id', '=', opId).where('state', '=', 'failed').where('plan_id', '=', planId),
    );
    expect((await find(opened.db, ['op-a', 'p2'])).rows).toEqual([{ plan_id: 'p2', op_id: 'op-a', state: 'failed', error: 'third' }]);
    expect((await find(opened.db, ['op-b', 'p1'])).rows).toEqual([{ plan_id: 'p1', op_id: 'op-b', state: 'failed', error: 'second' }]);
    expect((await find(opened.db, ['op-b', 'p2'])).rows).toEqual([]);
  });

  test('a value may be used twice; a value never used is refused when the statement is first compiled', async () => {
    const insert = reusable<[string]>(1, (db, id) => db.insertInto('plan_operations').values({ plan_id: id, op_id: id, state: 'done', result_id: null, error: null, updated_at: at }));
    await insert(opened.db, ['same']);
    const twice = reusable<[string]>(1, (db, id) => db.selectFrom('plan_operations').select('error').where('op_id', '=', id).where('plan_id', '=', id));
    expect((await twice(opened.db, ['same'])).rows).toEqual([{ error: null }]);
    const unused = reusable<[string, string]>(2, (db, opId) => db.selectFrom('plan_operations').select('op_id').where('op_id', '=', opId));
    await expect(unused(opened.db, ['x', 'y'])).rejects.toThrow('value 1 is not a parameter of: select');
  });
});
