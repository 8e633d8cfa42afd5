/**
 * The MSP night's world: N generated companies of 50 to 2,000 members (most small, as an MSP's
 * book is: sizes 50·40^(u^2.3) over evenly spread u, about 300 on average, so 500 companies hold
 * about 150,000 people), each with its own Graph tenant and its own KnowBe4 account, KnowBe4 as
 * last night's run left it plus a night's drift (about 2 % of members: 0.5 % new hires, 1 % new
 * titles, 0.5 % moved department, so a group move each).
 */
import { createHash } from 'node:crypto';
import type { SeedGroup, SeedUser } from '../src/sandbox/knowbe4/account';
import { generateKnowbe4Side, generateTenant, largeTenantSpec, seedOf, type GraphTenant } from '../src/sandbox/tenants';

export const DEPARTMENTS = { Sales: 'Sales Team', Engineering: 'Engineering Team', Finance: 'Finance Team' };
export const DEFAULT_GROUP = 'All Staff';
export const CLIENT_ID = '5a0b8c7d-6e9f-4a1b-8c3d-4e5f6a7b8c93';
export const CLIENT_SECRET = 'msp-bench-secret';

export interface MspCompany {
  id: string;
  members: number;
  tenantId: string;
  scimToken: string;
}

export interface MspWorld {
  companies: MspCompany[];
  tenants: GraphTenant[];
  accounts: { id: string; scimToken: string; users: SeedUser[]; groups: SeedGroup[] }[];
}

const guidOf = (text: string): string => {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Sizes from 50 to 2,000, the same for the same count; shuffled so size does not follow the id. */
export function companySizes(count: number): number[] {
  const sizes = Array.from({ length: count }, (_, i) => Math.round(50 * 40 ** (((i + 0.5) / count) ** 2.3)));
  if (count > 1) sizes[count - 1] = 2000;
  const key = (i: number) => createHash('sha256').update(`size-${i}`).digest().readUInt32BE(0);
  return sizes.map((s, i) => ({ s, k: key(i) })).sort((a, b) => a.k - b.k).map((x) => x.s);
}

export function buildWorld(count: number): MspWorld {
  const companies: MspCompany[] = [];
  const tenants: GraphTenant[] = [];
  const accounts: MspWorld['accounts'] = [];
  companySizes(count).forEach((members, i) => {
    const id = `msp-${String(i).padStart(3, '0')}`;
    const tenantId = guidOf(`tenant-${id}`);
    const tenant = generateTenant({ ...largeTenantSpec(seedOf(id), `Company ${i}`, `${id}.example`, members), tenantId });
    const hires = Math.max(1, Math.round(members * 0.005));
    const side = generateKnowbe4Side(tenant, {
      seed: seedOf(`${id}-kb4`),
      matched: members - hires,
      drift: { titles: Math.max(1, Math.round(members * 0.01)), departments: Math.round(members * 0.005) },
      stale: 0,
      departmentGroups: DEPARTMENTS,
      defaultGroup: DEFAULT_GROUP,
    });
    const scimToken = `scim-${id}`;
    companies.push({ id, members, tenantId, scimToken });
    tenants.push(tenant);
    accounts.push({ id, scimToken, users: side.users as unknown as SeedUser[], groups: side.groups as unknown as SeedGroup[] });
  });
  return { companies, tenants, accounts };
}
