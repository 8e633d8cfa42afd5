/** KnowBe4's documented hosts per region: vendor facts that live with the adapter. */
/** KnowBe4 SCIM base URLs. UK and DE have no documented SCIM host: they need `scimUrl`. */
export const KNOWBE4_SCIM_URLS = {
  us: 'https://training.knowbe4.com/scim/v2',
  eu: 'https://eu.knowbe4.com/scim/v2',
  ca: 'https://ca.knowbe4.com/scim/v2',
  uk: null,
  de: null,
} as const;
export type Kb4Region = keyof typeof KNOWBE4_SCIM_URLS;

export const KNOWBE4_REPORTING_URLS: Record<Kb4Region, string> = {
  us: 'https://us.api.knowbe4.com',
  eu: 'https://eu.api.knowbe4.com',
  ca: 'https://ca.api.knowbe4.com',
  uk: 'https://uk.api.knowbe4.com',
  de: 'https://de.api.knowbe4.com',
};

/** What the client needs to know about a KnowBe4 account; the configuration's company fits it. */
export interface Kb4AccountSettings {
  knowbe4: {
    region: Kb4Region;
    scimUrl?: string | undefined;
    scimTokenEnv: string;
    reportingTokenEnv?: string | undefined;
    reportingUrl?: string | undefined;
    requestsPerSecond: number;
    maxConcurrency: number;
    pageSize: number;
  };
}

export function scimBaseUrl(company: Kb4AccountSettings): string {
  return company.knowbe4.scimUrl ?? (KNOWBE4_SCIM_URLS[company.knowbe4.region] as string);
}
