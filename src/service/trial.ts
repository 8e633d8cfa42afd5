/**
 * The local trial: the bot with a customer's own configuration (real Graph and KnowBe4
 * credentials from the environment) in the Agents Playground, before any Azure Bot exists. The
 * bot runs unauthenticated, so it listens on loopback only; it keeps its own SQLite file, never a
 * production store; and it writes nothing to KnowBe4 unless started with `--allow-apply`.
 */
import { isIP } from 'node:net';
import { readConfigFile } from '../config';
import { playgroundInstalled, startPlayground, type Playground } from '../sandbox';
import type { App } from './app';
import type { Service } from './serve';
import { startService } from './start';

export const TRIAL_DEFAULT_STORE = './data/kb4sync-trial.db';
export const APPLIES_OFF_MESSAGE = 'local trial: applies are off; start with `--allow-apply` to write to KnowBe4';

export interface TrialOptions {
  configPath: string;
  env: NodeJS.ProcessEnv;
  allowApply: boolean;
  host?: string;
  port?: number;
  playgroundPort?: number;
  /** The SQLite file the trial keeps its previews and runs in (default ./data/kb4sync-trial.db). */
  store?: string;
}

export interface RunningTrial {
  app: App;
  service: Service;
  playground: Playground | null;
  /** Who the Playground signs in as: the first admin of the configuration. */
  admin: { aadObjectId: string; name: string };
  stop(): Promise<void>;
}

export class TrialRefused extends Error {
  override name = 'TrialRefused';
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

export async function startTrial(options: TrialOptions): Promise<RunningTrial> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new TrialRefused(`local trial: the bot answers without authentication, so it listens on loopback only (127.0.0.1 or ::1), not on ${host}. Unset HOST, or run \`kb4sync serve\` with a registered bot.`);
  }
  const config = readConfigFile(options.configPath);
  const first = config.admins[0];
  if (!first) throw new TrialRefused(`local trial: ${options.configPath} lists no admins; the Playground signs in as the first entry of "admins"`);
  const admin = { aadObjectId: first.aadObjectId, name: first.name ?? 'kb4sync admin' };
  // Never a production store: DATABASE_URL and the service's own SQLite path are not the trial's.
  const { DATABASE_URL: _db, ...rest } = options.env;
  const env = { ...rest, KB4SYNC_SQLITE_PATH: options.store ?? TRIAL_DEFAULT_STORE };
  const { app, service } = await startService({
    configPath: options.configPath,
    env,
    host,
    port: options.port ?? 3978,
    sandbox: true,
    schedule: false,
    ...(options.allowApply ? {} : { settings: { appliesOff: APPLIES_OFF_MESSAGE } }),
  });
  let playground: Playground | null = null;
  try {
    if (playgroundInstalled()) {
      const [given = admin.name, ...rest2] = admin.name.split(' ');
      playground = await startPlayground({
        botEndpoint: `${service.url}/api/messages`,
        port: options.playgroundPort ?? 56150,
        user: { id: 'trial-admin', givenName: given, surname: rest2.join(' ') || 'Admin', aadObjectId: admin.aadObjectId, email: 'admin@trial.local' },
        tenantId: config.allowedTenants[0] ?? config.companies[0]?.m365.tenantId ?? '00000000-0000-0000-0000-000000000000',
      });
    }
  } catch (err) {
    await service.stop();
    await app.close();
    throw err;
  }
  return {
    app,
    service,
    playground,
    admin,
    async stop() {
      await playground?.stop();
      await service.stop();
      await app.close();
    },
  };
}
