/**
 * One company over both sandboxes, for the `sync user` tests: the Graph sandbox hosting a
 * generated tenant, a KnowBe4 sandbox, a real store, and a run service with the real connectors
 * (the Graph reader, and a SCIM client that never waits between retries).
 */
import { parseConfig, Secret, type CompanyConfig } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { GraphSource } from '../../src/m365/graphSource';
import { createLogger } from '../../src/observability/log';
import { RunService, type RunDeps } from '../../src/runs';
import { startGraphSandbox, type GraphSandbox } from '../../src/sandbox/graph';
import { startKnowbe4Sandbox, type Knowbe4Sandbox, type Knowbe4SandboxOptions } from '../../src/sandbox/knowbe4';
import type { GraphTenant } from '../../src/sandbox/tenants';
import { KyselyRunStore } from '../../src/store/runStore';
import { CLIENT_ID, SECRET, secretOf } from './graphSandbox';
import { testDatabases } from './stores';
import { limiter } from '../../src/shared';

export interface BothSandboxesSpec {
  tenant: GraphTenant;
  company: { id: string; name: string };
  adminId: string;
  scimToken: string;
  /** How the KnowBe4 sandbox starts (its users, its visibility delay). */
  kb4?: Omit<Knowbe4SandboxOptions, 'scimToken'>;
  settings?: RunDeps['settings'];
}

export interface BothSandboxes {
  readonly graph: GraphSandbox;
  readonly kb4: Knowbe4Sandbox;
  readonly store: KyselyRunStore;
  /** A run service for the company, over both sandboxes and the store. */
  service(): RunService;
}

/**
 * Starts both sandboxes and the store (SQLite) before the tests of the block this is called in,
 * and stops them after; the parts are there from the first test on.
 */
export function bothSandboxes(spec: BothSandboxesSpec): BothSandboxes {
  const database = testDatabases()[0] as ReturnType<typeof testDatabases>[number];
  let parts: { graph: GraphSandbox; kb4: Knowbe4Sandbox; store: KyselyRunStore } | null = null;
  const started = () => {
    if (!parts) throw new Error('bothSandboxes: used before its beforeAll ran');
    return parts;
  };
  beforeAll(async () => {
    const graph = await startGraphSandbox({ tenants: [{ tenant: spec.tenant, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] }] });
    const kb4 = await startKnowbe4Sandbox({ scimToken: spec.scimToken, ...spec.kb4 });
    parts = { graph, kb4, store: new KyselyRunStore((await database.open()).db) };
  });
  afterAll(async () => {
    await database.cleanup();
    await parts?.graph.stop();
    await parts?.kb4.stop();
  });
  return {
    get graph() {
      return started().graph;
    },
    get kb4() {
      return started().kb4;
    },
    get store() {
      return started().store;
    },
    service: () => serviceOver(started(), spec),
  };
}

function serviceOver({ graph, kb4, store }: { graph: GraphSandbox; kb4: Knowbe4Sandbox; store: KyselyRunStore }, spec: BothSandboxesSpec): RunService {
  const config = parseConfig({
    admins: [{ aadObjectId: spec.adminId }],
    companies: [
      {
        ...spec.company,
        m365: { tenantId: spec.tenant.tenantId, clientId: CLIENT_ID, clientSecretEnv: 'UNUSED', graphUrl: graph.url, authorityHost: graph.authorityHost },
        knowbe4: { scimUrl: kb4.url, scimTokenEnv: 'UNUSED', requestsPerSecond: 200, maxConcurrency: 4 },
      },
    ],
  });
  const company = config.companies[0] as CompanyConfig;
  return new RunService({
    config,
    store,
    log: createLogger({ level: 'silent' }),
    ...(spec.settings ? { settings: spec.settings } : {}),
    connectors: {
      source: () => new GraphSource(company, secretOf(), { trustedCa: graph.ca }),
      target: () => Kb4ScimClient.forCompany(company, new Secret(spec.scimToken), { limiter: limiter({ concurrency: 4 }), sleep: async () => undefined }),
    },
  });
}
