/**
 * `kb4sync onboard <name> --domain client.com`: the client's tenant from its domain, the
 * admin-consent link to send its administrator, and the company added to kb4sync.yaml with safe
 * defaults (nightly preview, never applied without approval). Nothing is written to KnowBe4.
 */
import type { Command } from 'commander';
import { configPath } from '../config';
import { onboardCompany, OnboardingError, type Onboarded } from '../service';
import { InputError, type CliIo } from './runCommands';

export function onboardingText(result: Onboarded, file: string): string {
  const { company } = result;
  const schedule = company.schedule ? `${company.schedule.cron} ${company.schedule.timezone}` : 'none';
  return [
    `${company.name}: ${result.domain} is tenant ${result.tenantId} (${company.m365.cloud} cloud).`,
    `Added to ${file} as "${company.id}" (schedule ${schedule}, autoApply: false). Nothing was written to KnowBe4.`,
    '',
    'Next:',
    `  1. Send this link to a Global Administrator of ${result.domain}; they sign in and click Accept`,
    '     (it lets kb4sync read users, groups and licences; it changes nothing in their tenant):',
    `     ${result.consentUrl}`,
    `  2. Put ${company.name}'s KnowBe4 SCIM token (KnowBe4: Account Settings > User Provisioning)`,
    `     in the environment variable ${result.scimTokenEnv}.`,
    `  3. Check: kb4sync doctor --company ${company.id}`,
    `  4. Preview the first sync: kb4sync preview ${company.id}`,
    '',
  ].join('\n');
}

export function registerOnboardCommand(program: Command, io: CliIo): void {
  program
    .command('onboard <name>')
    .description("add a client: find its tenant from its domain, print the admin-consent link, write it into kb4sync.yaml")
    .requiredOption('--domain <domain>', "a domain of the client's Microsoft 365 tenant, e.g. contoso.com")
    .option('--id <id>', 'company id used in commands (default: from the name)')
    .option('--region <region>', 'KnowBe4 region of the account: us, eu, ca, uk, de', 'us')
    .option('--scim-url <url>', 'the Tenant URL KnowBe4 shows under User Provisioning (instead of --region)')
    .option('--token-env <name>', 'environment variable for the KnowBe4 SCIM token (default: KNOWBE4_<ID>_SCIM_TOKEN)')
    .option('--cron <cron>', 'nightly preview schedule', '0 2 * * *')
    .option('--timezone <tz>', 'IANA time zone of the schedule', 'UTC')
    .option('--config <file>', 'configuration file (default: $KB4SYNC_CONFIG or ./kb4sync.yaml)')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { domain: string; id?: string; region: string; scimUrl?: string; tokenEnv?: string; cron: string; timezone: string; config?: string; json?: boolean }) => {
      const file = opts.config ?? configPath();
      let result: Onboarded;
      try {
        result = await onboardCompany({
          configPath: file,
          name,
          domain: opts.domain,
          region: opts.region,
          cron: opts.cron,
          timezone: opts.timezone,
          by: 'kb4sync onboard',
          ...(opts.id ? { id: opts.id } : {}),
          ...(opts.scimUrl ? { scimUrl: opts.scimUrl } : {}),
          ...(opts.tokenEnv ? { scimTokenEnv: opts.tokenEnv } : {}),
        });
      } catch (err) {
        if (err instanceof OnboardingError) throw new InputError(err.message);
        throw err;
      }
      if (opts.json) {
        io.out.write(`${JSON.stringify({ id: result.company.id, name: result.company.name, domain: result.domain, tenantId: result.tenantId, consentUrl: result.consentUrl, scimTokenEnv: result.scimTokenEnv, configPath: file }, null, 2)}\n`);
      } else {
        io.out.write(onboardingText(result, file));
      }
    });
}
