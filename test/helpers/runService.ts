/**
 * A run service over one company (Acme) and a KnowBe4 sandbox, for the run tests: the
 * configuration they share, and the service wired to a fixture source, a real store and a SCIM
 * client that never waits between retries.
 */
import { parseConfig, Secret, type Config } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { createLogger } from '../../src/observability/log';
import { RunService, type RunDeps, type RunStore, type SourceReader } from '../../src/runs';
import { limiter } from '../../src/shared';

/** kb4sync.yaml with one admin and Acme over the KnowBe4 at `scimUrl`; `acme` adds or overrides its settings. */
export function acmeConfig(adminId: string, scimUrl: string, acme: { knowbe4?: Record<string, unknown>; [setting: string]: unknown } = {}): Config {
  const { knowbe4, ...settings } = acme;
  return parseConfig({
    admins: [{ aadObjectId: adminId }],
    companies: [
      {
        id: 'acme',
        name: 'Acme Corp',
        m365: { tenantId: 'aaaaaaaa-0000-4000-8000-000000000001', clientId: 'bbbbbbbb-0000-4000-8000-000000000001', clientSecretEnv: 'UNUSED' },
        knowbe4: { scimUrl, scimTokenEnv: 'UNUSED', ...knowbe4 },
        ...settings,
      },
    ],
  });
}

export interface AcmeServiceInput {
  config: Config;
  store: RunStore;
  clock: () => Date;
  source: () => SourceReader;
  scimToken: string;
  /** Requests the SCIM client runs at once. */
  parallel: number;
  retry?: { retries: number; baseDelayMs: number; maxDelayMs: number; maxRetryAfterMs: number };
  settings?: RunDeps['settings'];
}

export function acmeService(input: AcmeServiceInput): RunService {
  const company = input.config.companies[0]!;
  return new RunService({
    config: input.config,
    store: input.store,
    log: createLogger({ level: 'silent' }),
    clock: input.clock,
    ...(input.settings ? { settings: input.settings } : {}),
    connectors: {
      source: input.source,
      target: () =>
        Kb4ScimClient.forCompany(company, new Secret(input.scimToken), {
          limiter: limiter({ concurrency: input.parallel }),
          ...(input.retry ? { retry: input.retry } : {}),
          sleep: async () => undefined,
        }),
    },
  });
}
