/**
 * A sandbox Microsoft 365 tenant as data: users as Graph returns them (plus the sandbox's own
 * bookkeeping), groups with nesting, subscribed SKUs; and the one query every reader of it needs.
 */

export const SKUS = {
  SPE_E3: '05e9a617-0261-4cee-bb44-138d3ef5d965',
  O365_BUSINESS_PREMIUM: 'f245ecc8-75af-4f8e-b61f-27d8114de5f3',
  ENTERPRISEPACK: '6fd2c87f-b296-42f0-b197-1e91e994b900',
  POWER_BI_STANDARD: 'a403ebcc-fae0-4ca2-8c8c-7a907fd6c235',
  FLOW_FREE: 'f30db892-07e9-47e9-837c-80727f46fd3d',
} as const;
export type SkuPartNumber = keyof typeof SKUS;

/** Why a user exists in the tenant; the sandbox's own bookkeeping, never served by Graph. */
export type UserKind = 'member' | 'disabled' | 'unlicensed' | 'guest' | 'shared' | 'service';

/** A user as the sandbox stores it: Graph v1.0 property names, plus `managerId` and `kind`. */
export interface GraphUserRecord {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  userPrincipalName: string;
  mailNickname: string;
  proxyAddresses: string[];
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  jobTitle: string | null;
  department: string | null;
  employeeId: string | null;
  employeeType: string | null;
  companyName: string | null;
  officeLocation: string | null;
  city: string | null;
  country: string | null;
  usageLocation: string | null;
  preferredLanguage: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  onPremisesSamAccountName: string | null;
  onPremisesSecurityIdentifier: string | null;
  lastPasswordChangeDateTime: string | null;
  createdDateTime: string;
  managerId: string | null;
  kind: UserKind;
}

export interface GraphGroupRecord {
  id: string;
  displayName: string;
  description: string;
  /** Direct members: user ids and group ids (nesting), as Graph's `members`. */
  memberIds: string[];
}

export interface SubscribedSkuRecord {
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: 'Enabled';
  consumedUnits: number;
  prepaidUnits: { enabled: number; suspended: number; warning: number };
}

export interface GraphTenant {
  tenantId: string;
  displayName: string;
  domain: string;
  users: GraphUserRecord[];
  groups: GraphGroupRecord[];
  subscribedSkus: SubscribedSkuRecord[];
}

/** Transitive user members of a group (nested groups flattened, cycles tolerated). */
export function transitiveUserIds(tenant: Pick<GraphTenant, 'groups' | 'users'>, groupId: string, groupIndex?: ReadonlyMap<string, GraphGroupRecord>): string[] {
  const index = groupIndex ?? new Map(tenant.groups.map((g) => [g.id, g]));
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    const g = index.get(id);
    if (!g || seen.has(id)) return;
    seen.add(id);
    for (const m of g.memberIds) {
      if (index.has(m)) visit(m);
      else if (!seen.has(m)) {
        seen.add(m);
        out.push(m);
      }
    }
  };
  visit(groupId);
  return out;
}
