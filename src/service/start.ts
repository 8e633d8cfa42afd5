/**
 * Starting the service: from a configuration file (the sandbox's or a real one), or the whole demo
 * (sandbox servers, the bot in sandbox mode and the Agents Playground).
 */
import { join } from 'node:path';
import { GraphSource } from '../m365';
import { createLogger, createMetrics, type Logger } from '../observability';
import { SANDBOX_ADMIN, SANDBOX_TENANT, startSandbox, playgroundInstalled, startPlayground, type Sandbox, type SandboxOptions, type Playground, type PlaygroundUser } from '../sandbox';
import { auditCsv, diffCsv, diffJson, matchCompany, parseCommand, views } from '../teams';
import { openApp, type App, type AppOptions, type SourceFactory } from './app';
import type { Download } from './httpServer';
import { serve, type Service } from './serve';

/** The production source: Microsoft Graph, reading what the company's rules need. */
export const graphSource: SourceFactory = (company, credential, onStatus) => new GraphSource(company, credential, {}, onStatus);

async function download(app: App, planId: string, format: 'csv' | 'json'): Promise<Download | null> {
  if (planId.startsWith('audit-')) return auditDownload(app, planId.slice('audit-'.length), format);
  const stored = await app.store.getPlan(planId);
  // A link shows what is about to happen: once the plan is applied, cancelled, failed or expired,
  // it is no longer anything an admin should act on, whatever the link's own expiry says.
  if (!stored || !(stored.status === 'pending' || stored.status === 'applying') || stored.expiresAt.getTime() <= Date.now()) return null;
  const name = `kb4sync-${stored.companyId}-${planId.slice(0, 8)}`;
  return format === 'csv'
    ? { contentType: 'text/csv; charset=utf-8', filename: `${name}.csv`, body: diffCsv(stored.plan) }
    : { contentType: 'application/json', filename: `${name}.json`, body: diffJson(stored.plan, { planId, digest: stored.digest }) };
}

/** A stored audit's rows (the link's signature and expiry were checked by the server). */
async function auditDownload(app: App, auditId: string, format: 'csv' | 'json'): Promise<Download | null> {
  const stored = await app.audits.getAudit(auditId);
  if (!stored) return null;
  const name = `kb4sync-audit-${stored.companyId}-${stored.at.toISOString().slice(0, 10)}`;
  return format === 'csv'
    ? { contentType: 'text/csv; charset=utf-8', filename: `${name}.csv`, body: auditCsv(stored.audit) }
    : { contentType: 'application/json', filename: `${name}.json`, body: JSON.stringify(stored.audit, null, 2) };
}

export interface RunningService {
  service: Service;
  app: App;
  sandbox: Sandbox | null;
  playground: Playground | null;
  /** Where the demo's logs go when they are kept off the terminal. */
  logFile?: string;
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

export type StartChoice = { kind: 'service'; configPath: string } | { kind: 'demo' } | { kind: 'refuse'; reason: string };

/**
 * What `npm start` runs: the service when its configuration file exists, the sandbox demo when
 * nothing says this is a production machine, and neither (with the reason) when something does.
 */
export function chooseStart(env: NodeJS.ProcessEnv, exists: (path: string) => boolean): StartChoice {
  const named = env.KB4SYNC_CONFIG?.trim() ? env.KB4SYNC_CONFIG.trim() : null;
  const path = named ?? './kb4sync.yaml';
  if (exists(path)) return { kind: 'service', configPath: path };
  if (named) return { kind: 'refuse', reason: `KB4SYNC_CONFIG names ${named}, which does not exist. Not starting the sandbox demo in its place: fix the path (or unset KB4SYNC_CONFIG to try the demo).` };
  if (env.DATABASE_URL) {
    return { kind: 'refuse', reason: 'DATABASE_URL is set but there is no ./kb4sync.yaml. Not starting the sandbox demo next to a production store: set KB4SYNC_CONFIG to the configuration file (or unset DATABASE_URL to try the demo).' };
  }
  return { kind: 'demo' };
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
  /** Logs to kb4sync.log in the sandbox directory instead of stderr (npm start: the terminal shows the banner only). */
  logToFile?: boolean;
}): Promise<RunningService> {
  const sandbox = await startSandbox({ reset: options.reset ?? false, ...options.sandbox });
  const logFile = options.logToFile ? join(sandbox.dir, 'kb4sync.log') : undefined;
  const log = logFile ? createLogger({ file: logFile, level: options.env.LOG_LEVEL ?? 'info' }) : undefined;
  // The demo's store is always its own file: a DATABASE_URL or KB4SYNC_SQLITE_PATH in the
  // environment names a production store, whose interrupted plans the demo would otherwise resume.
  const { DATABASE_URL: _url, KB4SYNC_SQLITE_PATH: _path, ...rest } = options.env;
  const env = { ...rest, KB4SYNC_SQLITE_PATH: `${sandbox.dir}/kb4sync.db`, MicrosoftAppId: '' };
  let running: { app: App; service: Service } | null = null;
  let playground: Playground | null = null;
  try {
    running = await startService({ configPath: sandbox.configPath, env, host: '127.0.0.1', port: options.port ?? 3978, sandbox: true, schedule: false, ...(log ? { log } : {}) });
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
    ...(logFile ? { logFile } : {}),
    async stop() {
      await playground?.stop();
      await service.stop();
      await app.close();
      await sandbox.stop();
    },
  };
}

