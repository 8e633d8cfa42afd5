/** kb4sync.yaml: schema, loading, the secrets it names, and the rules the core reads from it. */
export { configSchema } from './schema';
export { GUID_PATTERN, isLoopbackHost } from './fields';
export type { Config, CompanyConfig } from './schema';
export { runsAtOnce } from './schema';
export { ConfigError } from './errors';
export { parseConfig, readConfigFile, environmentFor, configPath } from './load';
export { resolveSecrets, resolveCompanySecrets, resolveEmailCredential, resolveWebhookSecrets, type CompanySecrets } from './secrets';
export { companyRules } from './rules';
export { Secret } from '../shared';
export { appendCompany, type NewCompanyEntry } from './edit';
