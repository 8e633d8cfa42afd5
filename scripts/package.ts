/**
 * `npm run package [-- --dry-run] [-- --out path.zip]`: builds build/kb4sync.zip for Teams.
 * Reads MicrosoftAppId (required unless --dry-run), TEAMS_APP_ID, BOT_DOMAIN, DEVELOPER_NAME,
 * DEVELOPER_URL, PRIVACY_URL, TERMS_URL from the environment.
 */
import { parseArgs } from 'node:util';
import { buildAppPackage, PackageError } from './packageApp';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'dry-run': { type: 'boolean', default: false }, out: { type: 'string' } },
    allowPositionals: false,
  });
  const result = await buildAppPackage({ env: process.env, dryRun: values['dry-run'], ...(values.out ? { out: values.out } : {}) });
  console.log(`wrote ${result.out}${result.dryRun ? ' (dry run: placeholder app id, do not upload)' : ''}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof PackageError ? `package: ${error.message}` : error);
  process.exitCode = 1;
});
