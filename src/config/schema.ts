/**
 * The schema of kb4sync.yaml (zod): what each field means, its default and what it must look like.
 * The file never holds a secret, only the names of the environment variables that do.
 */
import { z } from 'zod';
import { auditSchema, digestSchema, seatsSchema } from './msp';
import { KNOWBE4_REGIONS, TENANT_URL_WHERE } from '../knowbe4';
import { CLOUDS, type Cloud } from '../m365';
import { GRAPH_FIELDS, KB4_ATTRIBUTE_NAMES } from '../sync';
import { cronProblem, envName, guid, httpUrl, isLoopbackHost, isTimeZone } from './fields';

const m365Fields = {
  tenantId: guid.describe('Entra tenant id (directory id) of the company'),
  clientId: guid.describe('Application (client) id of the Graph app registration: the multi-tenant app (usually set once in defaults.m365) or an app in this tenant'),
  clientSecretEnv: envName.optional().describe('Name of the env var holding the client secret'),
  certificatePathEnv: envName.optional().describe('Name of the env var holding the path of a PEM certificate + key'),
  managedIdentity: z.boolean().optional().describe('Use the managed identity of the host (Azure) instead of a secret'),
  cloud: z.enum(Object.keys(CLOUDS) as [Cloud, ...Cloud[]]).default('public').describe('Microsoft cloud: sets the Graph and sign-in hosts'),
  graphUrl: httpUrl.optional().describe('Override of the Graph host (sandbox, tests, proxies)'),
  authorityHost: z
    .url({ protocol: /^https$/, message: 'expected an https URL (@azure/identity refuses http)' })
    .optional()
    .describe('Override of the sign-in host (https only)'),
  caFile: z
    .string()
    .min(1)
    .optional()
    .describe('PEM file of an extra CA to trust for sign-in and Graph (a TLS-inspecting proxy, or the sandbox)'),
  consentRedirectUri: httpUrl
    .optional()
    .describe("Where Entra sends the administrator after admin consent: a redirect URI registered on the app (default: the cloud's /common/oauth2/nativeclient page)"),
};

/** The keys that together name one credential: a company that sets any of them inherits none. */
export const CREDENTIAL_KEYS = ['clientSecretEnv', 'certificatePathEnv', 'managedIdentity'] as const;

function oneCredential(m: { clientSecretEnv?: string | undefined; certificatePathEnv?: string | undefined; managedIdentity?: boolean | undefined }, ctx: z.RefinementCtx, hint = ''): void {
  const given = [m.clientSecretEnv, m.certificatePathEnv, m.managedIdentity ? 'managedIdentity' : undefined].filter(Boolean);
  if (given.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `expected exactly one credential: clientSecretEnv, certificatePathEnv or managedIdentity: true${hint}` });
  }
}

/** A complete app registration in one tenant (after defaults.m365 is laid underneath). */
const m365Schema = z.strictObject(m365Fields).superRefine((m, ctx) => oneCredential(m, ctx));

/** The shared multi-tenant app: everything but the tenant, inherited by every company. */
const defaultsM365Schema = z
  .strictObject({ ...m365Fields, cloud: m365Fields.cloud.removeDefault().optional().describe('Microsoft cloud of every company that does not set its own (default public)') })
  .omit({ tenantId: true })
  .partial()
  .superRefine((m, ctx) => {
    if (CREDENTIAL_KEYS.some((k) => m[k] !== undefined)) oneCredential(m, ctx);
  })
  .describe('The multi-tenant app registration (in your own tenant) every company uses unless it names its own; a company then needs only m365.tenantId');

/** A company's m365 as written: only the tenant is required when defaults.m365 supplies the app. */
const companyM365Schema = z.strictObject({
  ...m365Fields,
  clientId: m365Fields.clientId.optional().describe('Application (client) id; omit it to use defaults.m365.clientId'),
  cloud: m365Fields.cloud.removeDefault().optional().describe('Microsoft cloud: sets the Graph and sign-in hosts (default: defaults.m365.cloud, else public)'),
});

const knowbe4Schema = z.strictObject({
  region: z.enum(KNOWBE4_REGIONS).default('us').describe('KnowBe4 region of the account: selects the Reporting API host (the only hosts KnowBe4 documents per region)'),
  scimUrl: z
    .url({
      protocol: /^https?$/,
      error: (issue) => (issue.input === undefined ? `missing: copy the Tenant URL from ${TENANT_URL_WHERE} (KnowBe4 documents no per-region SCIM host)` : 'expected an http(s) URL'),
    })
    .refine((u) => !URL.canParse(u) || new URL(u).protocol === 'https:' || isLoopbackHost(new URL(u).hostname), 'expected an https URL (plain http is accepted only on loopback: 127.0.0.1, ::1, localhost)')
    .describe('The Tenant URL KnowBe4 shows under User Provisioning: the SCIM base URL (required)'),
  scimTokenEnv: envName.describe('Name of the env var holding the SCIM token'),
  reportingTokenEnv: envName.optional().describe('Name of the env var holding a Reporting API token (optional; the weekly audit reads training reach and which users SCIM manages with it)'),
  reportingUrl: httpUrl.optional().describe('Override of the Reporting API host'),
  requestsPerSecond: z.number().positive().max(1000).default(10).describe('Request rate to this KnowBe4 account (KnowBe4 documents no limit, so it is a setting)'),
  maxConcurrency: z.number().int().min(1).max(64).default(4).describe('Requests in flight at once to this account'),
  pageSize: z.number().int().min(1).max(1000).default(100).describe('SCIM page size asked for when listing (the server may return fewer)'),
  // --- MSP operations (issue 17) ---
  seats: seatsSchema,
});

const mappingSchema = z
  .record(z.string(), z.union([z.enum(GRAPH_FIELDS), z.null()]))
  .superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
      if (!(KB4_ATTRIBUTE_NAMES as string[]).includes(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `unknown KnowBe4 attribute; expected one of ${KB4_ATTRIBUTE_NAMES.join(', ')}`,
        });
      }
    }
  });

const companySchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'expected lower-case letters, digits, - or _' })
    .describe('Short id used in commands and file names'),
  name: z.string().trim().min(1).describe('Display name; commands match it loosely (Acme → Acme Corp)'),
  m365: companyM365Schema,
  knowbe4: knowbe4Schema,
  scope: z
    .strictObject({
      licenses: z.array(z.string().trim().min(1)).default([]).describe('SKU part numbers (SPE_E3, …) or skuIds; empty = any licensed user'),
      groups: z.array(guid).default([]).describe('Entra group ids: only their (transitive) members are in scope; empty = everyone'),
      includeGuests: z.boolean().default(false).describe('Sync guest (#EXT#) accounts too'),
      exclude: z.array(z.string().trim().min(1)).default([]).describe('Glob patterns on the primary address; matches are neither synced nor archived'),
    })
    .prefault({}),
  emailSource: z.enum(['mail', 'upn']).default('mail').describe('Which Graph field is the KnowBe4 login: mail (falls back to the UPN when empty) or upn'),
  attributes: mappingSchema.default({}).describe('Extra mappings, KnowBe4 attribute ← Graph field; null removes a default mapping'),
  syncManagers: z.boolean().default(true).describe('Link KnowBe4 managers from Entra managers (when the manager is in scope)'),
  groups: z
    .strictObject({
      default: z.string().trim().min(1).optional().describe('KnowBe4 group every synced user belongs to'),
      departments: z.record(z.string(), z.string().trim().min(1)).default({}).describe('M365 department → KnowBe4 group'),
      mirror: z
        .array(z.strictObject({ id: guid, name: z.string().trim().min(1) }))
        .default([])
        .describe('Entra groups mirrored (transitively) into KnowBe4 groups of the given name'),
    })
    .prefault({}),
  removeStaleUsers: z.boolean().default(false).describe('Archive KnowBe4 users no in-scope M365 user matches (history is kept)'),
  guard: z
    .strictObject({
      maxArchive: z.number().int().min(0).default(10).describe('Block a plan that archives more users than this'),
      maxArchivePercent: z.number().min(0).max(100).default(10).describe('Block a plan that archives more than this % of active KnowBe4 users'),
      maxSourceShrinkPercent: z.number().min(0).max(100).default(30).describe('Block a plan when in-scope M365 users fell by more than this % since the last good run'),
    })
    .prefault({}),
  schedule: z
    .strictObject({
      cron: z.string().superRefine((c, ctx) => {
        const problem = cronProblem(c);
        if (problem) ctx.addIssue({ code: 'custom', message: `expected a cron expression with 5 or 6 fields, e.g. "0 2 * * *" (${problem})` });
      }),
      timezone: z.string().refine(isTimeZone, 'expected an IANA time zone, e.g. America/New_York').default('UTC').describe('IANA time zone the cron runs in'),
      autoApply: z.boolean().default(false).describe('Apply nightly plans that pass the guard without asking'),
      lightRunMinutes: z
        .number()
        .int()
        .min(0)
        .max(60)
        .default(5)
        .describe('Every this many minutes, apply only what changed in Microsoft 365 (Graph delta; creates and updates, never archives) when autoApply is on; 0 = off'),
    })
    .optional(),
  // --- MSP operations (issue 17) ---
  audit: auditSchema,
  notify: z
    .strictObject({
      subscriptions: z.array(z.string()).default([]).describe("Names of subscribed channels that get this company's messages; empty = all"),
    })
    .prefault({}),
  paused: z.boolean().default(false).describe('Start paused: no scheduled runs until resumed'),
});

const configInputSchema = z
  .strictObject({
    defaults: z
      .strictObject({ m365: defaultsM365Schema.optional() })
      .optional()
      .describe('Settings every company inherits unless it sets its own'),
    admins: z
      .array(z.strictObject({ aadObjectId: guid, name: z.string().optional() }))
      .default([])
      .describe('Entra object ids of the people who may Apply, Pause and Resume'),
    allowedTenants: z.array(guid).default([]).describe('Teams tenants the bot answers; empty = any tenant (admins are still checked by object id)'),
    companies: z.array(companySchema).min(1, { message: 'expected at least one company' }),
    pauseAfterFailures: z.number().int().min(1).max(100).default(3).describe('Scheduled runs that fail in a row before a company pauses itself'),
    service: z
      .strictObject({
        shutdownGraceSeconds: z.number().int().min(0).max(3600).default(30).describe('On SIGTERM, how long to wait for applies in flight to reach a safe point and hand over'),
        resumeWithinMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(120)
          .describe('An interrupted apply is finished by the service only while its plan is younger than this; older ones fail and ask for a new preview'),
        sweepSeconds: z.number().int().min(5).max(3600).default(60).describe('How often the service looks for interrupted applies to finish'),
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(256)
          .default(16)
          .describe('Requests to Microsoft 365 and KnowBe4 in flight at once from this process (each replica has its own); a run waiting on its own KnowBe4 rate limit holds none'),
        runsAtOnce: z
          .number()
          .int()
          .min(1)
          .max(1024)
          .optional()
          .describe('Scheduled company runs under way at once in this process (default 2 × concurrency); each holds its company in memory, the rest queue: earliest due first, then the largest company'),
        unconfirmedWritesAlertMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(60)
          .describe('A create, rename or archive KnowBe4 accepted but still does not show after this long raises an alert that lists them'),
        retention: z
          .strictObject({
            planDays: z.number().int().min(1).default(30).describe('Plans are deleted this many days after they were made'),
            runDays: z.number().int().min(1).default(400).describe('Runs and their operation journals are deleted after this many days (the audit log is kept)'),
          })
          .prefault({}),
      })
      .prefault({})
      .describe('How the long-running service finishes, resumes and forgets work'),
    // --- MSP operations (issue 17) ---
    digest: digestSchema,
    envFile: z
      .string()
      .min(1)
      .optional()
      .describe('A KEY=value file read at start for the secrets (relative to this file); variables already set win'),
    notifications: z
      .strictObject({
        webhooks: z
          .array(z.strictObject({ url: httpUrl, secretEnv: envName.describe('Name of the env var holding the HMAC signing secret') }))
          .default([])
          .describe('JSON POSTs of every summary and alert, HMAC-signed (X-Kb4sync-Signature)'),
        email: z
          .strictObject({
            m365: m365Schema.describe('The app registration (with the Mail.Send application permission) in the tenant of the sending mailbox'),
            from: z.email().describe('Mailbox the messages are sent from (Graph sendMail)'),
            to: z.array(z.email()).min(1).describe('Recipients of every summary and alert'),
          })
          .optional()
          .describe('Summaries and alerts by e-mail through Microsoft Graph sendMail'),
      })
      .prefault({})
      .describe('Channels besides Teams for summaries and alerts'),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.companies.forEach((company, i) => {
      for (const key of [`id:${company.id}`, `name:${company.name.toLowerCase()}`]) {
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['companies', i, key.startsWith('id') ? 'id' : 'name'],
            // Two companies with one id are told apart by position; otherwise by id, as paths are.
            message: `duplicate of companies[${key.startsWith('id') ? first : (c.companies[first]?.id ?? first)}]`,
          });
        } else seen.set(key, i);
      }
    });
  });

type ConfigInput = z.output<typeof configInputSchema>;
type WrittenM365 = z.output<typeof companyM365Schema>;
type DefaultsM365 = z.output<typeof defaultsM365Schema>;

/**
 * A company's app registration: its own fields over defaults.m365. A company that names any
 * credential inherits none, so a per-tenant app never mixes its secret with the shared app's.
 */
export function inheritM365(own: WrittenM365, defaults: DefaultsM365 | undefined): Record<string, unknown> {
  const base: Record<string, unknown> = { ...(defaults ?? {}) };
  if (CREDENTIAL_KEYS.some((k) => own[k] !== undefined)) for (const k of CREDENTIAL_KEYS) delete base[k];
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(own)) if (v !== undefined) merged[k] = v;
  return merged;
}

const INHERIT_HINT: Record<string, string> = {
  clientId: ' (set it here, or once for every company in defaults.m365.clientId)',
};

function resolveCompanies(c: ConfigInput, ctx: z.RefinementCtx) {
  const companies = c.companies.map((company, i) => {
    const result = m365Schema.safeParse(inheritM365(company.m365, c.defaults?.m365));
    if (result.success) return { ...company, m365: result.data };
    for (const issue of result.error.issues) {
      const field = issue.path[0];
      const hint = typeof field === 'string' ? (INHERIT_HINT[field] ?? '') : issue.message.startsWith('expected exactly one credential') ? ' (here, or once in defaults.m365)' : '';
      ctx.addIssue({ code: 'custom', path: ['companies', i, 'm365', ...issue.path], message: `${issue.code === 'invalid_type' && issue.input === undefined ? 'missing' : issue.message}${hint}` });
    }
    return null;
  });
  const resolved = companies.filter((x): x is NonNullable<typeof x> => x !== null);
  return resolved.length === companies.length ? { ...c, companies: resolved } : z.NEVER;
}

export const configSchema = configInputSchema.transform(resolveCompanies);

export type Config = z.output<typeof configSchema>;
export type CompanyConfig = Config['companies'][number];

/**
 * Scheduled runs under way at once: the setting, or two per place in the outbound gate. A run
 * keeps at most one request in flight while it pages through a read, and about half of one while
 * its KnowBe4 account's rate spaces its writes (10 req/s at 50 ms), so fewer runs than that would
 * leave places idle; more only hold more companies in memory (the MSP bench: 32 runs keep the 16
 * places busy all night).
 */
export function runsAtOnce(service: Config['service']): number {
  return service.runsAtOnce ?? 2 * service.concurrency;
}
