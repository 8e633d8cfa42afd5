/**
 * Wiring: from kb4sync.yaml and the environment to a running set of parts (store, connectors,
 * run service). The CLI, the server and the tests all build their world here.
 */
import { ConfigError, configPath, environmentFor, readConfigFile, resolveCompanySecrets, type CompanyConfig, type CompanySecrets, type Config } from '../config';
import { Kb4ReportingClient, Kb4ScimClient } from '../knowbe4';
import { createLogger, type Logger } from '../observability';
import type { Metrics } from '../observability';
import type { Connectors, ReportingReader, SourceReader, TargetClient } from '../runs';
import { RunService, type RunSettings } from '../runs';
import { setOutboundConcurrency } from '../shared';
import { ConversationStore } from '../store';
import { DEFAULT_SQLITE_PATH, openDatabase, type OpenedDatabase, type StoreLocation } from '../store';
import { KyselyAuditStore, KyselyDeltaLinkStore, KyselyHoldStore, KyselyOverviewStore, KyselyRunStore } from '../store';


/** Builds a company's source; `onStatus` sees each Graph response status (for /metrics). */
export type SourceFactory = (company: CompanyConfig, credential: CompanySecrets['graph'], onStatus?: (status: number | null) => void) => SourceReader;
export type TargetFactory = (company: CompanyConfig, secrets: CompanySecrets) => TargetClient;

export interface AppOptions {
  config?: Config;
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  source: SourceFactory;
  target?: TargetFactory;
  settings?: Partial<RunSettings>;
  clock?: () => Date;
  metrics?: Metrics;
  /** Where the store is, instead of DATABASE_URL / KB4SYNC_SQLITE_PATH (tests: a schema of their own). */
  database?: StoreLocation;
}

export interface App {
  config: Config;
  /** The environment the app runs with (process env plus the config's envFile). */
  env: NodeJS.ProcessEnv;
  database: OpenedDatabase;
  store: KyselyRunStore;
  /** The weekly audits (seat trends, downloads, the digest's seats). */
  audits: KyselyAuditStore;
  /** Every company at once (the digest, `companies`). */
  overview: KyselyOverviewStore;
  /** Standing holds (kb4sync holds/hold/unhold; honoured by every preview). */
  holds: KyselyHoldStore;
  conversations: ConversationStore;
  connectors: Connectors;
  service: RunService;
  log: Logger;
  /** The file the configuration came from (what a reload reads). */
  configPath: string;
  /**
   * Takes a new, validated configuration in place: every part holding `config` sees it at once,
   * secrets are read again, and KnowBe4 clients of changed or removed companies are rebuilt.
   */
  update(next: Config): void;
  /** A company's secrets, or the error naming the variables it still waits for. */
  secretsOf(companyId: string): CompanySecrets | ConfigError | undefined;
  close(): Promise<void>;
}

export async function openApp(options: AppOptions): Promise<App> {
  const baseEnv = options.env ?? process.env;
  const log = options.log ?? createLogger();
  const file = options.configPath ?? configPath(baseEnv);
  const config = options.config ?? readConfigFile(file);
  let env = environmentFor(config, file, baseEnv);
  let secrets = resolveCompanySecrets(config, env);
  const incomplete = [...secrets.values()].filter((s): s is ConfigError => s instanceof ConfigError);
  // Every company without its secrets: fail as before. Some: they wait, the others run.
  if (incomplete.length === config.companies.length) throw new ConfigError('environment', [...new Set(incomplete.flatMap((e) => e.problems))]);
  for (const e of incomplete) log.warn({ problems: e.problems }, 'a company waits for its secrets; its runs fail until they are set');
  const database = await openDatabase({
    ...(options.database ?? { databaseUrl: env.DATABASE_URL || null, sqlitePath: env.KB4SYNC_SQLITE_PATH || DEFAULT_SQLITE_PATH }),
    onConnectionError: (err) => log.warn({ err: err.message }, 'PostgreSQL dropped an idle connection; the pool reconnects on the next query'),
  });
  const store = new KyselyRunStore(database.db);
  const companyOf = (id: string) => {
    const company = config.companies.find((c) => c.id === id);
    if (!company) throw new Error(`unknown company ${id}`);
    const found = secrets.get(id);
    if (found instanceof ConfigError || found === undefined) throw found ?? new Error(`no secrets for ${id}`);
    return { company, secrets: found };
  };
  const metrics = options.metrics;
  const targetFactory: TargetFactory =
    options.target ??
    ((company, s) =>
      Kb4ScimClient.forCompany(company, s.scimToken, {
        onAttempt: (e) => metrics?.apiRequests.inc({ service: 'knowbe4', status: e.status === null ? 'network' : String(e.status) }),
      }));
  // One client per company, so its rate limiter covers every run of that account in this process.
  const targets = new Map<string, TargetClient>();
  const connectors: Connectors = {
    source: (id) => {
      const { company, secrets: s } = companyOf(id);
      return options.source(company, s.graph, (status) => metrics?.apiRequests.inc({ service: 'graph', status: status === null ? 'network' : String(status) }));
    },
    target: (id) => {
      let client = targets.get(id);
      if (!client) {
        const { company, secrets: s } = companyOf(id);
        targets.set(id, (client = targetFactory(company, s)));
      }
      return client;
    },
    reporting: (id) => {
      const { company, secrets: s } = companyOf(id);
      return s.reportingToken === null ? null : reportingReader(Kb4ReportingClient.forCompany(company, s.reportingToken));
    },
  };
  const settings: Partial<RunSettings> = {
    shutdownGraceMs: config.service.shutdownGraceSeconds * 1000,
    resumeWithinMs: config.service.resumeWithinMinutes * 60_000,
    unconfirmedAlertMs: config.service.unconfirmedWritesAlertMinutes * 60_000,
    ...options.settings,
  };
  const audits = new KyselyAuditStore(database.db);
  const holds = new KyselyHoldStore(database.db);
  // The instance's requests in flight, whoever makes them (scheduled runs, previews, `sync user`).
  setOutboundConcurrency(config.service.concurrency);
  const service = new RunService({ config, store, connectors, log, settings, clock: options.clock, metrics, audits, holds, deltaLinks: new KyselyDeltaLinkStore(database.db) });
  log.debug({ store: database.description }, 'store opened');
  const app: App = {
    config,
    env,
    database,
    store,
    audits,
    overview: new KyselyOverviewStore(database.db),
    holds,
    conversations: new ConversationStore(database.db),
    connectors,
    service,
    log,
    configPath: file,
    secretsOf: (id) => secrets.get(id),
    update(next) {
      env = environmentFor(next, file, baseEnv);
      secrets = resolveCompanySecrets(next, env);
      const before = new Map(config.companies.map((c) => [c.id, JSON.stringify(c)]));
      for (const key of Object.keys(config) as (keyof Config)[]) if (!(key in next)) delete config[key];
      Object.assign(config, next);
      for (const [id, was] of before) if (JSON.stringify(config.companies.find((c) => c.id === id)) !== was) targets.delete(id);
      app.env = env;
      setOutboundConcurrency(config.service.concurrency);
    },
    close: () => database.db.destroy(),
  };
  return app;
}

/** The audit reads active users only: archived ones hold no seat and train nobody. */
function reportingReader(client: Kb4ReportingClient): ReportingReader {
  return {
    users: async () =>
      (await client.listUsers('active')).map((u) => ({ email: u.email, provisioningManaged: u.provisioningManaged, lastSignIn: u.lastSignIn, phishPronePercentage: u.phishPronePercentage })),
  };
}
