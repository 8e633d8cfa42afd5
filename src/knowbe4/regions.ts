/**
 * Where a KnowBe4 account lives: vendor facts that live with the adapter.
 *
 * SCIM: KnowBe4's documentation only says to copy the Tenant URL the console shows (Account
 * Settings > User Management > User Provisioning). The per-region SCIM hosts in circulation are
 * unconfirmed guesses, so there is no region default: the Tenant URL is required.
 * Reporting API: KnowBe4 documents one host per region.
 */
export const KNOWBE4_REPORTING_URLS = {
  us: 'https://us.api.knowbe4.com',
  eu: 'https://eu.api.knowbe4.com',
  ca: 'https://ca.api.knowbe4.com',
  uk: 'https://uk.api.knowbe4.com',
  de: 'https://de.api.knowbe4.com',
} as const;
export type Kb4Region = keyof typeof KNOWBE4_REPORTING_URLS;
export const KNOWBE4_REGIONS = Object.keys(KNOWBE4_REPORTING_URLS) as [Kb4Region, ...Kb4Region[]];

/** Where the console shows the Tenant URL, for messages that ask the admin to copy it. */
export const TENANT_URL_WHERE = 'KnowBe4 console > Account Settings > User Management > User Provisioning > Tenant URL';

/** What the client needs to know about a KnowBe4 account; the configuration's company fits it. */
export interface Kb4AccountSettings {
  knowbe4: {
    region: Kb4Region;
    /** The Tenant URL the console shows: the SCIM base. */
    scimUrl: string;
    scimTokenEnv: string;
    reportingTokenEnv?: string | undefined;
    reportingUrl?: string | undefined;
    requestsPerSecond: number;
    maxConcurrency: number;
    pageSize: number;
  };
}

export function scimBaseUrl(company: Kb4AccountSettings): string {
  return company.knowbe4.scimUrl;
}
