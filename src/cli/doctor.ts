/**
 * `kb4sync doctor`: checks everything a deployment depends on and says, for each failure, what
 * to fix. Never prints a secret.
 */
import { environmentFor, GUID_PATTERN, readConfigFile, resolveSecrets, type CompanyConfig, type CompanySecrets, type Config } from '../config';
import { Kb4ScimClient, probeScim } from '../knowbe4';
import { consentStatus, consentUrlFor, tokenRoles, type ConsentStatus } from '../service';
import { describeProblem } from '../notify';
import { openDatabase } from '../store';
import { KyselyRunStore } from '../store';
import { SANDBOX_MARKER } from '../sandbox';
import { count } from './format';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix: string | null;
  /** Not needed for this configuration (ok, printed as SKIP). */
  skipped?: true;
}

function pass(name: string, detail: string): Check {
  return { name, ok: true, detail, fix: null };
}
function skip(name: string, detail: string): Check {
  return { name, ok: true, detail, fix: null, skipped: true };
}
function fail(name: string, detail: string, fix: string | null): Check {
  return { name, ok: false, detail, fix };
}

export { tokenRoles };

/** Sign-in as the app in the company's tenant: consent, then the permissions the token carries. */
async function graphCheck(company: CompanyConfig, secrets: CompanySecrets['graph']): Promise<Check[]> {
  const name = `${company.id}: Microsoft 365 sign-in`;
  let status: ConsentStatus;
  try {
    status = await consentStatus(company, secrets);
  } catch (err) {
    const problem = describeProblem(err);
    return [fail(name, problem.message, problem.fix)];
  }
  switch (status.kind) {
    case 'waiting':
      return [
        fail(
          `${company.id}: admin consent`,
          `not granted in tenant ${company.m365.tenantId}: Entra refuses app ${company.m365.clientId} there (${status.code})`,
          `a Global Administrator of ${company.name} opens ${status.consentUrl} , signs in and clicks Accept; then run kb4sync doctor --company ${company.id} again`,
        ),
      ];
    case 'failed': {
      const problem = describeProblem(status.error);
      return [fail(name, problem.message, problem.fix)];
    }
    case 'granted':
      return [
        pass(name, `signed in to tenant ${company.m365.tenantId} (${company.m365.cloud}): admin consent granted`),
        status.missing.length === 0
          ? pass(`${company.id}: Graph permissions`, `the token carries: ${status.roles.join(', ') || '(none listed)'}`)
          : fail(
              `${company.id}: Graph permissions`,
              `missing: ${status.missing.join(', ')} (the token carries: ${status.roles.join(', ') || 'none'})`,
              `add the application permission(s) ${status.missing.join(', ')} to app ${company.m365.clientId}, then grant admin consent again: ${consentUrlFor(company)}`,
            ),
      ];
  }
}

async function scimCheck(company: CompanyConfig, secrets: CompanySecrets): Promise<Check> {
  const name = `${company.id}: KnowBe4 SCIM`;
  const client = Kb4ScimClient.forCompany(company, secrets.scimToken, { retry: { retries: 1, baseDelayMs: 200, maxDelayMs: 1000 } });
  const probe = await probeScim(client, company.knowbe4.scimTokenEnv);
  return probe.ok ? pass(name, probe.detail) : fail(name, probe.detail, probe.fix);
}

export async function runDoctor(options: { configPath: string; env: NodeJS.ProcessEnv; companyId?: string }): Promise<Check[]> {
  const checks: Check[] = [];
  let config: Config;
  try {
    config = readConfigFile(options.configPath);
    checks.push(pass('configuration', `${options.configPath}: ${count(config.companies.length)} ${config.companies.length === 1 ? 'company' : 'companies'}`));
  } catch (err) {
    checks.push(fail('configuration', (err as Error).message, 'fix the fields named above (docs/configuration.md lists them all)'));
    return checks;
  }
  let env = options.env;
  let secrets: Map<string, CompanySecrets> | null = null;
  try {
    env = environmentFor(config, options.configPath, options.env);
    // One company checked = only its secrets needed: a client onboarded a minute ago may not
    // have its KnowBe4 token yet, and that must not fail the check of another.
    const checked = options.companyId ? config.companies.filter((c) => c.id === options.companyId) : config.companies;
    if (checked.length === 0) {
      checks.push(fail('company', `no company "${options.companyId ?? ''}"; configured: ${config.companies.map((c) => c.id).join(', ')}`, 'pass the id of a configured company (kb4sync companies lists them)'));
      return checks;
    }
    secrets = resolveSecrets({ ...config, companies: checked }, env);
    checks.push(pass('secrets', 'every environment variable the configuration names is set'));
  } catch (err) {
    checks.push(fail('secrets', (err as Error).message, 'set the variables (see .env.example); the configuration holds only their names'));
  }

  try {
    const db = await openDatabase({ databaseUrl: env.DATABASE_URL || null, sqlitePath: env.KB4SYNC_SQLITE_PATH || undefined });
    await new KyselyRunStore(db.db).getCompanyState('__doctor__');
    checks.push(pass('store', db.description));
    await db.db.destroy();
  } catch (err) {
    checks.push(fail('store', (err as Error).message, env.DATABASE_URL ? 'check DATABASE_URL and that PostgreSQL accepts connections' : 'check that ./data is writable'));
  }

  const appId = env.MicrosoftAppId ?? '';
  if (!appId && env[SANDBOX_MARKER] === '1') checks.push(skip('bot registration', 'not needed: the sandbox bot answers only on loopback, without an Azure Bot (npm start)'));
  else if (!appId) checks.push(fail('bot registration', 'MicrosoftAppId is not set (only the sandbox runs without it)', 'create an Azure Bot (single-tenant) and set MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId'));
  else if (!GUID_PATTERN.test(appId)) checks.push(fail('bot registration', 'MicrosoftAppId is not a GUID', 'copy the app id of the Azure Bot'));
  else if (!env.MicrosoftAppPassword && env.MicrosoftAppType !== 'UserAssignedMSI') checks.push(fail('bot registration', 'MicrosoftAppPassword is not set', 'create a client secret for the bot app and set MicrosoftAppPassword'));
  else checks.push(pass('bot registration', `app ${appId} (${env.MicrosoftAppType ?? 'SingleTenant'})`));

  if (secrets) {
    for (const company of config.companies.filter((c) => !options.companyId || c.id === options.companyId)) {
      const s = secrets.get(company.id) as CompanySecrets;
      checks.push(...(await graphCheck(company, s.graph)));
      checks.push(await scimCheck(company, s));
    }
  }
  return checks;
}

export function formatChecks(checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${c.skipped ? 'SKIP' : c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}${c.fix ? `\n      ${' '.repeat(width)}  Fix: ${c.fix}` : ''}`);
  const failed = checks.filter((c) => !c.ok).length;
  const skipped = checks.filter((c) => c.skipped).length;
  const summary = failed === 0 ? `All checks passed${skipped ? ` (${skipped} skipped)` : ''}.` : `${failed} of ${checks.length} checks failed.`;
  return `${lines.join('\n')}\n\n${summary}\n`;
}
