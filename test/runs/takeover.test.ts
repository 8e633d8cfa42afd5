/**
 * Taking over from the Entra gallery app and KnowBe4's ADI tool: accounts seeded exactly as those
 * tools leave them (gallery: userName = UPN, externalId = mailNickname; ADI: no externalId) are
 * adopted, never duplicated: the first preview has 0 creates and N take-overs, the apply keeps
 * every record's id and relinks it to the Entra object id, and the next preview is empty.
 */
import { parseConfig } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { graphSelectFields, sourceFromGraphSnapshot } from '../../src/m365/graphUser';
import { createLogger } from '../../src/observability';
import { RunService, type Actor } from '../../src/runs';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import { Secret } from '../../src/shared';
import { KyselyRunStore } from '../../src/store';
import { FixtureSource } from '../helpers/fixtureSource';
import { testDatabases } from '../helpers/stores';
import { limiter } from '../../src/shared';

const TOKEN = 'scim-token-takeover';
const ADMIN: Actor = { id: '6f1c2a3b-1111-4a5b-9c8d-0123456789ab', name: 'Ann Admin', tenantId: null, via: 'cli' };
const E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const graphUser = (n: number, upn: string, mail: string, mailNickname: string, extra: Record<string, unknown> = {}) => ({
  id: `7a1e0000-0000-4000-8000-00000000000${n}`,
  displayName: `Person ${n}`,
  givenName: `Given${n}`,
  surname: `Family${n}`,
  userPrincipalName: upn,
  mail,
  mailNickname,
  proxyAddresses: [`SMTP:${mail}`],
  jobTitle: 'Analyst',
  department: 'Finance',
  accountEnabled: true,
  userType: 'Member',
  assignedLicenses: [{ skuId: E3 }],
  ...extra,
});

const graph = {
  subscribedSkus: [{ skuId: E3, skuPartNumber: 'SPE_E3' }],
  users: [
    graphUser(1, 'ada@acme.com', 'ada@acme.com', 'ada'),
    // UPN and mail differ: the gallery app used the UPN as userName.
    graphUser(2, 'bob.smith@acme.com', 'bob@acme.com', 'bsmith'),
    // The UPN changed after the gallery app provisioned her: only its externalId (mailNickname) still links.
    graphUser(3, 'cy@acme.com', 'cy@acme.com', 'cy'),
    // ADI: no externalId at all, userName = the address.
    graphUser(4, 'dee@acme.com', 'dee@acme.com', 'dee'),
    // A directory tool linked the on-premises account name.
    graphUser(5, 'eve@acme.com', 'eve@acme.com', 'eve', { onPremisesSamAccountName: 'EVE01' }),
  ],
  groups: [],
};

/** KnowBe4 records as the gallery app (userName = UPN, externalId = mailNickname) and ADI leave them. */
const seeded = [
  { id: '501', userName: 'ada@acme.com', externalId: 'ada', active: true, name: { familyName: 'Family1', givenName: 'Given1' }, emails: [{ primary: true, type: 'work', value: 'ada@acme.com' }], title: 'Analyst', [ENT]: { department: 'Finance' } },
  { id: '502', userName: 'bob.smith@acme.com', externalId: 'bsmith', active: true, name: { familyName: 'Family2', givenName: 'Given2' }, emails: [{ primary: true, type: 'work', value: 'bob@acme.com' }], title: 'Analyst', [ENT]: { department: 'Finance' } },
  { id: '503', userName: 'cy.former@acme.com', externalId: 'cy', active: true, name: { familyName: 'Family3', givenName: 'Given3' }, emails: [{ primary: true, type: 'work', value: 'cy.former@acme.com' }], title: 'Analyst', [ENT]: { department: 'Finance' } },
  { id: '504', userName: 'dee@acme.com', active: true, name: { familyName: 'Family4', givenName: 'Given4' }, title: 'Analyst', [ENT]: { department: 'Finance' } },
  { id: '505', userName: 'eve.old@acme.com', externalId: 'eve01', active: true, name: { familyName: 'Family5', givenName: 'Given5' }, title: 'Analyst', [ENT]: { department: 'Finance' } },
];

let sandbox: Knowbe4Sandbox;
const database = testDatabases()[0]!;
let store: KyselyRunStore;
afterAll(() => database.cleanup());
beforeEach(async () => {
  store = new KyselyRunStore((await database.openFresh()).db);
  sandbox = await startKnowbe4Sandbox({ scimToken: TOKEN, users: structuredClone(seeded) });
});
afterEach(() => sandbox.stop());

function service(): RunService {
  const config = parseConfig({
    admins: [{ aadObjectId: ADMIN.id }],
    companies: [
      {
        id: 'acme',
        name: 'Acme Corp',
        m365: { tenantId: 'aaaaaaaa-0000-4000-8000-000000000001', clientId: 'bbbbbbbb-0000-4000-8000-000000000001', clientSecretEnv: 'UNUSED' },
        knowbe4: { scimUrl: sandbox.url, scimTokenEnv: 'ACME_KB4_SCIM_TOKEN', requestsPerSecond: 200 },
        // The gallery app's default mapping sends the UPN as userName: keep it as the login.
        emailSource: 'upn',
        removeStaleUsers: true,
      },
    ],
  });
  const company = config.companies[0]!;
  const source = new FixtureSource(sourceFromGraphSnapshot(graph));
  return new RunService({
    config,
    store,
    log: createLogger({ level: 'silent' }),
    connectors: {
      source: () => source,
      target: () => Kb4ScimClient.forCompany(company, new Secret(TOKEN), { limiter: limiter({ concurrency: 4 }), sleep: async () => undefined }),
    },
  });
}

test('the Graph source reads the fields a take-over matches by', () => {
  expect(graphSelectFields([])).toEqual(expect.arrayContaining(['mailNickname', 'onPremisesSamAccountName']));
  expect(sourceFromGraphSnapshot(graph).users[4]?.fields).toMatchObject({ mailNickname: 'eve', onPremisesSamAccountName: 'EVE01' });
});

test('gallery-app and ADI accounts: first preview has 0 creates and 5 take-overs; apply keeps every id and relinks; then nothing to do', async () => {
  const runs = service();
  const preview = await runs.preview('acme', ADMIN);
  expect(preview.plan.operations.filter((op) => op.kind === 'create' || op.kind === 'archive')).toEqual([]);
  expect(preview.plan.conflicts).toEqual([]);
  expect(preview.report.taken_over.map((t) => [t.knowbe4_id, t.email, t.found_by, t.previous_external_id])).toEqual([
    ['501', 'ada@acme.com', 'address', 'ada'],
    ['502', 'bob.smith@acme.com', 'address', 'bsmith'],
    ['503', 'cy.former@acme.com', 'formerLink', 'cy'],
    ['504', 'dee@acme.com', 'address', null],
    ['505', 'eve.old@acme.com', 'formerLink', 'eve01'],
  ]);

  const result = await runs.apply(preview.planId, ADMIN, { digest: preview.digest });
  expect(result.status).toBe('succeeded');
  expect(sandbox.controls.requests({ method: 'POST', pathPrefix: '/Users' })).toEqual([]);
  const after = sandbox.controls.users().map((u) => [u.id, u.userName, u.externalId, u.active]);
  expect(after).toEqual(graph.users.map((g, i) => [seeded[i]!.id, g.userPrincipalName, g.id, true]));

  const again = await runs.preview('acme', ADMIN);
  expect(again.plan.operations).toEqual([]);
  expect(again.report.taken_over).toEqual([]);
});
