/**
 * The sandbox's named demo companies. Each is a Graph tenant, its KnowBe4 side and the company
 * settings (the kb4sync.yaml fragment) that make its preview tell a story:
 * - Acme Corp: the MSP seed's example (≈150 in scope, ≈142 in KnowBe4, 12 to create, 4 stale);
 * - Globex: large, with so many stale KnowBe4 accounts that an archive plan trips the guard;
 * - Initech: small, with conflicts (two users sharing an address, one with no usable address).
 */
import { generateTenant, largeTenantSpec, type GraphTenant, type TenantSpec } from './graphTenant';
import { generateKnowbe4Side, type Knowbe4Side, type Knowbe4SideSpec } from './knowbe4Side';
import { seedOf } from './prng';

export interface DemoCompanySpec {
  id: string;
  name: string;
  /** Fixed so configs and tokens stay valid across restarts. */
  tenantId: string;
  clientId: string;
  /** Sandbox-only client secret (never a real one); the sandbox token endpoint checks it. */
  sandboxClientSecret: string;
  tenant: TenantSpec;
  knowbe4: Knowbe4SideSpec;
  /** Company settings for kb4sync.yaml (scope, groups, stale handling). */
  settings: {
    scope: { licenses: string[] };
    groups: { default?: string; departments: Record<string, string> };
    removeStaleUsers: boolean;
  };
}

export interface DemoCompany {
  spec: DemoCompanySpec;
  graph: GraphTenant;
  knowbe4: Knowbe4Side;
}

const LICENSES = ['SPE_E3', 'O365_BUSINESS_PREMIUM', 'ENTERPRISEPACK'];
const DEPT_GROUPS: Record<string, string> = {
  Sales: 'Sales Team',
  Engineering: 'Engineering Team',
  Marketing: 'Marketing Team',
  Finance: 'Finance Team',
  'Human Resources': 'HR Team',
  IT: 'IT Team',
  Operations: 'Operations Team',
};

export const DEMO_COMPANY_SPECS: readonly DemoCompanySpec[] = [
  {
    id: 'acme',
    name: 'Acme Corp',
    tenantId: '3f7a1c2e-5b8d-4e6f-9a0b-1c2d3e4f5a61',
    clientId: '9e1d2c3b-4a5f-4e6d-8c7b-0a1b2c3d4e01',
    sandboxClientSecret: 'sandbox-acme-client-secret',
    tenant: {
      seed: seedOf('acme'),
      displayName: 'Acme Corp',
      domain: 'acmecorp.com',
      tenantId: '3f7a1c2e-5b8d-4e6f-9a0b-1c2d3e4f5a61',
      members: 150,
      disabled: 6,
      unlicensed: 8,
      guests: 5,
      sharedMailboxes: 4,
      nullMail: 2,
    },
    knowbe4: {
      seed: seedOf('acme-kb4'),
      matched: 138,
      withoutExternalId: 2,
      renamedByAlias: 2,
      archivedMatched: 1,
      drift: { names: 3, departments: 8, titles: 12, managers: 5 },
      stale: 4,
      departmentGroups: DEPT_GROUPS,
      defaultGroup: 'All Employees',
      unmanagedGroups: ['Phish-prone (manual)'],
    },
    settings: { scope: { licenses: LICENSES }, groups: { default: 'All Employees', departments: DEPT_GROUPS }, removeStaleUsers: true },
  },
  {
    id: 'globex',
    name: 'Globex',
    tenantId: '7c4b2a19-0d3e-4f5a-8b6c-2d3e4f5a6b72',
    clientId: '9e1d2c3b-4a5f-4e6d-8c7b-0a1b2c3d4e02',
    sandboxClientSecret: 'sandbox-globex-client-secret',
    tenant: { ...largeTenantSpec(seedOf('globex'), 'Globex', 'globex.example', 2000), tenantId: '7c4b2a19-0d3e-4f5a-8b6c-2d3e4f5a6b72' },
    knowbe4: {
      seed: seedOf('globex-kb4'),
      matched: 1900,
      withoutExternalId: 100,
      drift: { names: 10, departments: 40, titles: 60, managers: 20 },
      // An acquisition's old accounts were loaded by CSV: archiving them all must be confirmed.
      stale: 350,
      archivedStale: 40,
      departmentGroups: DEPT_GROUPS,
      defaultGroup: 'All Employees',
    },
    settings: { scope: { licenses: LICENSES }, groups: { default: 'All Employees', departments: DEPT_GROUPS }, removeStaleUsers: true },
  },
  {
    id: 'initech',
    name: 'Initech',
    tenantId: 'b1e2d3c4-a5b6-4c7d-8e9f-0a1b2c3d4e83',
    clientId: '9e1d2c3b-4a5f-4e6d-8c7b-0a1b2c3d4e03',
    sandboxClientSecret: 'sandbox-initech-client-secret',
    tenant: {
      seed: seedOf('initech'),
      displayName: 'Initech',
      domain: 'initech.example',
      tenantId: 'b1e2d3c4-a5b6-4c7d-8e9f-0a1b2c3d4e83',
      members: 24,
      disabled: 2,
      unlicensed: 2,
      guests: 1,
      sharedMailboxes: 1,
      sharedAddressPairs: 1,
      noAddress: 1,
    },
    knowbe4: { seed: seedOf('initech-kb4'), matched: 20, drift: { titles: 2 }, stale: 1, defaultGroup: 'Initech Staff' },
    settings: { scope: { licenses: [] }, groups: { default: 'Initech Staff', departments: {} }, removeStaleUsers: false },
  },
];

export function buildDemoCompany(spec: DemoCompanySpec): DemoCompany {
  const graph = generateTenant(spec.tenant);
  return { spec, graph, knowbe4: generateKnowbe4Side(graph, spec.knowbe4) };
}

/** All demo companies, generated. Cheap (≈2,300 users in total). */
export function demoCompanies(): DemoCompany[] {
  return DEMO_COMPANY_SPECS.map(buildDemoCompany);
}
