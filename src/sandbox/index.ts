/**
 * The built-in sandbox: loopback Microsoft Graph and KnowBe4 servers holding the demo companies
 * (Acme Corp, Globex, Initech), and a ready kb4sync.sandbox.yaml pointing at them. KnowBe4's
 * state is saved under data/sandbox/ so a demo apply is still there after a restart; `--reset`
 * starts over.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { demoEnv, demoM365Config, startDemoGraphSandbox, type GraphSandbox } from './graph';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from './knowbe4';
import type { SeedGroup, SeedUser } from './knowbe4/account';
import type { DemoCompany } from './tenants';

export const SANDBOX_PORTS = { knowbe4: 18080, graph: 18081, authority: 18082 } as const;

/** The playground's signed-in demo user, listed as the sandbox's admin. */
export const SANDBOX_ADMIN = { id: 'user-admin', givenName: 'Alex', surname: 'Wilber', aadObjectId: '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a51', email: 'alexw@msp.example' } as const;
/** A second demo identity that is not an admin (its Apply is refused). */
export const SANDBOX_VIEWER = { id: 'user-viewer', givenName: 'Megan', surname: 'Bowen', aadObjectId: '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a52', email: 'meganb@msp.example' } as const;
export const SANDBOX_TENANT = '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a00';

export interface SandboxOptions {
  /** Where state and the generated files go (default ./data/sandbox). */
  dir?: string;
  /** Where kb4sync.sandbox.yaml is written (default ./kb4sync.sandbox.yaml). */
  configPath?: string;
  reset?: boolean;
  /** 0 for ephemeral ports (tests); the defaults are fixed so the written config stays valid. */
  ports?: { knowbe4: number; graph: number; authority: number };
  /** Other secrets than the demo's (tests that look for leaks want distinctive ones). */
  secrets?: { graph?: (companyId: string) => string; scim?: (companyId: string) => string; reporting?: (companyId: string) => string };
}

export interface Sandbox {
  configPath: string;
  dir: string;
  graph: GraphSandbox;
  knowbe4: Knowbe4Sandbox;
  companies: DemoCompany[];
  /** The KnowBe4 SCIM base URL of one demo company. */
  scimUrl(companyId: string): string;
  /** Saves KnowBe4's state now (also done after every write and on stop). */
  save(): void;
  stop(): Promise<void>;
}

const snapshotSchema = z.record(z.string(), z.object({ users: z.array(z.looseObject({ userName: z.string() })), groups: z.array(z.looseObject({ displayName: z.string() })) }));

/** Set (to 1) by the sandbox's env file: this configuration is the loopback demo. */
export const SANDBOX_MARKER = 'KB4SYNC_SANDBOX';

const demoScimToken = (id: string) => `sandbox-${id}-scim-token`;
const scimTokenEnv = (id: string) => `KB4SYNC_SANDBOX_${id.toUpperCase()}_SCIM_TOKEN`;
const demoReportingToken = (id: string) => `sandbox-${id}-reporting-token`;
const reportingTokenEnv = (id: string) => `KB4SYNC_SANDBOX_${id.toUpperCase()}_REPORTING_TOKEN`;
/**
 * Contracted seats for the demo's audit and `companies over-seats`: Globex is over its contract
 * (five fewer seats than active users), the others have a tenth spare.
 */
function demoSeats(id: string, users: readonly { active?: boolean }[]): number {
  const active = users.filter((u) => u.active !== false).length;
  return id === 'globex' ? Math.max(0, active - 5) : Math.ceil(active * 1.1);
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const dir = resolve(options.dir ?? join('data', 'sandbox'));
  const configPath = resolve(options.configPath ?? 'kb4sync.sandbox.yaml');
  if (options.reset) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ports = options.ports ?? SANDBOX_PORTS;
  const scimToken = options.secrets?.scim ?? demoScimToken;
  const reportingToken = options.secrets?.reporting ?? demoReportingToken;

  const inUse = (err: unknown): never => {
    const e = err as NodeJS.ErrnoException & { port?: number };
    if (e.code === 'EADDRINUSE') {
      throw new Error(`port ${e.port ?? ''} is already in use: is another kb4sync sandbox (or npm start) running? Stop it first.`);
    }
    throw err;
  };
  const { sandbox: graph, companies } = await startDemoGraphSandbox({ port: ports.graph, authorityPort: ports.authority, ...(options.secrets?.graph ? { clientSecret: options.secrets.graph } : {}) }).catch(inUse);
  const stateFile = join(dir, 'knowbe4.json');
  const saved = existsSync(stateFile) ? snapshotSchema.safeParse(JSON.parse(readFileSync(stateFile, 'utf8'))) : null;
  const knowbe4 = await startKnowbe4Sandbox({
    port: ports.knowbe4,
    accounts: companies.map((c) => {
      const state = saved?.success ? saved.data[c.spec.id] : undefined;
      return {
        id: c.spec.id,
        name: c.spec.name,
        scimToken: scimToken(c.spec.id),
        reportingToken: reportingToken(c.spec.id),
        users: (state?.users ?? c.knowbe4.users) as SeedUser[],
        groups: (state?.groups ?? c.knowbe4.groups) as SeedGroup[],
      };
    }),
  }).catch(async (err: unknown) => {
    await graph.stop();
    return inUse(err);
  });

  const save = () => {
    const snapshot: Record<string, { users: unknown[]; groups: unknown[] }> = {};
    for (const c of companies) {
      const account = knowbe4.account(c.spec.id);
      snapshot[c.spec.id] = { users: account.controls.users(), groups: account.controls.groups() };
    }
    writeFileSync(stateFile, JSON.stringify(snapshot));
  };
  if (!saved?.success) save();
  // Persist after writes: cheap for demo sizes, and a Ctrl-C never loses an apply.
  let lastWrites = -1;
  const timer = setInterval(() => {
    const writes = companies.reduce((n, c) => n + knowbe4.account(c.spec.id).controls.requestCount({ method: 'POST' }) + knowbe4.account(c.spec.id).controls.requestCount({ method: 'PATCH' }), 0);
    if (writes !== lastWrites) {
      lastWrites = writes;
      save();
    }
  }, 1000);
  timer.unref();

  const caFile = join(dir, 'sandbox-ca.pem');
  writeFileSync(caFile, graph.ca);
  const envFile = join(dir, 'sandbox.env');
  const env = {
    ...demoEnv(companies),
    ...Object.fromEntries(companies.map((c) => [scimTokenEnv(c.spec.id), scimToken(c.spec.id)])),
    ...Object.fromEntries(companies.map((c) => [reportingTokenEnv(c.spec.id), reportingToken(c.spec.id)])),
    // The demo's store (npm start keeps its runs there), so the CLI on this configuration shows
    // what the bot applied; a KB4SYNC_SQLITE_PATH or DATABASE_URL already set still wins.
    KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'),
    // Tells `doctor` the bot runs without an Azure Bot registration here.
    [SANDBOX_MARKER]: '1',
  };
  writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');

  const config = {
    envFile,
    admins: [{ aadObjectId: SANDBOX_ADMIN.aadObjectId, name: `${SANDBOX_ADMIN.givenName} ${SANDBOX_ADMIN.surname} (sandbox)` }],
    companies: companies.map((c) => ({
      id: c.spec.id,
      name: c.spec.name,
      m365: { ...demoM365Config(c, graph), caFile },
      knowbe4: {
        scimUrl: knowbe4.account(c.spec.id).url,
        scimTokenEnv: scimTokenEnv(c.spec.id),
        requestsPerSecond: 200,
        maxConcurrency: 8,
        reportingTokenEnv: reportingTokenEnv(c.spec.id),
        reportingUrl: knowbe4.account(c.spec.id).reportingUrl,
        seats: demoSeats(c.spec.id, c.knowbe4.users),
      },
      scope: { licenses: c.spec.settings.scope.licenses },
      groups: c.spec.settings.groups,
      removeStaleUsers: c.spec.settings.removeStaleUsers,
      // Initech applies by itself each night (small, guard never trips); the others ask first.
      schedule: { cron: '0 2 * * *', timezone: 'UTC', autoApply: c.spec.id === 'initech' },
    })),
  };
  writeFileSync(configPath, `# Written by kb4sync's sandbox: demo companies on loopback. Safe to delete.\n${stringify(config)}`);

  return {
    configPath,
    dir,
    graph,
    knowbe4,
    companies,
    scimUrl: (id) => knowbe4.account(id).url,
    save,
    async stop() {
      clearInterval(timer);
      save();
      await Promise.all([graph.stop(), knowbe4.stop()]);
    },
  };
}

export { playgroundInstalled, startPlayground, type Playground, type PlaygroundUser } from './playground';
