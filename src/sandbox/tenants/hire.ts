/** A new hire as Entra holds them on their first day: enabled, licensed, with a manager. Pure. */
import { SKUS, type GraphUserRecord } from './graphTenant';
import { guidFrom, mulberry32 } from './prng';

export function newHire(input: { seed: number; domain: string; givenName: string; surname: string; managerId?: string | null; department?: string }): GraphUserRecord {
  const rng = mulberry32(input.seed);
  const local = `${input.givenName}.${input.surname}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
  const mail = `${local}@${input.domain}`;
  return {
    id: guidFrom(rng),
    displayName: `${input.givenName} ${input.surname}`,
    givenName: input.givenName,
    surname: input.surname,
    mail,
    userPrincipalName: mail,
    mailNickname: local,
    proxyAddresses: [`SMTP:${mail}`],
    accountEnabled: true,
    userType: 'Member',
    assignedLicenses: [{ skuId: SKUS.SPE_E3, disabledPlans: [] }],
    jobTitle: 'Associate',
    department: input.department ?? 'Sales',
    employeeId: null,
    employeeType: 'Employee',
    companyName: null,
    officeLocation: null,
    city: null,
    country: null,
    usageLocation: 'US',
    preferredLanguage: 'en-US',
    mobilePhone: null,
    businessPhones: [],
    onPremisesSamAccountName: null,
    onPremisesSecurityIdentifier: null,
    lastPasswordChangeDateTime: null,
    createdDateTime: new Date(Date.UTC(2026, 11, 1)).toISOString().replace('.000Z', 'Z'),
    managerId: input.managerId ?? null,
    kind: 'member',
  };
}
