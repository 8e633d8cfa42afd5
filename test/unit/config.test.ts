import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { companyRules, ConfigError, environmentFor, parseConfig, readConfigFile, resolveSecrets, runsAtOnce, Secret } from '../../src/config';
import { scimBaseUrl } from '../../src/knowbe4';
import { graphEndpoints } from '../../src/m365';

const FIXTURE = join(__dirname, '..', 'fixtures', 'kb4sync.yaml');
const GUID = 'aaaaaaaa-0000-4000-8000-000000000001';

function company(overrides: Record<string, unknown> = {}) {
  return {
    id: 'acme',
    name: 'Acme Corp',
    m365: { tenantId: GUID, clientId: GUID, clientSecretEnv: 'ACME_SECRET' },
    knowbe4: { scimUrl: 'https://training.knowbe4.com/scim/v2/t1', scimTokenEnv: 'ACME_SCIM' },
    ...overrides,
  };
}

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  test('the example file loads, with defaults filled in', () => {
    const config = readConfigFile(FIXTURE);
    const acme = config.companies[0]!;
    expect(acme.knowbe4).toMatchObject({ region: 'us', requestsPerSecond: 10, pageSize: 100 });
    expect(acme.guard).toEqual({ maxArchive: 10, maxArchivePercent: 10, maxSourceShrinkPercent: 30 });
    expect(acme.schedule).toEqual({ cron: '0 2 * * *', timezone: 'America/New_York', autoApply: false, lightRunMinutes: 5 });
    expect(scimBaseUrl(acme)).toBe('https://training.knowbe4.com/scim/v2/acme-tenant');
    expect(graphEndpoints(acme)).toEqual({ graph: 'https://graph.microsoft.com', login: 'https://login.microsoftonline.com' });
  });

  test('runs under way at once default to two per place in the outbound gate; a setting wins; zero is refused', () => {
    expect(runsAtOnce(parseConfig({ companies: [company()] }).service)).toBe(32);
    expect(runsAtOnce(parseConfig({ service: { concurrency: 8 }, companies: [company()] }).service)).toBe(16);
    expect(runsAtOnce(parseConfig({ service: { concurrency: 8, runsAtOnce: 5 }, companies: [company()] }).service)).toBe(5);
    expect(problems({ service: { runsAtOnce: 0 }, companies: [company()] }).join('\n')).toContain('service.runsAtOnce');
  });

  test('the mapping merges defaults with the company’s own; null removes a default', () => {
    const config = parseConfig({ companies: [company({ attributes: { customField1: 'employeeId', title: null } })] });
    const rules = companyRules(config.companies[0]!);
    expect(rules.mapping).toEqual({ givenName: 'givenName', familyName: 'surname', department: 'department', employeeNumber: 'employeeId', customField1: 'employeeId' });
  });

  test('clouds set the Graph and sign-in hosts; overrides win', () => {
    const gcch = parseConfig({ companies: [company({ m365: { tenantId: GUID, clientId: GUID, clientSecretEnv: 'X', cloud: 'usgovhigh' } })] });
    expect(graphEndpoints(gcch.companies[0]!)).toEqual({ graph: 'https://graph.microsoft.us', login: 'https://login.microsoftonline.us' });
    const china = parseConfig({ companies: [company({ m365: { tenantId: GUID, clientId: GUID, managedIdentity: true, cloud: 'china', graphUrl: 'http://127.0.0.1:1/' } })] });
    expect(graphEndpoints(china.companies[0]!)).toEqual({ graph: 'http://127.0.0.1:1/', login: 'https://login.chinacloudapi.cn' });
  });

  test('plain http is accepted on loopback only (the sandbox, tests)', () => {
    for (const scimUrl of ['http://127.0.0.1:8080/v2', 'http://localhost/v2', 'http://[::1]:9/v2', 'https://us.api.knowbe4.com/v2']) {
      expect(parseConfig({ companies: [company({ knowbe4: { scimUrl, scimTokenEnv: 'X' } })] }).companies[0]?.knowbe4.scimUrl).toBe(scimUrl);
    }
  });

  test.each([
    ['a bad GUID', { companies: [company({ m365: { tenantId: 'acme', clientId: GUID, clientSecretEnv: 'X' } })] }, 'companies[acme].m365.tenantId: expected a GUID'],
    ['no credential', { companies: [company({ m365: { tenantId: GUID, clientId: GUID } })] }, 'companies[acme].m365: expected exactly one credential'],
    ['two credentials', { companies: [company({ m365: { tenantId: GUID, clientId: GUID, clientSecretEnv: 'A', managedIdentity: true } })] }, 'companies[acme].m365: expected exactly one credential'],
    ['a secret value where an env var name belongs', { companies: [company({ knowbe4: { scimUrl: 'https://training.knowbe4.com/scim/v2/t1', scimTokenEnv: 'eyJhbGciOi.xyz-123' } })] }, 'companies[acme].knowbe4.scimTokenEnv: expected the NAME of an environment variable'],
    ['an unknown key', { companies: [company({ removeStaleUser: true })] }, 'companies[acme]: unknown key `removeStaleUser`: did you mean `removeStaleUsers`?'],
    ['an unknown region', { companies: [company({ knowbe4: { region: 'au', scimUrl: 'https://training.knowbe4.com/scim/v2/t1', scimTokenEnv: 'X' } })] }, 'companies[acme].knowbe4.region:'],
    ['no scimUrl (KnowBe4 documents no per-region SCIM host)', { companies: [company({ knowbe4: { region: 'us', scimTokenEnv: 'X' } })] }, 'companies[acme].knowbe4.scimUrl: missing: copy the Tenant URL from KnowBe4 console > Account Settings > User Management > User Provisioning'],
    ['a scimUrl that is not a URL', { companies: [company({ knowbe4: { scimUrl: 'training.knowbe4.com', scimTokenEnv: 'X' } })] }, 'companies[acme].knowbe4.scimUrl: expected an http(s) URL'],
    ['an http authorityHost', { companies: [company({ m365: { tenantId: GUID, clientId: GUID, clientSecretEnv: 'X', authorityHost: 'http://127.0.0.1:1' } })] }, 'companies[acme].m365.authorityHost: expected an https URL'],
    ['an http scimUrl off loopback', { companies: [company({ knowbe4: { scimUrl: 'http://scim.knowbe4.example/v2', scimTokenEnv: 'X' } })] }, 'companies[acme].knowbe4.scimUrl: expected an https URL (plain http is accepted only on loopback'],
    ['an http graphUrl off loopback', { companies: [company({ m365: { tenantId: GUID, clientId: GUID, clientSecretEnv: 'X', graphUrl: 'http://10.0.0.5/' } })] }, 'companies[acme].m365.graphUrl: expected an https URL'],
    ['an http reportingUrl off loopback', { companies: [company({ knowbe4: { scimTokenEnv: 'X', reportingUrl: 'http://reporting.example/' } })] }, 'companies[acme].knowbe4.reportingUrl: expected an https URL'],
    ['an http webhook off loopback', { companies: [company()], notifications: { webhooks: [{ url: 'http://hooks.example/kb4', secretEnv: 'HOOK' }] } }, 'notifications.webhooks[0].url: expected an https URL'],
    ['a bad time zone', { companies: [company({ schedule: { cron: '0 2 * * *', timezone: 'Mars/Olympus' } })] }, 'companies[acme].schedule.timezone: expected an IANA time zone'],
    ['a bad cron', { companies: [company({ schedule: { cron: 'every night' } })] }, 'companies[acme].schedule.cron: expected a cron expression'],
    ['an unknown KnowBe4 attribute', { companies: [company({ attributes: { shoeSize: 'department' } })] }, 'companies[acme].attributes.shoeSize: unknown KnowBe4 attribute'],
    ['an unknown Graph field', { companies: [company({ attributes: { customField1: 'shoeSize' } })] }, 'companies[acme].attributes.customField1:'],
    ['a negative guard', { companies: [company({ guard: { maxArchive: -1 } })] }, 'companies[acme].guard.maxArchive:'],
    ['duplicate company ids', { companies: [company(), company({ name: 'Other' })] }, 'companies[1].id: duplicate of companies[0]'],
    ['duplicate company names', { companies: [company(), company({ id: 'acme2', name: 'ACME CORP' })] }, 'companies[acme2].name: duplicate of companies[acme]'],
    ['no companies', { companies: [] }, 'companies: expected at least one company'],
    ['a bad admin id', { admins: [{ aadObjectId: 'bob' }], companies: [company()] }, 'admins[0].aadObjectId: expected a GUID'],
  ])('%s is refused with the field named', (_name, raw, expected) => {
    expect(problems(raw).join('\n')).toContain(expected);
  });

  test('a YAML syntax error is reported with its position', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb4sync-config-'));
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'companies:\n  - id: acme\n    name: [unclosed\n');
    expect(() => readConfigFile(path)).toThrow(/YAML, line \d+/);
  });

  test.each([
    ['a key indented one space too far', 'companies:\n  - id: acme\n     name: Acme Corp\n    removeStaleUsers: true\n'],
    ['a key indented one space too little', 'companies:\n  - id: acme\n    name: Acme Corp\n   removeStaleUsers: true\n'],
    ['a tab', 'companies:\n  - id: acme\n\tname: Acme Corp\n'],
  ])('%s is one error, naming the line and the fix', (_name, yaml) => {
    const dir = mkdtempSync(join(tmpdir(), 'kb4sync-config-'));
    const path = join(dir, 'kb4sync.yaml');
    writeFileSync(path, yaml);
    let problems: string[] = [];
    try {
      readConfigFile(path);
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^YAML, line \d \(".*"\): .*check the indentation of this line and the next/);
  });

  test('a missing file points to the sandbox and npm start, and to the sandbox file when it is there', () => {
    expect(() => readConfigFile('/nonexistent/kb4sync.yaml')).toThrow('/nonexistent/kb4sync.yaml: file not found. To try kb4sync without a configuration, `npm start` runs the sandbox demo');
    const dir = mkdtempSync(join(tmpdir(), 'kb4sync-config-'));
    writeFileSync(join(dir, 'kb4sync.sandbox.yaml'), 'companies: []\n');
    expect(() => readConfigFile(join(dir, 'kb4sync.yaml'))).toThrow('kb4sync.sandbox.yaml is here: add --config kb4sync.sandbox.yaml');
  });

  test('errors read like help: the company by id, "missing", and the closest key for a misspelt one', () => {
    const broken = {
      admin: [],
      companies: [
        company({ m365: { clientId: GUID, clientSecretEnv: 'X' }, removeStaleUser: true }),
        company({ id: 'globex', name: 'Globex', guard: { maxArchiv: 3 }, schedule: { cron: '0 2 * * *', timeZone: 'UTC' } }),
      ],
    };
    expect(problems(broken)).toEqual([
      'companies[acme].m365.tenantId: missing: Entra tenant id (directory id) of the company',
      'companies[acme]: unknown key `removeStaleUser`: did you mean `removeStaleUsers`?',
      'companies[globex].guard: unknown key `maxArchiv`: did you mean `maxArchive`?',
      'companies[globex].schedule: unknown key `timeZone`: did you mean `timezone`?',
      '(top level): unknown key `admin`: did you mean `admins`?',
    ]);
    // A key like no other is listed with what the block takes.
    expect(problems({ companies: [company({ guard: { banana: 1 } })] })).toEqual(['companies[acme].guard: unknown key `banana` (known here: maxArchive, maxArchivePercent, maxSourceShrinkPercent)']);
    // A missing field says what it is (its description in the schema), else just "missing".
    expect(problems({ companies: [{ ...company(), id: undefined }] })[0]).toMatch(/^companies\[0\]\.id: missing: Short id used in commands/);
    expect(problems({})).toEqual(['companies: missing']);
    // Without a usable id, the company is named by its position.
    expect(problems({ companies: [company({ id: 'Acme Corp!' })] })[0]).toMatch(/^companies\[0\]\.id: /);
  });

  test.each(['99 2 * * *', '0 25 * * *', '0 2 * * 9', '0 2 32 * *'])('the cron %j, which croner refuses, is refused when the file loads', (cron) => {
    expect(problems({ companies: [company({ schedule: { cron } })] })).toEqual([expect.stringMatching(/^companies\[acme\]\.schedule\.cron: expected a cron expression with 5 or 6 fields, e\.g\. "0 2 \* \* \*" \(.+\)$/)]);
  });

  test.each(['0 2 * * *', '30 1 * * 1-5', '0 0 2 * * *', '*/15 * * * *'])('the cron %j loads', (cron) => {
    expect(parseConfig({ companies: [company({ schedule: { cron } })] }).companies[0]?.schedule?.cron).toBe(cron);
  });

  test('envFile fills in secrets underneath the real environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb4sync-env-'));
    writeFileSync(join(dir, 'sandbox.env'), 'ACME_SECRET=from-file\nACME_SCIM=file-token\n');
    const config = parseConfig({ envFile: 'sandbox.env', companies: [company({ knowbe4: { scimUrl: 'https://training.knowbe4.com/scim/v2/t1', scimTokenEnv: 'ACME_SCIM' } })] });
    const env = environmentFor(config, join(dir, 'kb4sync.yaml'), { ACME_SCIM: 'real-token' });
    expect(env.ACME_SECRET).toBe('from-file');
    expect(env.ACME_SCIM).toBe('real-token');
    const missing = parseConfig({ envFile: 'nope.env', companies: [company()] });
    expect(() => environmentFor(missing, join(dir, 'kb4sync.yaml'), {})).toThrow(/envFile: cannot read .*nope\.env \(ENOENT\)/);
  });

  describe('secrets', () => {
    const config = parseConfig({ companies: [company({ knowbe4: { scimUrl: 'https://training.knowbe4.com/scim/v2/t1', scimTokenEnv: 'ACME_SCIM', reportingTokenEnv: 'ACME_API' } })] });

    test('a missing environment variable is an error naming the field and the variable', () => {
      expect(() => resolveSecrets(config, { ACME_SECRET: 's3cret' })).toThrow(
        /companies\[acme\]\.knowbe4\.scimTokenEnv: environment variable ACME_SCIM is not set[\s\S]*companies\[acme\]\.knowbe4\.reportingTokenEnv: environment variable ACME_API is not set/,
      );
    });

    test('secrets resolve and never print', () => {
      const secrets = resolveSecrets(config, { ACME_SECRET: 'graph-s3cret', ACME_SCIM: 'scim-t0ken', ACME_API: 'api-t0ken' }).get('acme')!;
      expect(secrets.scimToken.reveal()).toBe('scim-t0ken');
      const printed = [JSON.stringify(secrets), inspect(secrets, { depth: 5 }), `${secrets.scimToken}`, String(secrets.reportingToken)].join('\n');
      expect(printed).not.toMatch(/s3cret|t0ken/);
      expect(printed).toContain('[redacted]');
      expect(new Secret('x').toString()).toBe('[redacted]');
    });
  });
});

describe('defaults.m365: one multi-tenant app for every company', () => {
  const APP = 'bbbbbbbb-0000-4000-8000-000000000009';
  const shared = { m365: { clientId: APP, clientSecretEnv: 'MSP_GRAPH_SECRET', cloud: 'usgovhigh' } };
  const tenantOnly = (id: string, tenantId: string) => ({ id, name: id.toUpperCase(), m365: { tenantId }, knowbe4: { scimUrl: 'https://training.knowbe4.com/scim/v2/t1', scimTokenEnv: `${id.toUpperCase()}_SCIM` } });

  test('a company that names only its tenant inherits the app, its credential and its cloud', () => {
    const config = parseConfig({ defaults: shared, companies: [tenantOnly('acme', GUID)] });
    expect(config.companies[0]!.m365).toEqual({ tenantId: GUID, clientId: APP, clientSecretEnv: 'MSP_GRAPH_SECRET', cloud: 'usgovhigh' });
    expect(graphEndpoints(config.companies[0]!).login).toBe('https://login.microsoftonline.us');
  });

  test('a company with its own app keeps its own credential and never mixes in the shared one', () => {
    const own = { ...company(), m365: { tenantId: GUID, clientId: GUID, certificatePathEnv: 'ACME_CERT', cloud: 'public' } };
    const config = parseConfig({ defaults: shared, companies: [own] });
    expect(config.companies[0]!.m365).toEqual({ tenantId: GUID, clientId: GUID, certificatePathEnv: 'ACME_CERT', cloud: 'public' });
  });

  test('without defaults a tenant-only company is refused, naming the field and where else it may go', () => {
    expect(problems({ companies: [tenantOnly('acme', GUID)] })).toEqual([
      'companies[acme].m365.clientId: missing (set it here, or once for every company in defaults.m365.clientId)',
    ]);
  });

  test('defaults without a credential leave the company without one: the error says where to put it', () => {
    expect(problems({ defaults: { m365: { clientId: APP } }, companies: [tenantOnly('acme', GUID)] })).toEqual([
      'companies[acme].m365: expected exactly one credential: clientSecretEnv, certificatePathEnv or managedIdentity: true (here, or once in defaults.m365)',
    ]);
  });

  test('bad defaults are named as defaults', () => {
    expect(problems({ defaults: { m365: { ...shared.m365, tenantId: GUID } }, companies: [tenantOnly('acme', GUID)] })).toEqual([
      'defaults.m365: unknown key `tenantId` (known here: clientId, clientSecretEnv, certificatePathEnv, managedIdentity, cloud, graphUrl, authorityHost, caFile, consentRedirectUri)',
    ]);
    expect(problems({ defaults: { m365: { clientId: 'not-a-guid' } }, companies: [tenantOnly('acme', GUID)] })).toEqual([
      'defaults.m365.clientId: expected a GUID like 00000000-0000-0000-0000-000000000000',
    ]);
  });

  test('a shared secret that is not set is reported once, under defaults', () => {
    const config = parseConfig({ defaults: shared, companies: [tenantOnly('acme', GUID), tenantOnly('globex', 'aaaaaaaa-0000-4000-8000-000000000002')] });
    expect(() => resolveSecrets(config, { ACME_SCIM: 'x', GLOBEX_SCIM: 'y' })).toThrow(
      new ConfigError('environment', ['defaults.m365.clientSecretEnv: environment variable MSP_GRAPH_SECRET is not set']),
    );
  });
});
