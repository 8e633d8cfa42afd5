/**
 * One company over both sandboxes, for the `sync user` tests: the Graph sandbox hosting a
 * generated tenant, a KnowBe4 sandbox, a real store, and a run service with the real connectors
 * (the Graph reader, and a SCIM client that never waits between retries).
 */
import Bottleneck from 'bottleneck';
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
import type { TestDatabase } from './stores';

export interface BothSandboxes {
  graph: GraphSandbox;
  kb4: Knowbe4Sandbox;
  store: KyselyRunStore;
  /** Stops both sandboxes and drops the database. */
  stop(): Promise<void>;
}

/** Starts the Graph sandbox with `tenant` (and the test app), a KnowBe4 sandbox taking `scimToken`, and opens the store. */
export async function startBothSandboxes(tenant: GraphTenant, scimToken: string, kb4: Omit<Knowbe4SandboxOptions, 'scimToken'>, database: TestDatabase): Promise<BothSandboxes> {
  const graph = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] }] });
  const knowbe4 = await startKnowbe4Sandbox({ scimToken, ...kb4 });
  const store = new KyselyRunStore((await database.open()).db);
  return {
    graph,
    kb4: knowbe4,
    store,
    stop: async () => {
      await database.cleanup();
      await graph.stop();
      await knowbe4.stop();
    },
  };
}

export interface BothSandboxesCompany {
  id: string;
  name: string;
  adminId: string;
  scimToken: string;
  settings?: RunDeps['settings'];
}

/** The run service of one company whose tenant is `tenantId` in `sandboxes.graph`, with one admin. */
export function bothSandboxesService(sandboxes: Pick<BothSandboxes, 'graph' | 'kb4' | 'store'>, tenantId: string, spec: BothSandboxesCompany): RunService {
  const { graph, kb4, store } = sandboxes;
  const config = parseConfig({
    admins: [{ aadObjectId: spec.adminId }],
    companies: [
      {
        id: spec.id,
        name: spec.name,
        m365: { tenantId, clientId: CLIENT_ID, clientSecretEnv: 'UNUSED', graphUrl: graph.url, authorityHost: graph.authorityHost },
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
      target: () => Kb4ScimClient.forCompany(company, new Secret(spec.scimToken), { limiter: new Bottleneck({ maxConcurrent: 4 }), sleep: async () => undefined }),
    },
  });
}
