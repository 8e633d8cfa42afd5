/** The light run's delta links persist per company on SQLite and PostgreSQL alike. */
import type { OpenedDatabase } from '../../src/store/db';
import { KyselyDeltaLinkStore } from '../../src/store';
import { testDatabases } from '../helpers/stores';

const T0 = new Date('2026-12-02T10:00:00.000Z');
const links = (n: number, groups: string | null = `https://graph.example/v1.0/groups/delta?$deltatoken=g${n}`) => ({
  users: `https://graph.example/v1.0/users/delta?$deltatoken=u${n}`,
  groups,
  queryKey: `key-${n}`,
});

describe.each(testDatabases())('delta links on $name', (database) => {
  let opened: OpenedDatabase;
  beforeAll(async () => {
    opened = await database.open();
  });
  afterAll(() => database.cleanup());

  test('saved links survive a new connection, one row per company, replaced whole', async () => {
    const store = new KyselyDeltaLinkStore(opened.db);
    expect(await store.getDeltaLinks('acme')).toBeNull();
    await store.saveDeltaLinks('acme', links(1), T0);
    await store.saveDeltaLinks('globex', links(7, null), T0);
    await store.saveDeltaLinks('acme', links(2, null), new Date(T0.getTime() + 300_000));

    const reopened = new KyselyDeltaLinkStore((await database.open()).db);
    expect(await reopened.getDeltaLinks('acme')).toEqual({ ...links(2, null), savedAt: new Date(T0.getTime() + 300_000) });
    expect(await reopened.getDeltaLinks('globex')).toEqual({ ...links(7, null), savedAt: T0 });

    await reopened.clearDeltaLinks('acme');
    expect(await store.getDeltaLinks('acme')).toBeNull();
    expect(await store.getDeltaLinks('globex')).not.toBeNull();
  });
});
