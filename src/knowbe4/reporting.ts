/**
 * Optional KnowBe4 Reporting API reader (read-only, its own token): per-user enrichment that
 * SCIM does not carry: phish-prone percentage, last sign-in, and whether SCIM manages the user.
 * Never required for a sync.
 */
import { z } from 'zod';
import type { Secret } from '../shared';
import { KNOWBE4_REPORTING_URLS, type Kb4AccountSettings } from './regions';
import { Kb4ProtocolError } from './errors';
import { Kb4Http, type Kb4HttpOptions } from './http';

/** KnowBe4 caps `per_page` at 500. */
export const REPORTING_MAX_PER_PAGE = 500;

const reportingUserSchema = z.looseObject({
  id: z.number().int(),
  email: z.string(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  job_title: z.string().nullish(),
  department: z.string().nullish(),
  employee_number: z.string().nullish(),
  status: z.string(),
  provisioning_managed: z.boolean().nullish(),
  provisioning_guid: z.string().nullish(),
  phish_prone_percentage: z.number().nullish(),
  last_sign_in: z.string().nullish(),
  joined_on: z.string().nullish(),
  archived_at: z.string().nullish(),
  groups: z.array(z.number()).nullish(),
});
const reportingGroupSchema = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  group_type: z.string().nullish(),
  member_count: z.number().nullish(),
  status: z.string().nullish(),
});

export interface ReportingUser {
  id: number;
  email: string;
  firstName: string | null;
  lastName: string | null;
  jobTitle: string | null;
  department: string | null;
  status: 'active' | 'archived' | string;
  provisioningManaged: boolean;
  phishPronePercentage: number | null;
  lastSignIn: string | null;
  groupIds: number[];
}

export interface ReportingGroup {
  id: number;
  name: string;
  memberCount: number | null;
}

export interface Kb4ReportingOptions extends Omit<Kb4HttpOptions, 'baseUrl'> {
  /** Host base, e.g. https://us.api.knowbe4.com (the reader adds /v1/...). */
  baseUrl: string;
  perPage?: number;
}

export class Kb4ReportingClient {
  private readonly http: Kb4Http;
  private readonly perPage: number;
  /** The Reporting API host in use (region default or reportingUrl). */
  readonly baseUrl: string;

  constructor(options: Kb4ReportingOptions) {
    this.http = new Kb4Http(options);
    this.baseUrl = this.http.baseUrl;
    this.perPage = Math.min(REPORTING_MAX_PER_PAGE, Math.max(1, options.perPage ?? REPORTING_MAX_PER_PAGE));
  }

  static forCompany(company: Kb4AccountSettings, reportingToken: Secret, overrides: Partial<Kb4ReportingOptions> = {}): Kb4ReportingClient {
    return new Kb4ReportingClient({
      baseUrl: company.knowbe4.reportingUrl ?? KNOWBE4_REPORTING_URLS[company.knowbe4.region],
      token: reportingToken,
      tokenEnv: company.knowbe4.reportingTokenEnv,
      // The Reporting API has its own (daily) budget; keep it well below the SCIM rate.
      requestsPerSecond: Math.min(company.knowbe4.requestsPerSecond, 4),
      maxConcurrency: 1,
      ...overrides,
    });
  }

  /** Pages until a short page: ceil((N + 1) / perPage) requests for N items. */
  private async pages<T>(path: string, schema: z.ZodType<T>, params: Record<string, string> = {}): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const res = await this.http.request({ method: 'GET', path, params: { ...params, page, per_page: this.perPage } });
      const parsed = z.array(schema).safeParse(res.data);
      if (!parsed.success) {
        throw new Kb4ProtocolError('protocol', `KnowBe4 Reporting API GET ${path} did not return a list`, { method: 'GET', path, attempts: 1 });
      }
      out.push(...parsed.data);
      if (parsed.data.length < this.perPage) return out;
    }
  }

  async listUsers(status?: 'active' | 'archived'): Promise<ReportingUser[]> {
    const raw = await this.pages('/v1/users', reportingUserSchema, status ? { status } : {});
    return raw.map((u) => ({
      id: u.id,
      email: u.email,
      firstName: u.first_name ?? null,
      lastName: u.last_name ?? null,
      jobTitle: u.job_title ?? null,
      department: u.department ?? null,
      status: u.status,
      provisioningManaged: u.provisioning_managed === true,
      phishPronePercentage: u.phish_prone_percentage ?? null,
      lastSignIn: u.last_sign_in ?? null,
      groupIds: u.groups ?? [],
    }));
  }

  async listGroups(): Promise<ReportingGroup[]> {
    const raw = await this.pages('/v1/groups', reportingGroupSchema);
    return raw.map((g) => ({ id: g.id, name: g.name, memberCount: g.member_count ?? null }));
  }

  /** Enrichment keyed by lower-cased e-mail, the join key with SCIM's userName. */
  async enrichmentByEmail(): Promise<Map<string, ReportingUser>> {
    const users = await this.listUsers();
    return new Map(users.map((u) => [u.email.trim().toLowerCase(), u]));
  }
}
