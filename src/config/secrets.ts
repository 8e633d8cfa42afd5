/** The secrets a configuration names, read from the environment once, at start. */
import type { GraphCredential } from '../m365';
import { Secret } from '../shared';
import { ConfigError } from './errors';
import type { Config } from './schema';

export interface CompanySecrets {
  graph: GraphCredential;
  scimToken: Secret;
  reportingToken: Secret | null;
}

/**
 * Each company's secrets, or the error naming what is missing for it: one client whose KnowBe4
 * token is not set yet (onboarded a minute ago) must not stop every other company.
 */
export function resolveCompanySecrets(config: Config, env: NodeJS.ProcessEnv = process.env): Map<string, CompanySecrets | ConfigError> {
  const out = new Map<string, CompanySecrets | ConfigError>();
  config.companies.forEach((c) => {
    const problems: string[] = [];
    const read = (name: string, field: string): string | null => {
      const value = env[name];
      if (value === undefined || value.trim() === '') {
        problems.push(`${field}: environment variable ${name} is not set`);
        return null;
      }
      return value;
    };
    // Named by id, as the configuration errors name them (ids are unique once validated).
    const at = `companies[${c.id}]`;
    let graph: CompanySecrets['graph'] = { kind: 'managedIdentity' };
    const shared = config.defaults?.m365;
    // A variable every company inherits from defaults.m365 is named under defaults.
    const m365At = (key: 'clientSecretEnv' | 'certificatePathEnv') => (shared?.[key] !== undefined && shared[key] === c.m365[key] ? `defaults.m365.${key}` : `${at}.m365.${key}`);
    if (c.m365.clientSecretEnv) {
      const v = read(c.m365.clientSecretEnv, m365At('clientSecretEnv'));
      graph = { kind: 'secret', clientSecret: new Secret(v ?? '') };
    } else if (c.m365.certificatePathEnv) {
      const v = read(c.m365.certificatePathEnv, m365At('certificatePathEnv'));
      graph = { kind: 'certificate', certificatePath: v ?? '' };
    }
    const scim = read(c.knowbe4.scimTokenEnv, `${at}.knowbe4.scimTokenEnv`);
    const reporting = c.knowbe4.reportingTokenEnv ? read(c.knowbe4.reportingTokenEnv, `${at}.knowbe4.reportingTokenEnv`) : null;
    out.set(
      c.id,
      problems.length > 0
        ? new ConfigError('environment', problems)
        : { graph, scimToken: new Secret(scim ?? ''), reportingToken: reporting === null ? null : new Secret(reporting) },
    );
  });
  return out;
}

/** Reads every secret the companies name. A missing variable is an error naming field and variable. */
export function resolveSecrets(config: Config, env: NodeJS.ProcessEnv = process.env): Map<string, CompanySecrets> {
  const problems: string[] = [];
  const out = new Map<string, CompanySecrets>();
  for (const [id, result] of resolveCompanySecrets(config, env)) {
    if (result instanceof ConfigError) {
      for (const p of result.problems) if (!problems.includes(p)) problems.push(p);
    } else out.set(id, result);
  }
  if (problems.length > 0) throw new ConfigError('environment', problems);
  return out;
}

/** The credential of the e-mail sender, when e-mail notifications are configured. */
export function resolveEmailCredential(config: Config, env: NodeJS.ProcessEnv = process.env): CompanySecrets['graph'] | null {
  const email = config.notifications.email;
  if (!email) return null;
  const read = (name: string, field: string) => {
    const value = env[name];
    if (value === undefined || value.trim() === '') throw new ConfigError('environment', [`notifications.email.m365.${field}: environment variable ${name} is not set`]);
    return value;
  };
  if (email.m365.clientSecretEnv) return { kind: 'secret', clientSecret: new Secret(read(email.m365.clientSecretEnv, 'clientSecretEnv')) };
  if (email.m365.certificatePathEnv) return { kind: 'certificate', certificatePath: read(email.m365.certificatePathEnv, 'certificatePathEnv') };
  return { kind: 'managedIdentity' };
}

/** The signing secrets of the configured webhooks, in order. */
export function resolveWebhookSecrets(config: Config, env: NodeJS.ProcessEnv = process.env): Secret[] {
  const problems: string[] = [];
  const secrets = config.notifications.webhooks.map((w, i) => {
    const value = env[w.secretEnv];
    if (value === undefined || value.trim() === '') problems.push(`notifications.webhooks[${i}].secretEnv: environment variable ${w.secretEnv} is not set`);
    return new Secret(value ?? '');
  });
  if (problems.length > 0) throw new ConfigError('environment', problems);
  return secrets;
}
