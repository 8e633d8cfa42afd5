/** The demo sandbox as `kb4sync sandbox` wires it: every demo company reads through the real adapter. */
import { parseConfig, resolveSecrets, type CompanyConfig } from '../../src/config';
import { fetchSource, graphScope, mappedGraphFields, RequestCounter } from '../../src/m365';
import { demoEnv, demoM365Config, startDemoGraphSandbox, type DemoGraphSandbox } from '../../src/sandbox/graph';
import { DEFAULT_MAPPING } from '../../src/sync/attributes';

let demo: DemoGraphSandbox;
beforeAll(async () => {
  demo = await startDemoGraphSandbox();
});
afterAll(async () => demo.sandbox.stop());

test('each demo company is read through a config and env like a real one', async () => {
  const config = parseConfig({
    companies: demo.companies.map((c) => ({ id: c.spec.id, name: c.spec.name, m365: demoM365Config(c, demo.sandbox), knowbe4: { scimUrl: 'https://kb4.invalid/scim/v2', scimTokenEnv: 'SCIM' } })),
  });
  const secrets = resolveSecrets(config, { ...demoEnv(demo.companies), SCIM: 'x' });
  for (const [i, company] of config.companies.entries()) {
    const counter = new RequestCounter();
    const snap = await fetchSource(company, secrets.get(company.id)?.graph ?? { kind: 'managedIdentity' }, {
      mappedFields: mappedGraphFields(DEFAULT_MAPPING),
      trustedCa: demo.sandbox.ca,
      counter,
    });
    expect(snap.users).toHaveLength(demo.companies[i]?.graph.users.length ?? -1);
    expect(counter.identity).toBe(2);
  }
});

test('the token scope follows the cloud, not the graphUrl override', () => {
  const base = { id: 'c', name: 'C', knowbe4: { scimUrl: 'https://kb4.invalid/scim/v2', scimTokenEnv: 'S' } };
  const m365 = { tenantId: '3f7a1c2e-5b8d-4e6f-9a0b-1c2d3e4f5a61', clientId: '9e1d2c3b-4a5f-4e6d-8c7b-0a1b2c3d4e01', clientSecretEnv: 'X' };
  const scope = (extra: object) => graphScope(parseConfig({ companies: [{ ...base, m365: { ...m365, ...extra } }] }).companies[0] as CompanyConfig);
  expect(scope({})).toBe('https://graph.microsoft.com/.default');
  expect(scope({ cloud: 'usgovhigh' })).toBe('https://graph.microsoft.us/.default');
  expect(scope({ cloud: 'dod', graphUrl: 'http://127.0.0.1:1' })).toBe('https://dod-graph.microsoft.us/.default');
  expect(scope({ cloud: 'china' })).toBe('https://microsoftgraph.chinacloudapi.cn/.default');
});
