/** Starting the Graph sandbox and building a company config that points at it. */
import { parseConfig, Secret, type CompanyConfig, type CompanySecrets } from '../../src/config';
import type { FetchSourceOptions } from '../../src/m365';
import { DEFAULT_MAPPING } from '../../src/sync/attributes';
import { mappedGraphFields } from '../../src/m365';
import type { GraphSandbox } from '../../src/sandbox/graph';

export const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
export const SECRET = 'sandbox-secret-Value~123';

export function companyFor(
  sb: GraphSandbox,
  tenantId: string,
  extra: { scopeGroups?: string[]; mirror?: { id: string; name: string }[]; licenses?: string[]; syncManagers?: boolean; graphUrl?: string; certificate?: boolean } = {},
): CompanyConfig {
  const m365 = {
    tenantId,
    clientId: CLIENT_ID,
    ...(extra.certificate ? { certificatePathEnv: 'GRAPH_CERT' } : { clientSecretEnv: 'GRAPH_SECRET' }),
    graphUrl: extra.graphUrl ?? sb.url,
    authorityHost: sb.authorityHost,
  };
  const config = parseConfig({
    companies: [
      {
        id: 'test',
        name: 'Test Co',
        m365,
        knowbe4: { scimUrl: 'https://kb4.invalid/scim/v2', scimTokenEnv: 'SCIM_TOKEN' },
        scope: { groups: extra.scopeGroups ?? [], licenses: extra.licenses ?? [] },
        groups: { mirror: extra.mirror ?? [] },
        ...(extra.syncManagers === undefined ? {} : { syncManagers: extra.syncManagers }),
      },
    ],
  });
  return config.companies[0] as CompanyConfig;
}

export const secretOf = (value = SECRET): CompanySecrets['graph'] => ({ kind: 'secret', clientSecret: new Secret(value) });

/** Options with a fake sleep that records the waits instead of waiting. */
export function fastOptions(sb: GraphSandbox, extra: Partial<FetchSourceOptions> = {}): FetchSourceOptions & { waits: number[] } {
  const waits: number[] = [];
  return {
    mappedFields: mappedGraphFields(DEFAULT_MAPPING),
    trustedCa: sb.ca,
    retry: { maxRetries: 3, baseDelayMs: 10, sleep: async (ms) => void waits.push(ms) },
    ...extra,
    waits,
  };
}
