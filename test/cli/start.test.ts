/**
 * `npm start`: the demo never touches a production store, and a machine that looks like
 * production (KB4SYNC_CONFIG names a file, or DATABASE_URL is set) never silently gets the demo.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseStart, startDemo } from '../../src/service/start';

const nothing = () => false;

test('the service when the configuration file exists, the demo when nothing says production', () => {
  expect(chooseStart({}, (p) => p === './kb4sync.yaml')).toEqual({ kind: 'service', configPath: './kb4sync.yaml' });
  expect(chooseStart({ KB4SYNC_CONFIG: '/etc/kb4sync.yaml' }, (p) => p === '/etc/kb4sync.yaml')).toEqual({ kind: 'service', configPath: '/etc/kb4sync.yaml' });
  expect(chooseStart({}, nothing)).toEqual({ kind: 'demo' });
});

test('KB4SYNC_CONFIG naming a missing file, or DATABASE_URL without a configuration, refuses the demo and says why', () => {
  expect(chooseStart({ KB4SYNC_CONFIG: '/etc/kb4sync/kb4sync.yaml' }, nothing)).toEqual({ kind: 'refuse', reason: expect.stringMatching(/KB4SYNC_CONFIG names \/etc\/kb4sync\/kb4sync\.yaml, which does not exist/) });
  expect(chooseStart({ DATABASE_URL: 'postgres://kb4sync@db.internal/kb4sync' }, nothing)).toEqual({ kind: 'refuse', reason: expect.stringMatching(/DATABASE_URL is set but there is no \.\/kb4sync\.yaml/) });
});

test('the demo uses its own SQLite file whatever DATABASE_URL and KB4SYNC_SQLITE_PATH say', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-start-'));
  const production = join(dir, 'production.db');
  const demo = await startDemo({
    // A PostgreSQL that does not exist: opening it would fail the start.
    env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/production', KB4SYNC_SQLITE_PATH: production, LOG_LEVEL: 'silent' },
    port: 0,
    withPlayground: false,
    sandbox: { dir, configPath: join(dir, 'kb4sync.sandbox.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } },
  });
  try {
    expect(demo.app.database).toMatchObject({ dialect: 'sqlite', description: `sqlite:${join(dir, 'kb4sync.db')}` });
    expect(existsSync(production)).toBe(false);
  } finally {
    await demo.stop();
  }
});
