/**
 * Seeded Microsoft 365 tenants for the sandbox: users as Graph returns them, subscribed SKUs and
 * groups (with nesting). Pure: plain data in, plain data out, same seed → same tenant.
 */
import { guidFrom, mulberry32, type Rng } from './prng';
import { DEPARTMENTS, OFFICES, randomDepartment, randomName } from './names';
import { SKUS, type GraphGroupRecord, type GraphTenant, type GraphUserRecord, type SkuPartNumber, type SubscribedSkuRecord, type UserKind } from './records';

export * from './records';

export interface TenantSpec {
  seed: number;
  displayName: string;
  /** Primary verified domain, e.g. acmecorp.com. */
  domain: string;
  tenantId?: string;
  /** Enabled, licensed members: the users a default company config syncs. */
  members: number;
  disabled?: number;
  unlicensed?: number;
  guests?: number;
  sharedMailboxes?: number;
  /** Members whose `mail` is null (UPN still usable). */
  nullMail?: number;
  /** Extra members that share one address with another member (pairs → conflicts). */
  sharedAddressPairs?: number;
  /** Extra members with no usable address at all. */
  noAddress?: number;
}

/** Default out-of-scope shares for a large tenant of `members` members. */
export function largeTenantSpec(seed: number, displayName: string, domain: string, members: number): TenantSpec {
  return {
    seed,
    displayName,
    domain,
    members,
    disabled: Math.round(members * 0.03),
    unlicensed: Math.round(members * 0.04),
    guests: Math.round(members * 0.02),
    sharedMailboxes: Math.max(1, Math.round(members * 0.005)),
    nullMail: Math.round(members * 0.01),
  };
}

const SHARED_MAILBOXES = ['info', 'support', 'billing', 'careers', 'noreply', 'reception', 'press', 'accounts', 'helpdesk', 'orders'];
const GUEST_DOMAINS = ['gmail.com', 'outlook.com', 'partner-consulting.com', 'contoso-legal.com', 'yahoo.co.jp'];
const SKU_MIX: readonly { part: SkuPartNumber; weight: number }[] = [
  { part: 'SPE_E3', weight: 60 },
  { part: 'O365_BUSINESS_PREMIUM', weight: 25 },
  { part: 'ENTERPRISEPACK', weight: 15 },
];
const BASE_DATE = Date.UTC(2024, 0, 1);

function pickSku(rng: Rng): string {
  let roll = rng.int(100);
  for (const s of SKU_MIX) {
    if (roll < s.weight) return SKUS[s.part];
    roll -= s.weight;
  }
  return SKUS.SPE_E3;
}

function isoDay(rng: Rng, spanDays: number): string {
  return new Date(BASE_DATE + rng.int(spanDays) * 86_400_000 + rng.int(86_400) * 1000).toISOString().replace('.000Z', 'Z');
}

class AddressBook {
  private readonly used = new Set<string>();
  /** Next suffix to try per base name: the name pool is small, so bases repeat thousands of times. */
  private readonly nextSuffix = new Map<string, number>();
  unique(local: string): string {
    let candidate = local;
    let n = this.nextSuffix.get(local) ?? 2;
    while (this.used.has(candidate)) candidate = `${local}${n++}`;
    this.nextSuffix.set(local, n);
    this.used.add(candidate);
    return candidate;
  }
}

/**
 * Generates a tenant. Members come first in `users` (managers before their reports), then the
 * out-of-scope users; ids are random-looking but fixed by the seed.
 */
export function generateTenant(spec: TenantSpec): GraphTenant {
  const rng = mulberry32(spec.seed);
  const tenantId = spec.tenantId ?? guidFrom(rng);
  const legacyDomain = spec.domain.replace(/\.[^.]+$/, '-legacy.com');
  const onMicrosoft = `${spec.domain.split('.')[0]}.onmicrosoft.com`;
  const book = new AddressBook();
  const users: GraphUserRecord[] = [];
  let employeeSeq = 10_000;

  const person = (kind: UserKind, dept: (typeof DEPARTMENTS)[number] | null): GraphUserRecord => {
    const name = randomName(rng);
    const local = book.unique(name.localPart);
    const office = rng.pick(OFFICES);
    const mail = `${local}@${spec.domain}`;
    // About one in ten accounts predate the naming standard: UPN is initial+surname, mail differs.
    const upnLocal = rng.chance(0.1) ? book.unique(`${local.charAt(0)}${local.split('.').pop() ?? local}`) : local;
    const proxies = [`SMTP:${mail}`];
    if (rng.chance(0.3)) proxies.push(`smtp:${local}@${legacyDomain}`);
    if (upnLocal !== local) proxies.push(`smtp:${upnLocal}@${spec.domain}`);
    proxies.push(`smtp:${local}@${onMicrosoft}`);
    if (rng.chance(0.05)) proxies.push(`SIP:${mail}`);
    const licenses = [{ skuId: pickSku(rng), disabledPlans: [] as string[] }];
    if (rng.chance(0.1)) licenses.push({ skuId: SKUS.POWER_BI_STANDARD, disabledPlans: [] });
    const hybrid = rng.chance(0.6);
    return {
      id: guidFrom(rng),
      displayName: `${name.givenName} ${name.surname}`,
      givenName: name.givenName,
      surname: name.surname,
      mail,
      userPrincipalName: `${upnLocal}@${spec.domain}`,
      mailNickname: local,
      proxyAddresses: proxies,
      accountEnabled: true,
      userType: 'Member',
      assignedLicenses: licenses,
      jobTitle: dept ? rng.pick(dept.titles) : null,
      department: dept ? dept.name : null,
      employeeId: String(employeeSeq++),
      employeeType: rng.chance(0.9) ? 'Employee' : 'Contractor',
      companyName: spec.displayName,
      officeLocation: office.office,
      city: office.office,
      country: office.country,
      usageLocation: office.usage,
      preferredLanguage: office.lang,
      mobilePhone: rng.chance(0.5) ? `+1 555 ${String(1000 + rng.int(9000))}` : null,
      businessPhones: rng.chance(0.7) ? [`+1 555 01${String(10 + rng.int(90))}`] : [],
      onPremisesSamAccountName: hybrid ? local.slice(0, 20) : null,
      onPremisesSecurityIdentifier: hybrid ? `S-1-5-21-${1000 + rng.int(9000)}-${1000 + rng.int(9000)}-${rng.int(100000)}` : null,
      lastPasswordChangeDateTime: isoDay(rng, 700),
      createdDateTime: isoDay(rng, 3000),
      managerId: null,
      kind,
    };
  };

  // Members, grouped by department so manager chains stay inside a department.
  const byDept = new Map<string, GraphUserRecord[]>();
  const ceo = person('member', DEPARTMENTS.find((d) => d.name === 'Executive') ?? null);
  ceo.jobTitle = 'Chief Executive Officer';
  users.push(ceo);
  for (let i = 1; i < spec.members; i++) {
    const dept = randomDepartment(rng);
    const u = person('member', dept);
    const list = byDept.get(dept.name) ?? [];
    // Fan-out of about six gives realistic chains (depth grows with log6 of department size).
    const mgr = list.length === 0 ? ceo : (list[Math.floor((list.length - 1) / 6)] as GraphUserRecord);
    u.managerId = rng.chance(0.03) ? null : mgr.id;
    list.push(u);
    byDept.set(dept.name, list);
    users.push(u);
  }
  const members = users.slice();
  for (let i = 0; i < (spec.nullMail ?? 0) && i < members.length - 1; i++) {
    const u = members[members.length - 1 - i] as GraphUserRecord;
    u.mail = null;
    u.proxyAddresses = [];
  }

  for (let i = 0; i < (spec.sharedAddressPairs ?? 0); i++) {
    const original = members[1 + rng.int(Math.max(1, members.length - 1))] as GraphUserRecord;
    const twin = person('member', randomDepartment(rng));
    // A rehire or a second account that was given the same mail by hand: both claim one address.
    twin.mail = original.mail;
    twin.displayName = `${original.displayName} (2)`;
    users.push(twin);
  }
  for (let i = 0; i < (spec.noAddress ?? 0); i++) {
    const u = person('member', randomDepartment(rng));
    // Old AD NetBIOS-style UPN suffix and a blank mail: nothing KnowBe4 could log in with.
    u.mail = '  ';
    u.userPrincipalName = `kiosk${String(i + 1).padStart(2, '0')}@${spec.domain.split('.')[0]}`;
    u.proxyAddresses = [];
    u.givenName = null;
    u.surname = null;
    u.displayName = `Kiosk ${i + 1}`;
    users.push(u);
  }
  for (let i = 0; i < (spec.disabled ?? 0); i++) {
    const u = person('disabled', randomDepartment(rng));
    u.accountEnabled = false;
    // Half of leavers still hold a licence for a while (mailbox retention).
    if (rng.chance(0.5)) u.assignedLicenses = [];
    users.push(u);
  }
  for (let i = 0; i < (spec.unlicensed ?? 0); i++) {
    const service = i % 4 === 0;
    const u = person(service ? 'service' : 'unlicensed', service ? null : randomDepartment(rng));
    u.assignedLicenses = [];
    if (service) {
      const local = book.unique(`svc-${rng.pick(['backup', 'scanner', 'teams-room', 'sync', 'crm'])}`);
      u.displayName = `Service ${local}`;
      u.givenName = null;
      u.surname = null;
      u.userPrincipalName = `${local}@${spec.domain}`;
      u.mail = rng.chance(0.5) ? null : `${local}@${spec.domain}`;
      u.proxyAddresses = u.mail ? [`SMTP:${u.mail}`] : [];
      u.employeeId = null;
    }
    users.push(u);
  }
  for (let i = 0; i < (spec.guests ?? 0); i++) {
    const u = person('guest', null);
    const ext = rng.pick(GUEST_DOMAINS);
    const local = u.mailNickname;
    u.mail = `${local}@${ext}`;
    u.userPrincipalName = `${local}_${ext}#EXT#@${onMicrosoft}`;
    u.mailNickname = `${local}_${ext}#EXT#`;
    u.userType = 'Guest';
    u.assignedLicenses = [];
    u.proxyAddresses = [`SMTP:${u.mail}`];
    u.employeeId = null;
    u.companyName = null;
    users.push(u);
  }
  for (let i = 0; i < (spec.sharedMailboxes ?? 0); i++) {
    const u = person('shared', null);
    const local = book.unique(SHARED_MAILBOXES[i % SHARED_MAILBOXES.length] as string);
    u.displayName = local.charAt(0).toUpperCase() + local.slice(1);
    u.givenName = null;
    u.surname = null;
    u.mail = `${local}@${spec.domain}`;
    u.userPrincipalName = `${local}@${spec.domain}`;
    u.mailNickname = local;
    u.proxyAddresses = [`SMTP:${u.mail}`, `smtp:${local}@${onMicrosoft}`];
    // Shared mailboxes are blocked for sign-in and need no licence.
    u.accountEnabled = false;
    u.assignedLicenses = [];
    u.employeeId = null;
    u.jobTitle = null;
    users.push(u);
  }

  const groups: GraphGroupRecord[] = [];
  const deptGroupIds: string[] = [];
  for (const d of DEPARTMENTS) {
    const ids = users.filter((u) => u.department === d.name && u.kind !== 'guest').map((u) => u.id);
    const g = { id: guidFrom(rng), displayName: `Dept - ${d.name}`, description: `Everyone in ${d.name}`, memberIds: ids };
    deptGroupIds.push(g.id);
    groups.push(g);
  }
  // Nested: All Staff contains the department groups plus the executives directly.
  groups.push({ id: guidFrom(rng), displayName: 'All Staff', description: 'All departments (nested)', memberIds: [...deptGroupIds, ceo.id] });
  const pilot = members.filter((_, i) => i % 10 === 3).map((u) => u.id);
  const pilotInner = { id: guidFrom(rng), displayName: 'Security Champions', description: 'Nested in Security Awareness Pilot', memberIds: members.filter((_, i) => i % 25 === 7).map((u) => u.id) };
  groups.push(pilotInner);
  groups.push({ id: guidFrom(rng), displayName: 'Security Awareness Pilot', description: 'Pilot scope group', memberIds: [...pilot, pilotInner.id] });

  const consumed = new Map<string, number>();
  for (const u of users) for (const l of u.assignedLicenses) consumed.set(l.skuId, (consumed.get(l.skuId) ?? 0) + 1);
  const subscribedSkus: SubscribedSkuRecord[] = (Object.keys(SKUS) as SkuPartNumber[]).map((part) => {
    const used = consumed.get(SKUS[part]) ?? 0;
    return {
      skuId: SKUS[part],
      skuPartNumber: part,
      capabilityStatus: 'Enabled',
      consumedUnits: used,
      prepaidUnits: { enabled: part === 'FLOW_FREE' ? 10_000 : used + Math.ceil(used * 0.1), suspended: 0, warning: 0 },
    };
  });

  return { tenantId, displayName: spec.displayName, domain: spec.domain, users, groups, subscribedSkus };
}
