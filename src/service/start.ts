/**
 * Starting the service: from a configuration file (the sandbox's or a real one), or the whole demo
 * (sandbox servers, the bot in sandbox mode and the Agents Playground).
 */
import { GraphSource } from '../m365';
import { createLogger, createMetrics, type Logger } from '../observability';
import { SANDBOX_ADMIN, SANDBOX_TENANT, startSandbox, playgroundInstalled, startPlayground, type Sandbox, type SandboxOptions, type Playground, type PlaygroundUser } from '../sandbox';
import { diffCsv, diffJson, matchCompany, parseCommand, views } from '../teams';
import { openApp, type App, type AppOptions, type SourceFactory } from './app';
import type { Download } from './httpServer';
import { serve, type Service } from './serve';

/** The production source: Microsoft Graph, reading what the company's rules need. */
export const graphSource: SourceFactory = (company, credential, onStatus) => new GraphSource(company, credential, {}, onStatus);

async function download(app: App, planId: string, format: 'csv' | 'json'): Promise<Download | null> {
  const stored = await app.store.getPlan(planId);
  if (!stored) return null;
  const name = `kb4sync-${stored.companyId}-${planId.slice(0, 8)}`;
  return format === 'csv'
    ? { contentType: 'text/csv; charset=utf-8', filename: `${name}.csv`, body: diffCsv(stored.plan) }
    : { contentType: 'application/json', filename: `${name}.json`, body: diffJson(stored.plan, { planId, digest: stored.digest }) };
}

export interface RunningService {
  service: Service;
  app: App;
  sandbox: Sandbox | null;
  playground: Playground | null;
  stop(): Promise<void>;
}

/** Starts the service from a configuration file (the sandbox's or a real one). */
export async function startService(options: {
  configPath: string;
  env: NodeJS.ProcessEnv;
  host: string;
  port: number;
  sandbox: boolean;
  schedule?: boolean;
  /** Where the logs go (default: JSON on stderr at LOG_LEVEL); tests read them back. */
  log?: Logger;
  /** Run settings over the defaults (the local trial turns applies off here). */
  settings?: AppOptions['settings'];
}): Promise<{ app: App; service: Service }> {
  const log = options.log ?? createLogger();
  const metrics = createMetrics();
  const app = await openApp({ configPath: options.configPath, env: options.env, log, metrics, source: graphSource, ...(options.settings ? { settings: options.settings } : {}) });
  try {
    const service = await serve({
      app,
      env: app.env,
      host: options.host,
      port: options.port,
      views,
      parse: parseCommand,
      findCompany: (query, companies) => matchCompany(query, companies),
      download,
      sandbox: options.sandbox,
      schedule: options.schedule,
      metrics,
    });
    return { app, service };
  } catch (err) {
    await app.close();
    throw err;
  }
}

/** The demo: sandbox servers, the bot in sandbox mode on 127.0.0.1:3978, and the Agents Playground. */
export async function startDemo(options: {
  env: NodeJS.ProcessEnv;
  reset?: boolean;
  port?: number;
  playgroundPort?: number;
  withPlayground?: boolean;
  sandbox?: SandboxOptions;
  user?: PlaygroundUser;
}): Promise<RunningService> {
  const sandbox = await startSandbox({ reset: options.reset ?? false, ...options.sandbox });
  const env = { ...options.env, KB4SYNC_SQLITE_PATH: options.env.KB4SYNC_SQLITE_PATH ?? `${sandbox.dir}/kb4sync.db`, MicrosoftAppId: '' };
  let running: { app: App; service: Service } | null = null;
  let playground: Playground | null = null;
  try {
    running = await startService({ configPath: sandbox.configPath, env, host: '127.0.0.1', port: options.port ?? 3978, sandbox: true, schedule: false });
    if (options.withPlayground !== false && playgroundInstalled()) {
      playground = await startPlayground({
        botEndpoint: `${running.service.url}/api/messages`,
        port: options.playgroundPort ?? 56150,
        user: options.user ?? SANDBOX_ADMIN,
        tenantId: SANDBOX_TENANT,
        cwd: sandbox.dir,
      });
    }
  } catch (err) {
    await running?.service.stop();
    await running?.app.close();
    await sandbox.stop();
    throw err;
  }
  const { app, service } = running;
  return {
    service,
    app,
    sandbox,
    playground,
    async stop() {
      await playground?.stop();
      await service.stop();
      await app.close();
      await sandbox.stop();
    },
  };
}

