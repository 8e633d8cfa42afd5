/** KnowBe4 target: SCIM 2.0 client, optional Reporting API reader, admin-facing errors. */
export { Kb4ScimClient } from './scimClient';
export type { CreateUserInput, Kb4ScimClientOptions } from './scimClient';
export { Kb4ScimReader } from './scimRead';
export { Kb4ReportingClient } from './reporting';
export type { Kb4ReportingOptions, ReportingGroup, ReportingUser } from './reporting';
export { Kb4Http, sharedLimiter, accountKey, DEFAULT_RETRY } from './http';
export type { AttemptEvent, Kb4HttpOptions, RetryPolicy, RetrySettings } from './http';
export * from './errors';
export { probeScim, probeFix, type ProbeResult } from './probe';
export { readAttribute, targetFromScimSnapshot, toTargetGroup, toTargetUser } from './scimUser';
export { KNOWBE4_REGIONS, KNOWBE4_REPORTING_URLS, TENANT_URL_WHERE, scimBaseUrl, type Kb4Region, type Kb4AccountSettings } from './regions';
